"""``/track``: the citizen's tracking page (HTML, right to left, works with JavaScript off).

- ``GET /track``: the form (tracking code in any digit script, the mobile's last four
  digits). ``static/track.js`` checks the code's Damm digit as it is typed, with the
  table and the messages of ``domain/tracking.py`` rendered into the page (one rule).
- ``POST /track``: the look-up (:meth:`CitizenWebMixin.find_tracked`, throttled per
  address and per code in the database). A wrong code, a wrong second factor and an
  unknown case all get the same 404 page; a malformed field gets its Persian error in
  place, with what was typed kept.
- ``POST /track/feedback``: satisfaction or an objection on an answered case. The case
  comes from a view token the server signed at the look-up (HMAC, 30 minutes), never
  from a form field; the actor is the server's own «citizen on the web».

Every form carries a CSRF token: an HMAC of a random ``SameSite=Strict`` cookie; a POST
from another origin (``Origin`` header) is refused. Every answer under ``/track`` has a
CSP without inline script or style, ``frame-ancestors 'none'``, ``nosniff``,
``Referrer-Policy: no-referrer`` and ``Cache-Control: no-store``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from samad_desk.central.citizen_web import FEEDBACK_MAX, OBJECTION_MIN, feedback_text_error
from samad_desk.central.errors import ApiError

HERE = Path(__file__).parent
COOKIE = "samad_track"
MAX_FORM = 16 * 1024
CODE_MAX = 64
TAIL_MAX = 16
VIEW_TTL_S = 1800
CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; font-src 'self'; img-src 'self'; "
       "form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-store",
}
MSG_FORM_EXPIRED = "برای امنیت، فرم باید از همین صفحه فرستاده شود؛ دوباره «پیگیری» را بزنید."
MSG_FORM_TOO_BIG = "آنچه فرستاده شد بیش از اندازه بزرگ است؛ فقط کد رهگیری و چهار رقم آخر همراه لازم است."
MSG_VIEW_EXPIRED = "زمان این صفحه گذشته است؛ برای ثبت نظر، پرونده را دوباره پیگیری کنید."

_env = Environment(loader=FileSystemLoader(HERE / "templates"), autoescape=select_autoescape(["html"]),
                   trim_blocks=True, lstrip_blocks=True)


def _fa(value: Any) -> str:
    from samad_desk.text.digits import fa

    return fa(value)


_env.filters["fa"] = _fa


def _damm_rows() -> str:
    from samad_desk.domain.tracking import _DAMM

    return ",".join("".join(str(d) for d in row) for row in _DAMM)


def _js_messages() -> dict[str, str]:
    """The messages of ``parse_tracking_code``, for the script (the same words)."""
    from samad_desk.domain.tracking import LENGTH, parse_tracking_code

    bad_digit = parse_tracking_code("000000000001").error or ""
    length = parse_tracking_code("1").error or ""
    return {
        "digits": parse_tracking_code("x").error or "",
        "length": length.replace("۱ رقم وارد", "{n} رقم وارد"),
        "check": bad_digit,
        "tail": "چهار رقم آخر شمارهٔ همراه را وارد کنید.",
        "n": str(LENGTH),
    }


class FormTooBig(Exception):
    pass


async def _form(request: Request) -> dict[str, str]:
    size = 0
    chunks = []
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_FORM:
            raise FormTooBig()
        chunks.append(chunk)
    try:
        parsed = parse_qs(b"".join(chunks).decode("utf-8", "replace"), keep_blank_values=True,
                          max_num_fields=20)
    except ValueError:
        raise FormTooBig() from None
    return {k: v[0] for k, v in parsed.items()}


def _ip(request: Request) -> str:
    return request.client.host if request.client else "?"


class TrackPage:
    """The routes of the page over one :class:`Central`."""

    def __init__(self, central: Any):
        self.central = central
        self.key = hashlib.sha256(b"track-page|" + (central.secret or "").encode()).digest()

    # -- tokens ---------------------------------------------------------------------------
    def _mac(self, purpose: str, text: str) -> str:
        return hmac.new(self.key, f"{purpose}|{text}".encode(), hashlib.sha256).hexdigest()[:40]

    def csrf_for(self, cookie: str) -> str:
        return self._mac("csrf", cookie)

    def view_token(self, case_id: str, now: float | None = None) -> str:
        exp = int((now or time.time()) + VIEW_TTL_S)
        body = base64.urlsafe_b64encode(f"{case_id}|{exp}".encode()).decode().rstrip("=")
        return f"{body}.{self._mac('view', body)}"

    def case_of_view(self, token: str) -> str | None:
        body, _, mac = (token or "").partition(".")
        if not body or len(token) > 400 or not hmac.compare_digest(mac.encode(), self._mac("view", body).encode()):
            return None
        try:
            case_id, _, exp = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)).decode().partition("|")
            if int(exp) < time.time():
                return None
        except (ValueError, UnicodeDecodeError):
            return None
        return case_id

    # -- rendering ------------------------------------------------------------------------
    def render(self, request: Request, status: int = 200, **ctx: Any) -> Response:
        cookie = request.cookies.get(COOKIE) or ""
        fresh = not (32 <= len(cookie) <= 64 and cookie.isalnum())
        if fresh:
            cookie = secrets.token_hex(16)
        ctx.setdefault("code", "")
        ctx.setdefault("tail", "")
        ctx.setdefault("errors", {})
        html = _env.get_template("track.html").render(
            csrf=self.csrf_for(cookie), damm=_damm_rows(), msgs=_js_messages(),
            feedback_max=FEEDBACK_MAX, code_max=CODE_MAX, **ctx)
        resp = HTMLResponse(html, status_code=status)
        if fresh:
            resp.set_cookie(COOKIE, cookie, httponly=True, samesite="strict", path="/track",
                            secure=request.url.scheme == "https")
        return resp

    def _csrf_ok(self, request: Request, form: dict[str, str]) -> bool:
        origin = request.headers.get("origin")
        if origin and origin != "null" and origin.rstrip("/") != f"{request.url.scheme}://{request.url.netloc}":
            return False
        cookie = request.cookies.get(COOKIE) or ""
        given = form.get("csrf") or ""
        return bool(cookie) and hmac.compare_digest(given.encode(), self.csrf_for(cookie).encode())

    # -- handlers -------------------------------------------------------------------------
    async def page(self, request: Request) -> Response:
        return self.render(request)

    async def lookup(self, request: Request) -> Response:
        from samad_desk.domain.tracking import parse_tracking_code
        from samad_desk.text.digits import to_ascii_digits
        from samad_desk.text.normalize import strip_controls

        try:
            form = await _form(request)
        except FormTooBig:
            return self.render(request, 413, notice=MSG_FORM_TOO_BIG)
        code, tail = form.get("code", ""), form.get("tail", "")
        # what was typed goes back into the boxes, without invisible controls and
        # shortened only when absurdly long
        keep = {"code": strip_controls(code[:CODE_MAX * 2]), "tail": strip_controls(tail[:TAIL_MAX * 2])}
        if not self._csrf_ok(request, form):
            return self.render(request, 403, notice=MSG_FORM_EXPIRED, **keep)
        errors: dict[str, str] = {}
        if len(code) > CODE_MAX:
            errors["code"] = parse_tracking_code("0" * 201).error or ""
        else:
            parsed = parse_tracking_code(code)
            if not parsed.ok:
                errors["code"] = parsed.error or ""
        digits = to_ascii_digits(tail).strip()
        if not (len(digits) == 4 and digits.isascii() and digits.isdigit()):
            errors["tail"] = "چهار رقم آخر شمارهٔ همراه را وارد کنید (فقط رقم)."
        if errors:
            return self.render(request, 400, errors=errors, **keep)
        try:
            case, _ = await run_in_threadpool(self.central.find_tracked, code, digits, _ip(request))
        except ApiError as exc:
            return self.render(request, exc.status, notice=exc.message, **keep)
        view = await run_in_threadpool(self.central.public_case, case)
        return self.render(request, 200, case=view, view=self.view_token(case["id"]), **keep)

    async def feedback(self, request: Request) -> Response:
        from samad_desk.text.normalize import strip_controls

        try:
            form = await _form(request)
        except FormTooBig:
            return self.render(request, 413, notice=MSG_FORM_TOO_BIG)
        if not self._csrf_ok(request, form):
            return self.render(request, 403, notice=MSG_FORM_EXPIRED)
        case_id = self.case_of_view(form.get("view", ""))
        if case_id is None:
            return self.render(request, 403, notice=MSG_VIEW_EXPIRED)
        # one budget with the look-up: the address that records feedback also looked up
        wait = await run_in_threadpool(self.central.track_limiter.take, _ip(request))
        if wait:
            return self.render(request, 429, notice=f"درخواست‌ها بیش از حد مجاز بود؛ {wait} ثانیه دیگر دوباره تلاش کنید.")
        choice = form.get("choice", "")
        text = form.get("text", "").replace("\r\n", "\n")
        error = None
        if choice not in ("satisfied", "objection"):
            error = "رضایت یا اعتراض را انتخاب کنید."
        else:
            error = feedback_text_error(text)
            if error is None and choice == "objection" and len(text.strip()) < OBJECTION_MIN:
                error = "برای اعتراض، کوتاه بنویسید چه چیزی در پاسخ درست نیست."
        result = None
        if error is None:
            result = await run_in_threadpool(self.central.citizen_feedback, case_id,
                                             choice == "satisfied", text.strip())
            if not result["ok"]:
                error = result["message"]
        case = await self._case_by_id(case_id)
        if case is None:
            return self.render(request, 404, notice="پرونده یافت نشد.")
        view = await run_in_threadpool(self.central.public_case, case)
        if error is not None and not view["can_respond"]:  # sent twice, or closed meanwhile
            return self.render(request, 400, case=view, notice=error)
        if error is not None:
            return self.render(request, 400, case=view, view=form.get("view", ""), choice=choice,
                               text=strip_controls(text[: FEEDBACK_MAX * 4]), errors={"feedback": error})
        done = ("اعتراض شما ثبت شد و پرونده برای رسیدگی دوباره به دستگاه بازگشت."
                if result and result.get("reopened") else "رضایت شما ثبت شد؛ پرونده مختومه شد. سپاس از شما.")
        return self.render(request, 200, case=view, done=done)

    async def _case_by_id(self, case_id: str) -> dict | None:
        from sqlalchemy import and_, select

        from samad_desk.central import db
        from samad_desk.central.entities import loads

        def read() -> dict | None:
            t = db.entities
            with self.central.engine.connect() as conn:
                r = conn.execute(select(t.c.data).where(and_(
                    t.c.entity == "case", t.c.id == case_id, t.c.deleted.is_(False)))).first()
            return loads(r.data) if r is not None else None

        return await run_in_threadpool(read)

    def routes(self) -> list:
        return [
            Route("/track", self.page, methods=["GET"]),
            Route("/track", self.lookup, methods=["POST"]),
            Route("/track/feedback", self.feedback, methods=["POST"]),
            Mount("/track/static", StaticFiles(directory=HERE / "static"), name="track-static"),
        ]


class TrackHeaders:
    """ASGI middleware: the security headers on every answer under ``/track``."""

    def __init__(self, app):
        self.app = app
        self.headers = [(k.lower().encode(), v.encode()) for k, v in SECURITY_HEADERS.items()]

    async def __call__(self, scope, receive, send):
        path = scope.get("path", "") if scope["type"] == "http" else ""
        if not (path == "/track" or path.startswith("/track/")):
            return await self.app(scope, receive, send)

        async def send_wrapper(message):
            if message["type"] == "http.response.start":
                names = {k for k, _ in self.headers}
                kept = [(k, v) for k, v in message.get("headers", []) if k.lower() not in names]
                message["headers"] = kept + self.headers
            await send(message)

        await self.app(scope, receive, send_wrapper)
