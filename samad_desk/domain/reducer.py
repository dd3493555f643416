"""THE shared effect logic of every op: the server applies ops with it, the desk overlays
its pending ops on its cache with it, so both sides always agree.

``apply_op(op, reader, now=, calendar=)`` is pure and deterministic given the op, the
state visible through ``reader`` and ``now``: it validates the payload, checks role,
agency scope and transition, and returns an :class:`Outcome` with the full new entity
dicts (``version + 1``) plus one ``event`` per op, or a rejection with a code, a Persian
message and the current state. It never writes anything.

The event of an op has the id ``derived_id(op_id, "event")``; if the reader already has
that event the op was applied before, and ``apply_op`` answers ``applied`` with no
changes and ``duplicate=True`` (re-applying is harmless).

Rejection codes: ``invalid_payload`` (bad or missing field), ``invalid_transition``
(the state does not allow it), ``forbidden`` (role or agency scope), ``not_found``,
``conflict`` (a national ID that belongs to another citizen), ``unknown_op``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from samad_desk.domain import workflow
from samad_desk.domain.fields import (
    FIELD_LABELS,
    MAX_ADDRESS,
    MAX_NAME,
    MAX_SUBJECT,
    MAX_TEXT,
    MIN_DESCRIPTION,
    NAME_FIELDS,
    description_problem,
    name_problem,
    subject_problem,
)
from samad_desk.domain.ids import derived_id, is_safe_id
from samad_desk.domain.models import (
    CITIZEN_EDITABLE,
    CaseState,
    CaseType,
    Channel,
    Role,
    Urgency,
    event_actor,
    iso_datetime,
    new_case,
    new_citizen,
    parse_iso_date,
)
from samad_desk.domain.ops import OP_TYPES
from samad_desk.domain.permissions import ACTION_ROLES, AGENCY_ROLES, CITIZEN_ROLES, MERGE_ROLES
from samad_desk.domain.readers import LayeredReader, Reader
from samad_desk.domain.readers import MemoryReader as MemoryReader  # re-exported
from samad_desk.domain.readers import StoreReader as StoreReader  # re-exported
from samad_desk.domain.sla import WorkingCalendar, answered_in_time, due_date, iran_date
from samad_desk.domain.tracking import parse_tracking_code
from samad_desk.text.digits import fa
from samad_desk.text.jalali import parse_jalali_date
from samad_desk.text.national_id import parse_national_id
from samad_desk.text.normalize import compact_key, normalize, normalize_line
from samad_desk.text.phone import parse_landline, parse_mobile, parse_postal_code


@dataclass
class Change:
    entity: str
    id: str
    op: str  # "put" | "delete"
    data: dict | None

    def to_dict(self) -> dict:
        return {"entity": self.entity, "id": self.id, "op": self.op, "data": self.data}


@dataclass
class Outcome:
    status: str  # "applied" | "rejected"
    changes: list[Change] = field(default_factory=list)
    code: str | None = None
    message: str | None = None
    current: dict | None = None
    #: the op had been applied before (its event exists): no changes
    duplicate: bool = False

    @property
    def ok(self) -> bool:
        return self.status == "applied"

    def get(self, entity: str, id: str | None = None) -> dict | None:
        """The new dict of an entity in the changes (first of its kind if id is None)."""
        for ch in self.changes:
            if ch.entity == entity and (id is None or ch.id == id):
                return ch.data
        return None

    @property
    def event(self) -> dict | None:
        return self.get("event")


class Rejected(Exception):
    def __init__(self, code: str, message: str, current: dict | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.current = current




def event_id_for(op_id: str) -> str:
    """The id of the event an op produces (deterministic, see module docstring)."""
    return derived_id(op_id, "event")


def apply_op(op: dict, reader: Reader, *, now: datetime, calendar: WorkingCalendar) -> Outcome:
    try:
        _check_envelope(op)
        event_id = event_id_for(op["op_id"])
        if reader.get("event", event_id) is not None:
            return Outcome("applied", [], duplicate=True)
        handler = _HANDLERS[op["type"]]
        ctx = _Ctx(op, reader, now, calendar, event_id)
        return handler(ctx)
    except Rejected as r:
        return Outcome("rejected", [], r.code, r.message, r.current)


def _check_envelope(op: Any) -> None:
    if not isinstance(op, dict):
        raise Rejected("invalid_payload", "عملیات نامعتبر است.")
    kind = op.get("type")
    if not isinstance(kind, str) or kind not in OP_TYPES:
        raise Rejected("unknown_op", f"نوع عملیات «{str(kind)[:40]}» شناخته‌شده نیست.")
    if not isinstance(op.get("op_id"), str) or not op["op_id"] or len(op["op_id"]) > 100:
        raise Rejected("invalid_payload", "شناسه عملیات ندارد.")
    if not isinstance(op.get("entity_id"), str) or not op["entity_id"]:
        raise Rejected("invalid_payload", "شناسه موجودیت عملیات ندارد.")
    if not is_safe_id(op["entity_id"]):  # ids are stored, logged and shown: no controls, bidi, paths
        raise Rejected("invalid_payload", "شناسه موجودیت عملیات نامعتبر است.")
    if not isinstance(op.get("payload"), dict):
        raise Rejected("invalid_payload", "اطلاعات عملیات ناقص است.")
    actor = op.get("actor")
    if not isinstance(actor, dict) or Role.parse(actor.get("role")) is None:
        raise Rejected("forbidden", "نقش کاربر معلوم نیست؛ دوباره وارد شوید.")


class _Ctx:
    __slots__ = ("op", "reader", "now", "now_iso", "cal", "actor", "role", "payload", "changes", "event_id")

    def __init__(self, op: dict, reader: Reader, now: datetime, cal: WorkingCalendar, event_id: str) -> None:
        self.event_id = event_id
        self.op = op
        self.reader = reader
        self.now = now
        self.now_iso = iso_datetime(now)
        self.cal = cal
        self.actor = op["actor"]
        self.role = Role.parse(self.actor.get("role"))
        self.payload = op["payload"]
        self.changes: list[Change] = []

    def put(self, entity: str, doc: dict) -> None:
        self.changes.append(Change(entity, doc["id"], "put", doc))

    def event(self, kind: str, case_id: str | None, data: dict, *, concurrent: bool = False) -> dict:
        ev = {
            "id": self.event_id, "case_id": case_id, "kind": kind,
            "actor": event_actor(self.actor), "at": self.now_iso, "data": data,
            "op_id": self.op["op_id"], "concurrent": concurrent, "version": 1,
        }
        self.put("event", ev)
        return ev

    def done(self) -> Outcome:
        return Outcome("applied", self.changes)


# -- helpers ---------------------------------------------------------------------------


def _bump(doc: dict) -> dict:
    # citizen and case dicts are flat: a shallow copy never aliases the reader's data
    new = dict(doc)
    new["version"] = int(doc.get("version") or 0) + 1
    return new


def _str(payload: dict, key: str) -> str:
    value = payload.get(key)
    return value if isinstance(value, str) else ""


def _line(payload: dict, key: str, label: str, *, required: bool, max_len: int = MAX_NAME) -> str:
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


def _multiline(payload: dict, key: str, label: str, *, required: bool, min_len: int = 1) -> str:
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


def _resolve_citizen(reader: Reader, citizen_id: str) -> dict | None:
    """The citizen, following ``merged_into`` redirects (at most 10 hops)."""
    doc = reader.get("citizen", citizen_id)
    hops = 0
    while doc is not None and doc.get("merged_into") and hops < 10:
        nxt = reader.get("citizen", doc["merged_into"])
        if nxt is None:
            break
        doc = nxt
        hops += 1
    return doc


# -- citizens --------------------------------------------------------------------------


def _citizen_fields(ctx: _Ctx, payload: dict, *, creating: bool) -> dict:
    """Validated, canonical values of the citizen fields present in ``payload``."""
    out: dict[str, Any] = {}
    for key in (*NAME_FIELDS, "city"):
        if key in payload or creating:
            required = creating and key in ("first_name", "last_name")
            out[key] = _line(payload, key, FIELD_LABELS[key], required=required)
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
        out["birth_date"] = _birth_date(ctx, payload.get("birth_date"))
    # optional contact details: only when given (a citizen without them has none)
    if "address" in payload:
        out["address"] = _line(payload, "address", "نشانی", required=False, max_len=MAX_ADDRESS)
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


def _birth_date(ctx: _Ctx, raw: Any) -> str | None:
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


def _clean_base(raw: Any) -> dict:
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


def _same(field_: str, a: Any, b: Any) -> bool:
    if a == b:
        return True
    if isinstance(a, str) and isinstance(b, str) and field_ in ("first_name", "last_name", "father_name", "city"):
        return compact_key(a) == compact_key(b)
    return False


def _empty(v: Any) -> bool:
    return v is None or v == "" or v is False


def _citizen_upsert(ctx: _Ctx) -> Outcome:
    if ctx.role not in CITIZEN_ROLES:
        raise Rejected("forbidden", "ثبت و ویرایش مشخصات شهروند با اپراتور ۱۱۱ است.")
    cid = ctx.op["entity_id"]
    payload = ctx.payload
    own = ctx.reader.get("citizen", cid)
    target = _resolve_citizen(ctx.reader, cid) if own is not None else None
    values = _citizen_fields(ctx, payload, creating=target is None)
    nid = values.get("national_id")
    by_nid = ctx.reader.citizen_by_national_id(nid) if nid else None
    if by_nid is not None and by_nid.get("merged_into"):
        by_nid = _resolve_citizen(ctx.reader, by_nid["id"])

    if target is None and by_nid is None:
        doc = new_citizen(id=cid, created_at=ctx.now_iso, version=1, **values)
        ctx.put("citizen", doc)
        ctx.event("citizen.upsert", None, {"citizen_id": cid, "created": True, "fields": values})
        return ctx.done()

    if target is None:
        # national ID is the natural key: fold into the existing citizen, never duplicate
        server = by_nid
        assert server is not None
        new = _bump(server)
        filled: dict[str, Any] = {}
        conflicts: dict[str, dict] = {}
        for key, value in values.items():
            cur = server.get(key)
            if _same(key, cur, value) or _empty(value):
                continue
            if _empty(cur):
                new[key] = value
                filled[key] = value
            else:
                conflicts[key] = {"kept": cur, "incoming": value}
        if filled:
            ctx.put("citizen", new)
        alias = new_citizen(id=cid, created_at=ctx.now_iso, version=1, merged_into=server["id"],
                            **{k: v for k, v in values.items() if k != "national_id"})
        alias["national_id"] = None
        ctx.put("citizen", alias)
        ctx.event("citizen.upsert", None, {
            "citizen_id": server["id"], "alias_id": cid, "natural_key": nid,
            "filled": filled, "conflicts": conflicts, "review": bool(conflicts),
        })
        return ctx.done()

    # an edit of an existing citizen (possibly through a merged alias)
    if nid and by_nid is not None and by_nid["id"] != target["id"]:
        raise Rejected(
            "conflict",
            f"کد ملی {fa(nid)} متعلق به شهروند دیگری ({by_nid.get('first_name', '')} "
            f"{by_nid.get('last_name', '')}) است؛ اگر هر دو یک نفرند، پروفایل‌ها را ادغام کنید.",
            by_nid,
        )
    base = _clean_base(payload.get("base"))
    new = _bump(target)
    applied: dict[str, Any] = {}
    conflicts = {}
    for key, value in values.items():
        cur = target.get(key)
        if _same(key, cur, value):
            continue
        if key in base and not _same(key, cur, base[key]):
            conflicts[key] = {"kept": cur, "incoming": value, "base": base[key]}
            continue
        new[key] = value
        applied[key] = value
    if new.get("national_id"):
        new["no_national_id"] = False
    elif not new.get("no_national_id"):
        raise Rejected(
            "invalid_payload",
            "کد ملی را نمی‌توان پاک کرد مگر آنکه گزینه «بدون کد ملی» زده شود.",
            target,
        )
    concurrent = ctx.op.get("base_version") not in (None, target.get("version"))
    if applied:
        ctx.put("citizen", new)
    ctx.event("citizen.upsert", None, {
        "citizen_id": target["id"], "alias_id": cid if cid != target["id"] else None,
        "changed": applied, "previous": {k: target.get(k) for k in applied},
        "conflicts": conflicts, "review": bool(conflicts),
    }, concurrent=concurrent)
    return ctx.done()


def _active_citizens(ctx: _Ctx, ids: list[str], missing: str, merged: str) -> list[dict]:
    """The profiles ``ids``, each existing and not merged into another (else Rejected
    with the given Persian reasons)."""
    out = []
    for cid in ids:
        doc = ctx.reader.get("citizen", cid)
        if doc is None:
            raise Rejected("not_found", missing)
        if doc.get("merged_into"):
            raise Rejected("invalid_transition", merged, doc)
        out.append(doc)
    return out


def _citizen_merge(ctx: _Ctx) -> Outcome:
    if ctx.role not in MERGE_ROLES:
        raise Rejected("forbidden", "ادغام پروفایل شهروندان فقط با ناظر یا مدیر سامانه است.")
    p = ctx.payload
    survivor_id = p.get("survivor_id") or ctx.op["entity_id"]
    merged_ids = p.get("merged_ids")
    if not is_safe_id(survivor_id):
        raise Rejected("invalid_payload", "پروفایل اصلی شهروند مشخص نشده است.")
    if not isinstance(merged_ids, list) or not merged_ids or not all(is_safe_id(m) for m in merged_ids):
        raise Rejected("invalid_payload", "پروفایل‌هایی که باید ادغام شوند مشخص نشده است.")
    if survivor_id in merged_ids or len(set(merged_ids)) != len(merged_ids):
        raise Rejected("invalid_payload", "یک پروفایل نمی‌تواند در خودش ادغام شود.")
    survivor = ctx.reader.get("citizen", survivor_id)
    if survivor is None:
        raise Rejected("not_found", "پروفایل اصلی شهروند پیدا نشد.")
    if survivor.get("merged_into"):
        raise Rejected("invalid_transition", "پروفایل اصلی خودش در پروفایل دیگری ادغام شده است.", survivor)
    merged = _active_citizens(ctx, merged_ids, "یکی از پروفایل‌هایی که باید ادغام شوند پیدا نشد.",
                              "این پروفایل پیش‌تر در پروفایل دیگری ادغام شده است.")
    fields_in = p.get("fields") or {}
    if not isinstance(fields_in, dict):
        raise Rejected("invalid_payload", "مشخصات پروفایل ادغام‌شده نامعتبر است.")
    fields_in = {k: v for k, v in fields_in.items() if k in CITIZEN_EDITABLE}
    values = _citizen_fields(ctx, fields_in, creating=False)
    merged_nids = {m.get("national_id") for m in merged}
    nid = values.get("national_id")
    if nid:
        other = ctx.reader.citizen_by_national_id(nid)
        if other is not None and other["id"] != survivor_id and other["id"] not in merged_ids:
            raise Rejected("conflict", f"کد ملی {fa(nid)} متعلق به شهروند دیگری است.", other)
    new_s = _bump(survivor)
    changed = {}
    for key, value in values.items():
        if not _same(key, survivor.get(key), value):
            new_s[key] = value
            changed[key] = value
    carried = sorted(n for n in merged_nids if n)
    if not new_s.get("national_id") and len(carried) == 1:
        # the survivor takes over the one national ID of the merged profiles
        new_s["national_id"] = changed["national_id"] = carried[0]
        new_s["no_national_id"] = changed["no_national_id"] = False
    ctx.put("citizen", new_s)
    previous = {survivor_id: {k: survivor.get(k) for k in CITIZEN_EDITABLE}}
    for doc in merged:
        previous[doc["id"]] = {k: doc.get(k) for k in (*CITIZEN_EDITABLE, "merged_into")}
        new_m = _bump(doc)
        new_m["merged_into"] = survivor_id
        new_m["national_id"] = None  # one national ID, one active profile
        ctx.put("citizen", new_m)
    ctx.event("citizen.merge", None, {
        "citizen_id": survivor_id, "survivor_id": survivor_id, "merged_ids": list(merged_ids),
        "changed": changed, "previous": previous,
        "national_ids": sorted(n for n in merged_nids if n),
    })
    return ctx.done()


def _citizen_unmerge(ctx: _Ctx) -> Outcome:
    if ctx.role not in MERGE_ROLES:
        raise Rejected("forbidden", "لغو ادغام پروفایل شهروندان فقط با ناظر یا مدیر سامانه است.")
    merge_op_id = ctx.payload.get("merge_op_id")
    if not is_safe_id(merge_op_id, 100):
        raise Rejected("invalid_payload", "ادغامی که باید لغو شود مشخص نشده است.")
    merge_ev = ctx.reader.get("event", event_id_for(merge_op_id))
    if merge_ev is None or merge_ev.get("kind") != "citizen.merge":
        raise Rejected("not_found", "رویداد ادغام پیدا نشد.")
    data = merge_ev.get("data") or {}
    survivor_id = data.get("survivor_id")
    survivor = ctx.reader.get("citizen", survivor_id) if survivor_id else None
    if survivor is None:
        raise Rejected("not_found", "پروفایل اصلی شهروند پیدا نشد.")
    previous = data.get("previous") or {}
    restored = []
    for mid in data.get("merged_ids") or []:
        doc = ctx.reader.get("citizen", mid)
        if doc is None or doc.get("merged_into") != survivor_id:
            raise Rejected("invalid_transition", "این ادغام پیش‌تر لغو شده یا پروفایل‌ها تغییر کرده‌اند.", doc)
        restored.append(doc)
    new_s = _bump(survivor)
    reverted = {}
    for key, value in (data.get("changed") or {}).items():
        if _same(key, survivor.get(key), value):  # untouched since the merge
            old = (previous.get(survivor_id) or {}).get(key)
            new_s[key] = old
            reverted[key] = old
    ctx.put("citizen", new_s)
    for doc in restored:
        new_m = _bump(doc)
        prev = previous.get(doc["id"]) or {}
        new_m["merged_into"] = prev.get("merged_into")
        new_m["national_id"] = prev.get("national_id")
        ctx.put("citizen", new_m)
    ctx.event("citizen.unmerge", None, {
        "citizen_id": survivor_id, "merge_op_id": merge_op_id,
        "restored_ids": [d["id"] for d in restored], "reverted": reverted,
    })
    return ctx.done()


def _citizen_distinct(ctx: _Ctx) -> Outcome:
    """Two profiles the matching engine paired are different people: an event only (no
    profile changes); the duplicates queue leaves the pair out from then on."""
    if ctx.role not in MERGE_ROLES:
        raise Rejected("forbidden", "تصمیم «تکراری نیست» فقط با ناظر یا مدیر سامانه است.")
    ids = ctx.payload.get("citizen_ids")
    if (not isinstance(ids, list) or len(ids) != 2 or not all(is_safe_id(i) for i in ids)
            or ids[0] == ids[1] or ctx.op["entity_id"] != ids[0]):
        raise Rejected("invalid_payload", "دو پروفایل جدا از هم لازم است.")
    _active_citizens(ctx, ids, "یکی از دو پروفایل پیدا نشد.",
                     "یکی از دو پروفایل در پروفایل دیگری ادغام شده است.")
    note = _line(ctx.payload, "note", "یادداشت", required=False, max_len=MAX_SUBJECT)
    ctx.event("citizen.distinct", None, {"citizen_id": ids[0], "distinct_ids": list(ids), "note": note})
    return ctx.done()


# -- cases -----------------------------------------------------------------------------


def _case_register(ctx: _Ctx) -> Outcome:
    cid = ctx.op["entity_id"]
    existing = ctx.reader.get("case", cid)
    reason = workflow.check_transition(existing, "register", ctx.actor)
    if reason:
        code = "forbidden" if existing is None else "invalid_transition"
        raise Rejected(code, reason, existing)
    p = ctx.payload
    tc = parse_tracking_code(p.get("tracking_code") if isinstance(p.get("tracking_code"), str) else "")
    if not tc.ok or tc.value is None:
        raise Rejected("invalid_payload", tc.error or "کد رهگیری نامعتبر است.")
    other = ctx.reader.case_by_tracking_code(tc.value)
    if other is not None and other.get("id") != cid:
        raise Rejected("conflict", "این کد رهگیری پیش‌تر به پرونده دیگری داده شده است.", other)
    citizen_id = p.get("citizen_id")
    if not isinstance(citizen_id, str) or not citizen_id:
        raise Rejected("invalid_payload", "شهروند پرونده مشخص نشده است.")
    citizen = _resolve_citizen(ctx.reader, citizen_id)
    if citizen is None:
        raise Rejected("not_found", "شهروند این پرونده پیدا نشد؛ ابتدا مشخصات شهروند را ثبت کنید.")
    if not citizen.get("national_id") and not citizen.get("no_national_id"):
        raise Rejected("invalid_payload", "برای ثبت پرونده کد ملی شهروند لازم است.")
    ctype = CaseType.parse(p.get("type"))
    if ctype is None:
        raise Rejected("invalid_payload", "نوع پیام (درخواست، شکایت، …) انتخاب نشده است.")
    urgency = Urgency.parse(p.get("urgency") or "normal")
    if urgency is None:
        raise Rejected("invalid_payload", "فوریت پرونده نامعتبر است.")
    channel = Channel.parse(p.get("channel") or "call")
    if channel is None:
        raise Rejected("invalid_payload", "نحوه دریافت پیام نامعتبر است.")
    subject = _line(p, "subject", "موضوع", required=True, max_len=MAX_SUBJECT)
    problem = subject_problem(subject)
    if problem:
        raise Rejected("invalid_payload", problem + ".")
    city = _line(p, "city", "شهر", required=False)
    description = _multiline(p, "description", "شرح پیام", required=False)
    problem = description_problem(description) if len(description) < MIN_DESCRIPTION else None
    if problem:
        raise Rejected("invalid_payload", problem + ".")
    case = new_case(
        id=cid, tracking_code=tc.value, citizen_id=citizen["id"], type=ctype.value,
        subject=subject, city=city, description=description, urgency=urgency.value,
        channel=channel.value, state=CaseState.registered.value, registered_at=ctx.now_iso,
        version=1,
    )
    ctx.put("case", case)
    ctx.event("register", cid, {
        "tracking_code": tc.value, "citizen_id": citizen["id"], "type": ctype.value,
        "subject": subject, "channel": channel.value, "urgency": urgency.value,
        **({"citizen_alias_id": citizen_id} if citizen_id != citizen["id"] else {}),
    })
    return ctx.done()


def _load_case(ctx: _Ctx, action: str) -> dict:
    case = ctx.reader.get("case", ctx.op["entity_id"])
    reason = workflow.check_transition(case, action, ctx.actor)
    if reason or case is None:
        if case is None:
            raise Rejected("not_found", reason or "پرونده پیدا نشد.")
        code = "forbidden"
        if Role.parse(ctx.actor.get("role")) in ACTION_ROLES.get(action, ()):
            in_scope = ctx.role not in AGENCY_ROLES or (
                ctx.actor.get("agency_id") and case.get("agency_id") == ctx.actor.get("agency_id")
            )
            if in_scope:
                code = "invalid_transition"
        raise Rejected(code, str(reason), case)
    return case


def _payload_check(ctx: _Ctx, case: dict, action: str, **kw) -> None:
    reason = workflow.check_payload(case, action, ctx.payload, **kw)
    if reason:
        raise Rejected("invalid_payload", reason, case)


def _concurrent(ctx: _Ctx, case: dict) -> bool:
    base = ctx.op.get("base_version")
    return base is not None and base != case.get("version")


def _set_state(ctx: _Ctx, case: dict, action: str) -> dict:
    new = _bump(case)
    new["state"] = workflow.target_state(case, action, ctx.payload).value
    return new


def _restart_clock(ctx: _Ctx, new: dict) -> None:
    """Give the agency a fresh deadline from now (after reopening)."""
    agency = ctx.reader.agency(new["agency_id"]) if new.get("agency_id") else None
    days, _ = ctx.cal.sla_days_for(agency, new.get("type"))
    new["due_date"] = due_date(ctx.now, days, ctx.cal).isoformat()
    new["extended_days"] = 0


def _case_refer(ctx: _Ctx) -> Outcome:
    case = _load_case(ctx, "refer")
    agency_id = ctx.payload.get("agency_id")
    agency = ctx.reader.agency(agency_id) if isinstance(agency_id, str) and agency_id else None
    _payload_check(ctx, case, "refer", agency=agency)
    assert agency is not None
    note = _multiline(ctx.payload, "note", "یادداشت ارجاع", required=False)
    days, max_days = ctx.cal.sla_days_for(agency, case.get("type"))
    new = _set_state(ctx, case, "refer")
    new.update(
        agency_id=agency["id"], referred_at=ctx.now_iso,
        due_date=due_date(ctx.now, days, ctx.cal).isoformat(), extended_days=0,
        assigned_to=None, answer=None, answered_at=None, closed_at=None,
    )
    ctx.put("case", new)
    ctx.event("refer", case["id"], {
        "agency_id": agency["id"], "agency_name": agency.get("name", ""), "note": note,
        "from_state": case["state"], "from_agency_id": case.get("agency_id"),
        "re_referral": case["state"] != CaseState.registered, "due_date": new["due_date"],
        "sla_days": days, "sla_max_days": max_days,
    }, concurrent=_concurrent(ctx, case))
    return ctx.done()


def _case_accept(ctx: _Ctx) -> Outcome:
    case = _load_case(ctx, "accept")
    _payload_check(ctx, case, "accept")
    new = _set_state(ctx, case, "accept")
    if not new.get("assigned_to"):
        new["assigned_to"] = ctx.actor.get("operator_id")
    ctx.put("case", new)
    ctx.event("accept", case["id"], {"assigned_to": new["assigned_to"]}, concurrent=_concurrent(ctx, case))
    return ctx.done()


def _case_assign(ctx: _Ctx) -> Outcome:
    case = _load_case(ctx, "assign")
    _payload_check(ctx, case, "assign")
    operator_id = ctx.payload["operator_id"]
    if not is_safe_id(operator_id):
        raise Rejected("invalid_payload", "شناسه کارشناس نامعتبر است.", case)
    operator = ctx.reader.get("operator", operator_id)
    if operator is not None and operator.get("agency_id") != case.get("agency_id"):
        raise Rejected("forbidden", "کارشناس انتخاب‌شده از دستگاه دیگری است.", case)
    new = _set_state(ctx, case, "assign")
    new["assigned_to"] = operator_id
    ctx.put("case", new)
    ctx.event("assign", case["id"], {
        "operator_id": operator_id, "operator_name": (operator or {}).get("name", ""),
        "previous": case.get("assigned_to"),
    }, concurrent=_concurrent(ctx, case))
    return ctx.done()


def _case_answer(ctx: _Ctx) -> Outcome:
    case = _load_case(ctx, "answer")
    _payload_check(ctx, case, "answer")
    text = _multiline(ctx.payload, "text", "متن پاسخ", required=True, min_len=2)
    new = _set_state(ctx, case, "answer")
    new["answer"] = text
    new["answered_at"] = ctx.now_iso
    if not new.get("assigned_to"):
        new["assigned_to"] = ctx.actor.get("operator_id")
    ctx.put("case", new)
    ctx.event("answer", case["id"], {
        "text": text, "revised": case["state"] == CaseState.answered,
        "previous": case.get("answer") if case["state"] == CaseState.answered else None,
        "in_time": answered_in_time(new), "due_date": case.get("due_date"),
    }, concurrent=_concurrent(ctx, case))
    return ctx.done()


def _case_return(ctx: _Ctx) -> Outcome:
    case = _load_case(ctx, "return")
    _payload_check(ctx, case, "return")
    reason = _multiline(ctx.payload, "reason", "دلیل عودت", required=True, min_len=3)
    sug = ctx.payload.get("suggested_agency_id") or None
    sug_agency = None
    if sug is not None:
        sug_agency = ctx.reader.agency(sug) if isinstance(sug, str) else None
        if sug_agency is None:
            raise Rejected("invalid_payload", "دستگاه پیشنهادی شناخته‌شده نیست.", case)
    new = _set_state(ctx, case, "return")
    new.update(agency_id=None, due_date=None, assigned_to=None, extended_days=0)
    ctx.put("case", new)
    ctx.event("return", case["id"], {
        "reason": reason, "from_agency_id": case.get("agency_id"),
        "suggested_agency_id": sug, "suggested_agency_name": (sug_agency or {}).get("name"),
    }, concurrent=_concurrent(ctx, case))
    return ctx.done()


def _case_extend(ctx: _Ctx) -> Outcome:
    case = _load_case(ctx, "extend")
    agency = ctx.reader.agency(case["agency_id"]) if case.get("agency_id") else None
    sla = ctx.cal.sla_days_for(agency, case.get("type"))
    _payload_check(ctx, case, "extend", sla=sla)
    reason = _multiline(ctx.payload, "reason", "دلیل تمدید", required=True, min_len=3)
    days = int(ctx.payload["days"])
    old_due = parse_iso_date(case.get("due_date"))
    if old_due is None:
        referred = case.get("referred_at")
        base: date | datetime = iran_date(ctx.now) if not referred else iran_date(
            datetime.fromisoformat(referred.replace("Z", "+00:00")))
        old_due = ctx.cal.add_working_days(base, sla[0] + int(case.get("extended_days") or 0))
    new = _set_state(ctx, case, "extend")
    new["extended_days"] = int(case.get("extended_days") or 0) + days
    new["due_date"] = ctx.cal.add_working_days(old_due, days).isoformat()
    ctx.put("case", new)
    ctx.event("extend", case["id"], {
        "days": days, "reason": reason, "previous_due_date": case.get("due_date"),
        "due_date": new["due_date"], "extended_days": new["extended_days"], "sla_max_days": sla[1],
    }, concurrent=_concurrent(ctx, case))
    return ctx.done()


def _case_close(ctx: _Ctx) -> Outcome:
    case = _load_case(ctx, "close")
    _payload_check(ctx, case, "close")
    reason = _multiline(ctx.payload, "reason", "دلیل", required=False)
    new = _set_state(ctx, case, "close")
    new["closed_at"] = ctx.now_iso
    ctx.put("case", new)
    ctx.event("close", case["id"], {"reason": reason, "from_state": case["state"]},
              concurrent=_concurrent(ctx, case))
    return ctx.done()


def _reopen_fields(ctx: _Ctx, case: dict, new: dict) -> dict:
    prev = {"answer": case.get("answer"), "answered_at": case.get("answered_at"),
            "closed_at": case.get("closed_at"), "due_date": case.get("due_date")}
    new.update(answer=None, answered_at=None, closed_at=None)
    if new["state"] == CaseState.in_progress:
        _restart_clock(ctx, new)
    else:
        new.update(due_date=None, extended_days=0)
    return prev


def _case_reopen(ctx: _Ctx) -> Outcome:
    case = _load_case(ctx, "reopen")
    _payload_check(ctx, case, "reopen")
    reason = _multiline(ctx.payload, "reason", "دلیل بازگشایی", required=True, min_len=3)
    new = _set_state(ctx, case, "reopen")
    prev = _reopen_fields(ctx, case, new)
    ctx.put("case", new)
    ctx.event("reopen", case["id"], {"reason": reason, "from_state": case["state"], "previous": prev,
                                     "due_date": new.get("due_date")},
              concurrent=_concurrent(ctx, case))
    return ctx.done()


def _case_note(ctx: _Ctx) -> Outcome:
    case = _load_case(ctx, "note")
    _payload_check(ctx, case, "note")
    text = _multiline(ctx.payload, "text", "متن یادداشت", required=True)
    ctx.event("note", case["id"], {"text": text}, concurrent=_concurrent(ctx, case))
    return ctx.done()


def _case_followup(ctx: _Ctx) -> Outcome:
    case = _load_case(ctx, "followup")
    _payload_check(ctx, case, "followup")
    note = _multiline(ctx.payload, "note", "متن پیگیری", required=False)
    satisfied = ctx.payload.get("satisfied")
    target = workflow.target_state(case, "followup", ctx.payload)
    data: dict[str, Any] = {"note": note, "satisfied": satisfied, "state": case["state"],
                            "objection": satisfied is False and case["state"] in
                            (CaseState.answered, CaseState.closed)}
    if target != case["state"]:
        new = _bump(case)
        new["state"] = target.value
        if target == CaseState.in_progress:
            data["reopened"] = True
            data["previous"] = _reopen_fields(ctx, case, new)
            data["due_date"] = new.get("due_date")
        elif target == CaseState.closed:
            new["closed_at"] = ctx.now_iso
            data["closed"] = True
        ctx.put("case", new)
    ctx.event("followup", case["id"], data, concurrent=_concurrent(ctx, case))
    return ctx.done()


def _case_escalate(ctx: _Ctx) -> Outcome:
    case = _load_case(ctx, "escalate")
    _payload_check(ctx, case, "escalate")
    reason = _multiline(ctx.payload, "reason", "دلیل ارجاع به ناظر", required=True, min_len=3)
    new = _set_state(ctx, case, "escalate")
    new["escalated"] = True
    ctx.put("case", new)
    ctx.event("escalate", case["id"], {"reason": reason}, concurrent=_concurrent(ctx, case))
    return ctx.done()


_HANDLERS = {
    "citizen.upsert": _citizen_upsert,
    "citizen.merge": _citizen_merge,
    "citizen.unmerge": _citizen_unmerge,
    "citizen.distinct": _citizen_distinct,
    "case.register": _case_register,
    "case.refer": _case_refer,
    "case.accept": _case_accept,
    "case.assign": _case_assign,
    "case.answer": _case_answer,
    "case.return": _case_return,
    "case.extend": _case_extend,
    "case.close": _case_close,
    "case.reopen": _case_reopen,
    "case.note": _case_note,
    "case.followup": _case_followup,
    "case.escalate": _case_escalate,
}


def dry_run(ops: list[dict], reader: Any, *, now: datetime, calendar: Any) -> Outcome | None:
    """Apply ``ops`` in order over ``reader`` without writing anything; the first
    rejection, or None when every op would apply. A desk runs its save through this
    first: an op the shared reducer would refuse must never reach the journal as if
    it were fine (it would vanish from the overlay with no word to the operator)."""
    layered = LayeredReader(reader)
    for op in ops:
        outcome = apply_op(op, layered, now=now, calendar=calendar)
        if not outcome.ok:
            return outcome
        layered.local.apply(outcome)
    return None
