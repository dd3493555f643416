"""The case ops: ``case.register`` and every workflow action on a case (refer, accept,
assign, answer, return, extend, close, reopen, note, followup, escalate). The transition,
role and scope rules are ``domain/workflow.py``'s; this module applies their effects."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from samad_desk.domain import workflow
from samad_desk.domain.fields import (
    MAX_SUBJECT,
    MIN_DESCRIPTION,
    description_problem,
    subject_problem,
)
from samad_desk.domain.ids import is_safe_id
from samad_desk.domain.models import (
    CaseState,
    CaseType,
    Channel,
    Role,
    Urgency,
    new_case,
    parse_iso_date,
)
from samad_desk.domain.permissions import ACTION_ROLES, AGENCY_ROLES
from samad_desk.domain.reducer.context import OpContext, bump, resolve_citizen
from samad_desk.domain.reducer.outcome import Outcome, Rejected
from samad_desk.domain.reducer.values import multiline, single_line
from samad_desk.domain.sla import answered_in_time, due_date, iran_date
from samad_desk.domain.tracking import parse_tracking_code


def case_register(ctx: OpContext) -> Outcome:
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
    citizen = resolve_citizen(ctx.reader, citizen_id)
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
    subject = single_line(p, "subject", "موضوع", required=True, max_len=MAX_SUBJECT)
    problem = subject_problem(subject)
    if problem:
        raise Rejected("invalid_payload", problem + ".")
    city = single_line(p, "city", "شهر", required=False)
    description = multiline(p, "description", "شرح پیام", required=False)
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


def _load_case(ctx: OpContext, action: str) -> dict:
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


def _payload_check(ctx: OpContext, case: dict, action: str, **kw) -> None:
    reason = workflow.check_payload(case, action, ctx.payload, **kw)
    if reason:
        raise Rejected("invalid_payload", reason, case)


def _checked_case(ctx: OpContext, action: str) -> dict:
    """The case of the op, ``action`` allowed on it and its payload checked."""
    case = _load_case(ctx, action)
    _payload_check(ctx, case, action)
    return case


def _record(ctx: OpContext, action: str, case: dict, new: dict | None, data: dict) -> Outcome:
    """The outcome: the case's new version (None: unchanged) and the action's event."""
    if new is not None:
        ctx.put("case", new)
    ctx.event(action, case["id"], data, concurrent=_concurrent(ctx, case))
    return ctx.done()


def _concurrent(ctx: OpContext, case: dict) -> bool:
    base = ctx.op.get("base_version")
    return base is not None and base != case.get("version")


def _set_state(ctx: OpContext, case: dict, action: str) -> dict:
    new = bump(case)
    new["state"] = workflow.target_state(case, action, ctx.payload).value
    return new


def _restart_clock(ctx: OpContext, new: dict) -> None:
    """Give the agency a fresh deadline from now (after reopening)."""
    agency = ctx.reader.agency(new["agency_id"]) if new.get("agency_id") else None
    days, _ = ctx.cal.sla_days_for(agency, new.get("type"))
    new["due_date"] = due_date(ctx.now, days, ctx.cal).isoformat()
    new["extended_days"] = 0


def case_refer(ctx: OpContext) -> Outcome:
    case = _load_case(ctx, "refer")
    agency_id = ctx.payload.get("agency_id")
    agency = ctx.reader.agency(agency_id) if isinstance(agency_id, str) and agency_id else None
    _payload_check(ctx, case, "refer", agency=agency)
    assert agency is not None
    note = multiline(ctx.payload, "note", "یادداشت ارجاع", required=False)
    days, max_days = ctx.cal.sla_days_for(agency, case.get("type"))
    new = _set_state(ctx, case, "refer")
    new.update(
        agency_id=agency["id"], referred_at=ctx.now_iso,
        due_date=due_date(ctx.now, days, ctx.cal).isoformat(), extended_days=0,
        assigned_to=None, answer=None, answered_at=None, closed_at=None,
    )
    return _record(ctx, "refer", case, new, {
        "agency_id": agency["id"], "agency_name": agency.get("name", ""),
        # the manager whose cartable receives it: the scorecard credits the case to them,
        # not to whoever manages the agency when the report runs
        "manager_name": agency.get("manager_name") or "", "note": note,
        "from_state": case["state"], "from_agency_id": case.get("agency_id"),
        "re_referral": case["state"] != CaseState.registered, "due_date": new["due_date"],
        "sla_days": days, "sla_max_days": max_days,
    })


def case_accept(ctx: OpContext) -> Outcome:
    case = _checked_case(ctx, "accept")
    new = _set_state(ctx, case, "accept")
    if not new.get("assigned_to"):
        new["assigned_to"] = ctx.actor.get("operator_id")
    return _record(ctx, "accept", case, new, {"assigned_to": new["assigned_to"]})


def case_assign(ctx: OpContext) -> Outcome:
    case = _checked_case(ctx, "assign")
    operator_id = ctx.payload["operator_id"]
    if not is_safe_id(operator_id):
        raise Rejected("invalid_payload", "شناسه کارشناس نامعتبر است.", case)
    operator = ctx.reader.get("operator", operator_id)
    if operator is not None and operator.get("agency_id") != case.get("agency_id"):
        raise Rejected("forbidden", "کارشناس انتخاب‌شده از دستگاه دیگری است.", case)
    new = _set_state(ctx, case, "assign")
    new["assigned_to"] = operator_id
    return _record(ctx, "assign", case, new, {
        "operator_id": operator_id, "operator_name": (operator or {}).get("name", ""),
        "previous": case.get("assigned_to"),
    })


def case_answer(ctx: OpContext) -> Outcome:
    case = _checked_case(ctx, "answer")
    text = multiline(ctx.payload, "text", "متن پاسخ", required=True, min_len=2)
    new = _set_state(ctx, case, "answer")
    new["answer"] = text
    new["answered_at"] = ctx.now_iso
    if not new.get("assigned_to"):
        new["assigned_to"] = ctx.actor.get("operator_id")
    return _record(ctx, "answer", case, new, {
        "text": text, "revised": case["state"] == CaseState.answered,
        "previous": case.get("answer") if case["state"] == CaseState.answered else None,
        "in_time": answered_in_time(new), "due_date": case.get("due_date"),
    })


def case_return(ctx: OpContext) -> Outcome:
    case = _checked_case(ctx, "return")
    reason = multiline(ctx.payload, "reason", "دلیل عودت", required=True, min_len=3)
    sug = ctx.payload.get("suggested_agency_id") or None
    sug_agency = None
    if sug is not None:
        sug_agency = ctx.reader.agency(sug) if isinstance(sug, str) else None
        if sug_agency is None:
            raise Rejected("invalid_payload", "دستگاه پیشنهادی شناخته‌شده نیست.", case)
    new = _set_state(ctx, case, "return")
    new.update(agency_id=None, due_date=None, assigned_to=None, extended_days=0)
    return _record(ctx, "return", case, new, {
        "reason": reason, "from_agency_id": case.get("agency_id"),
        "suggested_agency_id": sug, "suggested_agency_name": (sug_agency or {}).get("name"),
    })


def case_extend(ctx: OpContext) -> Outcome:
    case = _load_case(ctx, "extend")
    agency = ctx.reader.agency(case["agency_id"]) if case.get("agency_id") else None
    sla = ctx.cal.sla_days_for(agency, case.get("type"))
    _payload_check(ctx, case, "extend", sla=sla)
    reason = multiline(ctx.payload, "reason", "دلیل تمدید", required=True, min_len=3)
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
    return _record(ctx, "extend", case, new, {
        "days": days, "reason": reason, "previous_due_date": case.get("due_date"),
        "due_date": new["due_date"], "extended_days": new["extended_days"], "sla_max_days": sla[1],
    })


def case_close(ctx: OpContext) -> Outcome:
    case = _checked_case(ctx, "close")
    reason = multiline(ctx.payload, "reason", "دلیل", required=False)
    new = _set_state(ctx, case, "close")
    new["closed_at"] = ctx.now_iso
    return _record(ctx, "close", case, new, {"reason": reason, "from_state": case["state"]})


def _reopen_fields(ctx: OpContext, case: dict, new: dict) -> dict:
    prev = {"answer": case.get("answer"), "answered_at": case.get("answered_at"),
            "closed_at": case.get("closed_at"), "due_date": case.get("due_date")}
    new.update(answer=None, answered_at=None, closed_at=None)
    if new["state"] == CaseState.in_progress:
        _restart_clock(ctx, new)
    else:
        new.update(due_date=None, extended_days=0)
    return prev


def case_reopen(ctx: OpContext) -> Outcome:
    case = _checked_case(ctx, "reopen")
    reason = multiline(ctx.payload, "reason", "دلیل بازگشایی", required=True, min_len=3)
    new = _set_state(ctx, case, "reopen")
    prev = _reopen_fields(ctx, case, new)
    return _record(ctx, "reopen", case, new, {
        "reason": reason, "from_state": case["state"], "previous": prev, "due_date": new.get("due_date"),
    })


def case_note(ctx: OpContext) -> Outcome:
    case = _checked_case(ctx, "note")
    text = multiline(ctx.payload, "text", "متن یادداشت", required=True)
    return _record(ctx, "note", case, None, {"text": text})


def case_followup(ctx: OpContext) -> Outcome:
    case = _checked_case(ctx, "followup")
    note = multiline(ctx.payload, "note", "متن پیگیری", required=False)
    satisfied = ctx.payload.get("satisfied")
    target = workflow.target_state(case, "followup", ctx.payload)
    data: dict[str, Any] = {"note": note, "satisfied": satisfied, "state": case["state"],
                            "objection": satisfied is False and case["state"] in
                            (CaseState.answered, CaseState.closed)}
    new: dict | None = None
    if target != case["state"]:
        new = bump(case)
        new["state"] = target.value
        if target == CaseState.in_progress:
            data["reopened"] = True
            data["previous"] = _reopen_fields(ctx, case, new)
            data["due_date"] = new.get("due_date")
        elif target == CaseState.closed:
            new["closed_at"] = ctx.now_iso
            data["closed"] = True
    return _record(ctx, "followup", case, new, data)


def case_escalate(ctx: OpContext) -> Outcome:
    case = _checked_case(ctx, "escalate")
    reason = multiline(ctx.payload, "reason", "دلیل ارجاع به ناظر", required=True, min_len=3)
    new = _set_state(ctx, case, "escalate")
    new["escalated"] = True
    return _record(ctx, "escalate", case, new, {"reason": reason})

