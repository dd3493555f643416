"""The "needs attention" list: ops the server refused, and what the operator can do.

A refusal is not a deletion (store-and-sync.md §3.1, §3.7): a rejected op keeps its
journal record and stays in this list with the server's reason and the current state,
until the operator either **re-issues** it (a *new* op, new ``op_id``, built against the
current state: :meth:`samad_desk.services.DeskServices.reissue`) or **dismisses** it (the store appends a
dismiss record; the original stays in the journal for audit).
"""

from __future__ import annotations

from typing import Any

#: Persian names of op types, for the attention list and `sync status`
OP_LABELS = {
    "citizen.upsert": "ثبت/ویرایش شهروند",
    "citizen.merge": "ادغام شهروندان",
    "citizen.unmerge": "لغو ادغام شهروندان",
    "citizen.distinct": "«تکراری نیست» برای دو شهروند",
    "case.register": "ثبت پرونده",
    "case.refer": "ارجاع پرونده",
    "case.accept": "پذیرش پرونده",
    "case.assign": "واگذاری پرونده",
    "case.answer": "پاسخ به پرونده",
    "case.return": "بازگرداندن پرونده",
    "case.extend": "تمدید مهلت",
    "case.close": "بستن پرونده",
    "case.reopen": "بازگشایی پرونده",
    "case.note": "یادداشت",
    "case.followup": "پیگیری",
    "case.escalate": "ارجاع به مقام بالاتر",
}

_REASONS = {
    "invalid_transition": "این کار در وضعیت فعلی پرونده مجاز نیست.",
    "forbidden": "شما اجازه این کار را ندارید.",
    "invalid_payload": "داده‌های عملیات معتبر نیست.",
    "not_found": "پرونده یا شهروند مورد نظر روی سرور پیدا نشد.",
    "server_error": "سرور نتوانست این عملیات را اجرا کند.",
}


def _result(op: dict) -> dict:
    """The server's answer stored with a rejected op (the store may nest it or flatten it)."""
    for key in ("result", "outcome", "rejection"):
        if isinstance(op.get(key), dict):
            return op[key]
    return op


def reason(op: dict) -> str:
    """A Persian sentence: why the server refused this op."""
    res = _result(op)
    message = res.get("message")
    if isinstance(message, str) and message:
        return message
    return _REASONS.get(res.get("code") or "", "سرور این عملیات را نپذیرفت.")


def current_state(op: dict) -> dict | None:
    current = _result(op).get("current")
    return current if isinstance(current, dict) else None


def describe(op: dict) -> str:
    """One line for a list: what it was, and why it was refused."""
    label = OP_LABELS.get(op.get("type", ""), op.get("type", "عملیات"))
    line = f"{label}: {reason(op)}"
    current = current_state(op)
    if current and current.get("state"):
        try:
            from samad_desk.domain.models import CaseState

            state = CaseState(current["state"]).label
        except Exception:
            state = str(current["state"])
        line += f" (وضعیت فعلی: {state})"
    return line


def dismiss(store: Any, op_id: str) -> None:
    """The operator saw it and lets it go. The journal keeps the op and the dismissal."""
    store.dismiss(op_id)

