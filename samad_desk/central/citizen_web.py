"""What a citizen may see and do on the public tracking page, without HTTP.

:meth:`CitizenWebMixin.find_tracked` is the one public look-up (the JSON
``/v1/track/{code}`` and the ``/track`` page both use it): the tracking code and the last
four digits of the mobile on file, throttled per address and per code in the database
(``throttle_events``, shared by every server process). Every refusal (an unknown code, a
wrong second factor, a malformed tail) is the same 404 after the same work, so neither
the answer nor its time tells whether a code exists.

:meth:`CitizenWebMixin.public_case` turns a case into what the page shows: state, agency
(a public body), the deadline in Jalali working days, the public timeline and the answer;
never the national ID, the description, notes, officers' names or anyone else's data.

:meth:`CitizenWebMixin.citizen_feedback` records satisfaction or an objection on an
answered case as a ``case.followup`` op of :data:`CITIZEN_WEB_ACTOR` (role ``citizen``:
an identity only the server takes, never an operator account, never named by the form)
through the shared reducer, so an objection reopens the case exactly as a 111 agent's
follow-up with «عدم رضایت» does, and desks pull the change like any other.
"""

from __future__ import annotations

import hmac
import logging
import unicodedata
from datetime import date
from typing import Any

import orjson
from sqlalchemy import and_, select

from samad_desk.central import audit, db
from samad_desk.central.changes import ChangeBuffer, flush
from samad_desk.central.entities import Repo, loads
from samad_desk.central.errors import ApiError
from samad_desk.domain.ops import dict_or_empty

log = logging.getLogger("samad_desk.central.citizen_web")

#: the server-side identity of a citizen acting on the tracking page
CITIZEN_WEB_ACTOR = {
    "operator_id": "citizen-web",
    "name": "شهروند (درگاه اینترنتی)",
    "role": "citizen",
    "agency_id": None,
    "office_id": None,
}
MSG_NOT_FOUND = "پرونده‌ای با این کد رهگیری و شماره همراه یافت نشد."
MSG_ALREADY = "نظر شما دربارهٔ این پاسخ پیش‌تر ثبت شده است؛ پرونده دیگر در انتظار نظر شما نیست."
FEEDBACK_MAX = 500
OBJECTION_MIN = 3

#: what the look-up parses when there is no case, so a miss costs what a hit does
#: (sizes of a typical case and citizen); ``_NO_CODE`` never matches a tracking code
_NO_CODE = "-"
_STAND_IN_CASE = orjson.dumps({
    "id": "0" * 36, "tracking_code": "0" * 12, "citizen_id": "0" * 36, "state": "referred",
    "type": "complaint", "subject": "x" * 40, "description": "x" * 400, "agency_id": "x" * 20,
    "answer": None, "history": [], "version": 3,
}).decode()
_STAND_IN_CITIZEN = orjson.dumps({
    "id": "0" * 36, "national_id": "0" * 10, "first_name": "x" * 10, "last_name": "x" * 12,
    "father_name": "x" * 10, "mobile": "0" * 11, "city": "x" * 8, "version": 1,
}).decode()


def _throttled(wait: int) -> ApiError:
    return ApiError(429, "too_many_requests",
                    f"درخواست‌ها بیش از حد مجاز بود؛ {wait} ثانیه دیگر دوباره تلاش کنید.",
                    headers={"Retry-After": str(wait)}, retry_after=wait)


def feedback_text_error(text: str) -> str | None:
    """A Persian reason the citizen's feedback text cannot be saved, or None. Controls,
    escape sequences and direction overrides are refused (not silently dropped), so what
    is saved is what the citizen saw in the box."""
    from samad_desk.text.limits import too_long_message

    if len(text) > FEEDBACK_MAX:
        return too_long_message("متن", len(text), FEEDBACK_MAX)
    for ch in text:
        cat = unicodedata.category(ch)
        if ch in "\n\r\t" or ch == "\u200c":
            continue
        if cat in ("Cc", "Cf", "Cs", "Co", "Cn"):
            return "متن نویسهٔ کنترلی یا نشانهٔ جهت (نامرئی) داشت؛ از متن برداشته شد، آن را ببینید و دوباره بفرستید."
    return None


class CitizenWebMixin:
    # attributes provided by Central
    engine: Any
    w: Any
    sqlite: bool
    track_limiter: Any
    track_code_limiter: Any
    calendar: Any
    clock: Any
    _write_changes: Any  # PushMixin's (writes an op's changes with their change rows)

    # -- the look-up ----------------------------------------------------------------------
    def find_tracked(self, code: str, mobile_tail: str | None, ip: str) -> tuple[dict, str]:
        """(case, province) for a tracking code and the mobile's last four digits, else
        the one 404 (see the module docstring); 429 when this address or this code has
        tried too often (a flood cannot lock a code for longer than the window)."""
        from samad_desk.domain.tracking import parse_tracking_code
        from samad_desk.text.digits import to_ascii_digits

        wait = self.track_limiter.take(ip)
        if wait:
            raise _throttled(wait)
        parsed = parse_tracking_code(code or "")
        # per code as typed (canonical when it parses): the same count for a real code
        # and an unknown one, so the 429 tells nothing either
        wait = self.track_code_limiter.take(parsed.value if parsed.ok else (code or "")[:64])
        if wait:
            raise _throttled(wait)
        tail = to_ascii_digits(mobile_tail or "").strip()
        well_formed = bool(parsed.ok and len(tail) == 4 and tail.isdigit())
        t = db.entities
        z = t.alias("z")
        with self.engine.connect() as conn:
            row = conn.execute(
                select(t.c.data, t.c.province, z.c.data.label("citizen"))
                .select_from(t.outerjoin(z, and_(z.c.entity == "citizen", z.c.id == t.c.citizen_id)))
                .where(and_(t.c.entity == "case", t.c.deleted.is_(False),
                            t.c.tracking_code == (parsed.value if parsed.ok else _NO_CODE)))
            ).first()
        case = loads(row.data if row is not None else _STAND_IN_CASE) or {}
        citizen = loads(row.citizen if row is not None and row.citizen else _STAND_IN_CITIZEN) or {}
        mobile = str(citizen.get("mobile") or "")
        given = (tail if well_formed else "????").encode()
        expected = (mobile[-4:] if len(mobile) >= 4 else "!!!!").encode()
        if not (hmac.compare_digest(given, expected) and well_formed and row is not None):
            raise ApiError(404, "not_found", MSG_NOT_FOUND)
        return case, row.province or ""

    def track(self, code: str, mobile_tail: str | None, ip: str) -> dict:
        """``GET /v1/track/{code}``: the state and the answer (JSON)."""
        from samad_desk.domain.models import CaseState

        case, _ = self.find_tracked(code, mobile_tail, ip)
        state = case.get("state")
        label = CaseState(state).label if isinstance(state, str) and state in CaseState.__members__ else state
        return {"state": state, "state_label": label, "answer": case.get("answer")}

    # -- what the page shows --------------------------------------------------------------
    def chain_head_digest(self, case_id: str) -> str | None:
        """The short digest of the case's hash-chain head (``central/audit.py``), for the
        citizen to quote; None for a case without a chained history."""
        return audit.chain_head_short(self, case_id) or None

    def public_case(self, case: dict, *, today: date | None = None) -> dict:
        """What the tracking page may show of ``case`` (see the module docstring)."""
        from samad_desk.domain.models import CaseState, CaseType
        from samad_desk.domain.sla import iran_date, remaining_working_days
        from samad_desk.domain.tracking import format_tracking_code
        from samad_desk.text.jalali import jalali_day

        t = db.entities
        with self.engine.connect() as conn:
            events = [loads(r.data) for r in conn.execute(select(t.c.data).where(and_(
                t.c.entity == "event", t.c.case_id == case["id"], t.c.deleted.is_(False))))]
            agency = None
            if case.get("agency_id"):
                r = conn.execute(select(t.c.data).where(and_(
                    t.c.entity == "agency", t.c.id == case["agency_id"]))).first()
                agency = loads(r.data) if r is not None else None
        events.sort(key=lambda e: (e.get("at") or "", e.get("op_id") or ""))
        today = today or iran_date(self.clock())
        left = remaining_working_days(case, today, self.calendar)
        state = case.get("state")
        return {
            "case_id": case["id"],
            "tracking_code": format_tracking_code(case.get("tracking_code") or ""),
            "type_label": CaseType.label_of(case.get("type")),
            "state": state,
            "state_label": CaseState.label_of(state),
            "agency_name": (agency or {}).get("name") or "",
            "due_jalali": jalali_day(case.get("due_date")) if left is not None else "",
            "days_left": left,
            "timeline": [item for item in map(public_event, events) if item is not None],
            "answer": case.get("answer") if state in (CaseState.answered, CaseState.closed) else None,
            "answered_jalali": jalali_day(case.get("answered_at")),
            "can_respond": state == CaseState.answered,
            "chain_digest": self.chain_head_digest(case["id"]),
        }

    # -- satisfaction and objection -------------------------------------------------------
    def citizen_feedback(self, case_id: str, satisfied: bool, text: str) -> dict:
        """Record the citizen's satisfaction or objection on the answered case
        ``case_id`` (known from a signed view token, never from the form). Returns
        ``{"ok": True, "reopened": bool}`` or ``{"ok": False, "message": …}``."""
        from samad_desk.domain import ops
        from samad_desk.domain.reducer import apply_op

        now = self.clock()
        with self.w.begin() as conn:
            repo = Repo(conn, lock=not self.sqlite)
            row = repo.row("case", case_id)
            case = repo.get("case", case_id)
            if case is None or row is None:
                return {"ok": False, "message": MSG_NOT_FOUND}
            if case.get("state") != "answered":  # sent twice, or already closed
                return {"ok": False, "message": MSG_ALREADY}
            actor = dict(CITIZEN_WEB_ACTOR, province=row.province)
            op = ops.case_followup(case, actor, note=text, satisfied=satisfied, now=now)
            op["actor"] = actor
            outcome = apply_op(op, repo, now=now, calendar=self.calendar)
            if outcome.status != "applied":
                log.warning("citizen feedback refused", extra={"case": case_id, "code": outcome.code})
                return {"ok": False, "message": outcome.message or MSG_ALREADY}
            buf = ChangeBuffer()
            ctx_actor = dict(actor, office_id=row.office_id)
            self._write_changes(repo, buf, op, ctx_actor, outcome.changes)
            repo.flush_writes()
            first, _top = flush(conn, buf)
            # the citizen's event joins the case's hash chain like a pushed op's (push.py)
            audit.append(conn, [(cid, eid, data, first + i) for i, cid, eid, data in repo.chain_new
                                if i < len(buf.items) and buf.items[i].id == eid])
        log.info("citizen feedback", extra={"case": case_id, "satisfied": satisfied})
        return {"ok": True, "reopened": satisfied is False}


def public_event(ev: dict) -> dict | None:
    """One line of the public timeline, or None for what the citizen is not shown
    (notes, assignments, escalations, phone follow-ups, citizen-profile events)."""
    from samad_desk.text.digits import fa
    from samad_desk.text.jalali import jalali_day

    kind = ev.get("kind")
    data = dict_or_empty(ev.get("data"))
    detail = ""
    if kind == "register":
        title = "ثبت در سامانهٔ ۱۱۱"
    elif kind == "refer":
        title = "ارجاع دوباره به دستگاه" if data.get("re_referral") else "ارجاع به دستگاه"
        detail = data.get("agency_name") or ""
    elif kind == "accept":
        title = "پذیرش در دستگاه"
    elif kind == "extend":
        title = f"تمدید مهلت پاسخ ({fa(data.get('days') or 0)} روز کاری)"
        detail = f"دلیل: {data.get('reason') or ''}؛ مهلت تازه: {jalali_day(data.get('due_date'))}"
    elif kind == "return":
        title = "عودت به واحد ۱۱۱ برای ارجاع به دستگاه مربوط"
    elif kind == "answer":
        title = "ویرایش پاسخ" if data.get("revised") else "ثبت پاسخ"
    elif kind == "reopen":
        title = "بازگشایی پرونده"
    elif kind == "close":
        title = "مختومه شدن پرونده"
    elif kind == "followup" and data.get("objection"):
        title = "اعتراض شهروند به پاسخ؛ پرونده بازگشایی شد" if data.get("reopened") else "اعتراض شهروند به پاسخ"
    elif kind == "followup" and data.get("satisfied") is True and data.get("closed"):
        title = "اعلام رضایت شهروند؛ پرونده مختومه شد"
    else:
        return None
    return {"kind": kind, "title": title, "detail": detail, "date_jalali": jalali_day(ev.get("at"))}
