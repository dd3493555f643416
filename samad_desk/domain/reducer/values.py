"""Payload values checked and made canonical: one-line and multi-line text, the citizen
fields (names, national ID, mobile, birth date, contact details), the base an edit was
made on, and when two values count as the same. Each problem raises :class:`Rejected`
(``invalid_payload``) with a Persian message; the limits are ``domain/fields.py``'s."""

from __future__ import annotations

from typing import Any

from samad_desk.domain.fields import (
    FIELD_LABELS,
    MAX_ADDRESS,
    MAX_NAME,
    MAX_TEXT,
    NAME_FIELDS,
    name_problem,
)
from samad_desk.domain.models import CITIZEN_EDITABLE, parse_iso_date
from samad_desk.domain.reducer.context import OpContext
from samad_desk.domain.reducer.outcome import Rejected
from samad_desk.domain.sla import iran_date
from samad_desk.text.digits import fa
from samad_desk.text.jalali import parse_jalali_date
from samad_desk.text.national_id import parse_national_id
from samad_desk.text.normalize import compact_key, normalize, normalize_line
from samad_desk.text.phone import parse_landline, parse_mobile, parse_postal_code


def single_line(payload: dict, key: str, label: str, *, required: bool, max_len: int = MAX_NAME) -> str:
    value = payload.get(key)
    if value is not None and not isinstance(value, str):
        raise Rejected("invalid_payload", f"«{label}» نامعتبر است.")
    if value and len(value) > 4 * max_len:  # don't normalize megabytes to find out
        raise Rejected("invalid_payload", f"«{label}» بیش از اندازه بلند است (حداکثر {fa(max_len)} نویسه).")
    text = normalize_line(value or "")
    if required and not text:
        raise Rejected("invalid_payload", f"«{label}» وارد نشده است.")
    if len(text) > max_len:
        raise Rejected("invalid_payload", f"«{label}» بیش از اندازه بلند است (حداکثر {fa(max_len)} نویسه).")
    return text


def multiline(payload: dict, key: str, label: str, *, required: bool, min_len: int = 1) -> str:
    value = payload.get(key)
    if value is not None and not isinstance(value, str):
        raise Rejected("invalid_payload", f"«{label}» نامعتبر است.")
    if value and len(value) > 4 * MAX_TEXT:  # don't normalize megabytes to find out
        raise Rejected("invalid_payload", f"«{label}» بیش از اندازه بلند است (حداکثر {fa(MAX_TEXT)} نویسه).")
    text = normalize(value or "").strip()
    if required and len(text) < min_len:
        raise Rejected("invalid_payload", f"«{label}» وارد نشده است.")
    if len(text) > MAX_TEXT:
        raise Rejected("invalid_payload", f"«{label}» بیش از اندازه بلند است (حداکثر {fa(MAX_TEXT)} نویسه).")
    return text


def citizen_fields(ctx: OpContext, payload: dict, *, creating: bool) -> dict:
    """Validated, canonical values of the citizen fields present in ``payload``."""
    out: dict[str, Any] = {}
    for key in (*NAME_FIELDS, "city"):
        if key in payload or creating:
            # first and last name are required whenever they are sent: an edit may change a
            # name but never blank it (an empty one is refused, from any client or importer)
            required = key in ("first_name", "last_name")
            out[key] = single_line(payload, key, FIELD_LABELS[key], required=required)
            problem = name_problem(out[key], key, required=required) if key in NAME_FIELDS else None
            if problem:
                raise Rejected("invalid_payload", problem + ".")
    if "sayyed" in payload or creating:
        out["sayyed"] = bool(payload.get("sayyed"))
    no_nid = payload.get("no_national_id")
    if "no_national_id" in payload or creating:
        out["no_national_id"] = bool(no_nid)
    if "national_id" in payload or creating:
        raw = payload.get("national_id")
        if raw in (None, ""):
            if creating and not no_nid:
                raise Rejected(
                    "invalid_payload",
                    "کد ملی وارد نشده است؛ اگر شهروند کد ملی ندارد، گزینه «بدون کد ملی» را بزنید.",
                )
            out["national_id"] = None
        else:
            if not isinstance(raw, str):
                raw = str(raw)
            parsed = parse_national_id(raw)
            if not parsed.ok:
                raise Rejected("invalid_payload", parsed.error or "کد ملی نامعتبر است.")
            out["national_id"] = parsed.value
            out["no_national_id"] = False
    if "mobile" in payload or creating:
        raw = payload.get("mobile")
        if raw in (None, ""):
            out["mobile"] = None
        else:
            parsed = parse_mobile(raw if isinstance(raw, str) else str(raw))
            if not parsed.ok:
                raise Rejected("invalid_payload", parsed.error or "شماره همراه نامعتبر است.")
            out["mobile"] = parsed.value
    if "birth_date" in payload or creating:
        out["birth_date"] = birth_date(ctx, payload.get("birth_date"))
    # optional contact details: only when given (a citizen without them has none)
    if "address" in payload:
        out["address"] = single_line(payload, "address", "نشانی", required=False, max_len=MAX_ADDRESS)
    for key, parse in (("phone", parse_landline), ("postal_code", parse_postal_code)):
        if key in payload:
            raw = payload.get(key)
            if raw in (None, ""):
                out[key] = None
                continue
            parsed = parse(raw if isinstance(raw, str) else str(raw))
            if not parsed.ok:
                raise Rejected("invalid_payload", parsed.error or "مقدار نامعتبر است.")
            out[key] = parsed.value
    return out


def birth_date(ctx: OpContext, raw: Any) -> str | None:
    if raw in (None, ""):
        return None
    if not isinstance(raw, str):
        raise Rejected("invalid_payload", "تاریخ تولد نامعتبر است.")
    today = iran_date(ctx.now)
    iso = parse_iso_date(raw) if len(raw) == 10 and raw[4:5] == "-" else None
    if iso is None:
        parsed = parse_jalali_date(raw, field="تاریخ تولد", today=today, not_future=True)
        if not parsed.ok or parsed.value is None:
            raise Rejected("invalid_payload", parsed.error or "تاریخ تولد نامعتبر است.")
        iso = parsed.value
    if iso > today:
        raise Rejected("invalid_payload", "تاریخ تولد: نمی‌تواند در آینده باشد.")
    if iso.year < 1900:
        raise Rejected("invalid_payload", "تاریخ تولد: بیش از اندازه قدیمی است.")
    return iso.isoformat()


def clean_base(raw: Any) -> dict:
    """The values an edit was based on (recorded in a conflict): editable fields only,
    scalars only, text normalized like a stored value."""
    if not isinstance(raw, dict):
        return {}
    out: dict[str, Any] = {}
    for key in CITIZEN_EDITABLE:
        value = raw.get(key)
        if isinstance(value, str):
            out[key] = normalize_line(value)[:MAX_ADDRESS if key == "address" else MAX_NAME]
        elif value is None or isinstance(value, bool):
            if key in raw:
                out[key] = value
    return out


def same_value(field_: str, a: Any, b: Any) -> bool:
    if a == b:
        return True
    if isinstance(a, str) and isinstance(b, str) and field_ in ("first_name", "last_name", "father_name", "city"):
        return compact_key(a) == compact_key(b)
    return False


def empty_value(v: Any) -> bool:
    return v is None or v == "" or v is False

