// The tracking page's one script (CSP: script-src 'self', no inline script). It checks the
// tracking code as it is typed with the Damm table and the messages the server rendered
// into the form (domain/tracking.py: one rule on both sides). The page works without it.
(function () {
  "use strict";
  var form = document.querySelector("form.lookup");
  if (!form) return;
  var table = form.dataset.damm.split(",").map(function (row) { return row.split("").map(Number); });
  var length = Number(form.dataset.length);
  var code = document.getElementById("code");
  var tail = document.getElementById("tail");
  var codeError = document.getElementById("code-error");
  var tailError = document.getElementById("tail-error");
  var SEP = /[\s\-_./\u200c\u200e\u200f\u202a-\u202e\u2066-\u2069]+/g;

  function ascii(text) {
    return text.replace(/[\u06f0-\u06f9]/g, function (c) { return String(c.charCodeAt(0) - 0x06f0); })
               .replace(/[\u0660-\u0669]/g, function (c) { return String(c.charCodeAt(0) - 0x0660); });
  }
  function fa(text) {
    return String(text).replace(/[0-9]/g, function (d) { return String.fromCharCode(0x06f0 + Number(d)); });
  }
  function codeProblem(text, final) {
    var compact = ascii(text).replace(SEP, "");
    if (!compact) return final ? form.dataset.msgLength.replace("{n}", fa(0)) : "";
    if (!/^[0-9]+$/.test(compact)) return form.dataset.msgDigits;
    if (compact.length < length && !final) return "";
    if (compact.length !== length) return form.dataset.msgLength.replace("{n}", fa(compact.length));
    var interim = 0;
    for (var i = 0; i < compact.length; i++) interim = table[interim][Number(compact[i])];
    return interim === 0 ? "" : form.dataset.msgCheck;
  }
  function tailProblem(text, final) {
    var d = ascii(text).trim();
    if (!d && !final) return "";
    return /^[0-9]{4}$/.test(d) ? "" : (final || d.length > 4 || /[^0-9]/.test(d) ? form.dataset.msgTail : "");
  }
  function show(input, box, message) {
    box.textContent = message;
    if (message) input.setAttribute("aria-invalid", "true"); else input.removeAttribute("aria-invalid");
    input.parentNode.classList.toggle("bad", Boolean(message));
  }
  code.addEventListener("input", function () { show(code, codeError, codeProblem(code.value, false)); });
  tail.addEventListener("input", function () { show(tail, tailError, tailProblem(tail.value, false)); });
  form.addEventListener("submit", function (event) {
    var a = codeProblem(code.value, true), b = tailProblem(tail.value, true);
    show(code, codeError, a);
    show(tail, tailError, b);
    if (a || b) {
      event.preventDefault();
      (a ? code : tail).focus();
    }
  });
}());
