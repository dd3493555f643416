"""The case workflow (گردش کار): states, allowed transitions, who may do what.

``ALLOWED[(state, action)]`` gives the state after ``action``; any pair not in it is
refused with a Persian reason. ``check_transition`` checks state and role (and the
agency scope of officers and managers); ``check_payload`` checks what the action needs
(a reason to return, an extension within the maximum …). The reducer calls both, so the
desk and the server refuse the same things with the same words.

Decisions where domain.md leaves room (see docs/domain.md):

- ``register`` is the only action on a case that does not exist yet (→ registered).
- The 111 unit (agent, supervisor, admin) refers; it may re-route a case that is still
  ``referred`` (not yet accepted) and re-refers ``returned`` cases.
- An agency may answer straight from ``referred`` (implicit acceptance) and may revise
  its answer while the case is ``answered`` (not after it is closed).
- ``return`` sends the case back to the 111 unit: ``agency_id`` and the deadline are
  cleared, the reason and the suggested agency go into the event.
- A follow-up call (``followup``) with ``satisfied=False`` on an ``answered`` case is an
  objection (اعتراض): the case goes back to ``in_progress`` at the same agency with a new
  deadline. ``satisfied=True`` on an ``answered`` case closes it. On other states a
  follow-up is only recorded (a closed case is reopened by a supervisor, ``reopen``).
- ``close``: supervisors/admins from any open state (with a reason); the agency's officer
  or manager only once it has answered.
- ``reopen`` (supervisor, admin) from answered/closed → ``in_progress`` when the case has
  an agency, else ``registered``.
- Notes are allowed in every state (commutative facts); escalation in every state but closed.
- The admin may do what the 111 unit and the supervisor do; agency work (accept, assign,
  answer, return, extend) belongs to the agency's own officers and manager.
"""

from __future__ import annotations

from samad_desk.domain.models import CaseState, Role
from samad_desk.domain.permissions import ACTION_ROLES, AGENCY_ROLES
from samad_desk.text.digits import fa

S = CaseState
ACTIONS = (
    "register", "refer", "accept", "assign", "answer", "return", "extend", "close",
    "reopen", "note", "followup", "escalate",
)

ACTION_LABELS = {
    "register": "ثبت پرونده",
    "refer": "ارجاع",
    "accept": "پذیرش پرونده",
    "assign": "واگذاری به کارشناس",
    "answer": "ثبت پاسخ",
    "return": "عودت (عدم ارتباط)",
    "extend": "تمدید مهلت",
    "close": "مختومه کردن",
    "reopen": "بازگشایی",
    "note": "یادداشت",
    "followup": "ثبت پیگیری",
    "escalate": "ارجاع به ناظر",
}

#: (state, action) → state after the action
ALLOWED: dict[tuple[CaseState, str], CaseState] = {
    (S.registered, "refer"): S.referred,
    (S.registered, "close"): S.closed,
    (S.registered, "note"): S.registered,
    (S.registered, "followup"): S.registered,
    (S.registered, "escalate"): S.registered,
    (S.referred, "refer"): S.referred,
    (S.referred, "accept"): S.in_progress,
    (S.referred, "assign"): S.referred,
    (S.referred, "answer"): S.answered,
    (S.referred, "return"): S.returned,
    (S.referred, "extend"): S.referred,
    (S.referred, "close"): S.closed,
    (S.referred, "note"): S.referred,
    (S.referred, "followup"): S.referred,
    (S.referred, "escalate"): S.referred,
    (S.in_progress, "assign"): S.in_progress,
    (S.in_progress, "answer"): S.answered,
    (S.in_progress, "return"): S.returned,
    (S.in_progress, "extend"): S.in_progress,
    (S.in_progress, "close"): S.closed,
    (S.in_progress, "note"): S.in_progress,
    (S.in_progress, "followup"): S.in_progress,
    (S.in_progress, "escalate"): S.in_progress,
    (S.answered, "answer"): S.answered,
    (S.answered, "close"): S.closed,
    (S.answered, "reopen"): S.in_progress,
    (S.answered, "note"): S.answered,
    (S.answered, "followup"): S.answered,  # satisfied False → in_progress, True → closed
    (S.answered, "escalate"): S.answered,
    (S.closed, "reopen"): S.in_progress,  # → registered when the case has no agency
    (S.closed, "note"): S.closed,
    (S.closed, "followup"): S.closed,
    (S.returned, "refer"): S.referred,
    (S.returned, "close"): S.closed,
    (S.returned, "note"): S.returned,
    (S.returned, "followup"): S.returned,
    (S.returned, "escalate"): S.returned,
}


#: specific reasons for (role, action) refusals; others get a generic sentence
_ROLE_REASONS: dict[tuple[Role, str], str] = {
    (Role.supervisor, "answer"): "ناظر استان نمی‌تواند پاسخ پرونده را ثبت یا ویرایش کند؛ پاسخ با دستگاه مربوط است.",
    (Role.admin, "answer"): "مدیر سامانه نمی‌تواند پاسخ پرونده را ثبت یا ویرایش کند؛ پاسخ با دستگاه مربوط است.",
    (Role.agent, "answer"): "پاسخ پرونده را فقط کارشناس یا مدیر دستگاه مربوط ثبت می‌کند.",
    (Role.officer, "assign"): "واگذاری پرونده به کارشناس فقط از مدیر دستگاه ساخته است.",
    (Role.officer, "refer"): "ارجاع با واحد ۱۱۱ است؛ اگر پرونده به دستگاه شما مربوط نیست، آن را با ذکر دلیل عودت دهید.",
    (Role.manager, "refer"): "ارجاع با واحد ۱۱۱ است؛ اگر پرونده به دستگاه شما مربوط نیست، آن را با ذکر دلیل عودت دهید.",
    (Role.officer, "register"): "ثبت پرونده با اپراتور ۱۱۱ است.",
    (Role.manager, "register"): "ثبت پرونده با اپراتور ۱۱۱ است.",
    (Role.supervisor, "register"): "ثبت پرونده با اپراتور ۱۱۱ است.",
    (Role.agent, "close"): "اپراتور نمی‌تواند پرونده را مختومه کند؛ اگر شهروند از پاسخ راضی است، پیگیری را با «رضایت» ثبت کنید.",
    (Role.agent, "reopen"): "اپراتور پرونده را بازگشایی نمی‌کند؛ اعتراض شهروند را به‌صورت پیگیری با «عدم رضایت» ثبت کنید.",
    (Role.officer, "reopen"): "بازگشایی پرونده با ناظر استان است.",
    (Role.manager, "reopen"): "بازگشایی پرونده با ناظر استان است.",
}

#: specific reasons for (state, action) refusals
_STATE_REASONS: dict[tuple[CaseState, str], str] = {
    (S.closed, "answer"): "پرونده مختومه است و نمی‌توان به آن پاسخ داد؛ اگر شهروند اعتراض دارد، ناظر باید ابتدا آن را بازگشایی کند.",
    (S.closed, "refer"): "پرونده مختومه است و نمی‌توان آن را ارجاع داد؛ ابتدا باید بازگشایی شود.",
    (S.closed, "close"): "پرونده پیش‌تر مختومه شده است.",
    (S.closed, "extend"): "پرونده مختومه است؛ تمدید مهلت ممکن نیست.",
    (S.closed, "return"): "پرونده مختومه است و عودت آن ممکن نیست.",
    (S.closed, "accept"): "پرونده مختومه است و پذیرش آن ممکن نیست.",
    (S.closed, "assign"): "پرونده مختومه است و واگذاری آن ممکن نیست.",
    (S.closed, "escalate"): "پرونده مختومه است؛ برای بررسی دوباره ناظر باید آن را بازگشایی کند.",
    (S.answered, "refer"): "پرونده پاسخ داده شده است؛ برای ارجاع دوباره ابتدا باید بازگشایی شود.",
    (S.answered, "extend"): "پرونده پاسخ داده شده است؛ تمدید مهلت معنا ندارد.",
    (S.answered, "return"): "پرونده پاسخ داده شده است و دیگر نمی‌توان آن را عودت داد.",
    (S.answered, "accept"): "پرونده پاسخ داده شده است.",
    (S.answered, "assign"): "پرونده پاسخ داده شده است و واگذاری آن معنا ندارد.",
    (S.registered, "answer"): "پرونده هنوز به دستگاهی ارجاع نشده است.",
    (S.registered, "accept"): "پرونده هنوز به دستگاهی ارجاع نشده است.",
    (S.registered, "assign"): "پرونده هنوز به دستگاهی ارجاع نشده است.",
    (S.registered, "return"): "پرونده هنوز به دستگاهی ارجاع نشده است که عودت شود.",
    (S.registered, "extend"): "پرونده هنوز ارجاع نشده و مهلتی ندارد.",
    (S.returned, "answer"): "پرونده عودت داده شده و در انتظار ارجاع دوباره از سوی واحد ۱۱۱ است.",
    (S.returned, "accept"): "پرونده عودت داده شده و در انتظار ارجاع دوباره از سوی واحد ۱۱۱ است.",
    (S.returned, "assign"): "پرونده عودت داده شده و در انتظار ارجاع دوباره از سوی واحد ۱۱۱ است.",
    (S.returned, "return"): "پرونده پیش‌تر عودت داده شده است.",
    (S.returned, "extend"): "پرونده عودت داده شده و مهلتی ندارد.",
    (S.in_progress, "accept"): "پرونده پیش‌تر پذیرفته شده و در حال رسیدگی است.",
    (S.in_progress, "refer"): "پرونده در حال رسیدگی دستگاه است؛ اگر به دستگاه دیگری مربوط است، دستگاه باید آن را عودت دهد.",
}


def action_label(action: str) -> str:
    return ACTION_LABELS.get(action, action)


def _role(actor: dict | None) -> Role | None:
    if not isinstance(actor, dict):
        return None
    return Role.parse(actor.get("role"))


def _state(case: dict) -> CaseState | None:
    return CaseState.parse(case.get("state"))


def check_transition(case: dict | None, action: str, actor: dict) -> str | None:
    """None when ``actor`` may do ``action`` on ``case`` now, else a Persian reason.

    ``action`` is the op type without ``case.``. ``case`` is None only for ``register``.
    Order: unknown action, missing case, role, agency scope, state.
    """
    if action.startswith("case."):
        action = action[5:]
    if action not in ACTION_ROLES:
        return f"عملیات «{action}» شناخته‌شده نیست."
    role = _role(actor)
    if role is None:
        return "نقش کاربر معلوم نیست؛ دوباره وارد شوید."
    if action == "register":
        if case is not None:
            return "پرونده‌ای با این شناسه پیش‌تر ثبت شده است."
        if role not in ACTION_ROLES["register"]:
            return _ROLE_REASONS.get((role, action)) or _generic_role(role, action)
        return None
    if case is None:
        return "پرونده پیدا نشد."
    state = _state(case)
    if state is None:
        return f"وضعیت پرونده («{case.get('state')}») شناخته‌شده نیست."
    if role not in ACTION_ROLES[action]:
        return _ROLE_REASONS.get((role, action)) or _generic_role(role, action)
    if role in AGENCY_ROLES:
        if not actor.get("agency_id"):
            return "دستگاه کاربر معلوم نیست؛ کارشناس و مدیر فقط پرونده‌های دستگاه خود را می‌بینند."
        if case.get("agency_id") != actor.get("agency_id"):
            if case.get("agency_id") is None:
                return "این پرونده به دستگاه شما ارجاع نشده است."
            return "این پرونده به دستگاه دیگری ارجاع شده است؛ فقط پرونده‌های دستگاه خود را می‌توانید رسیدگی کنید."
        if action == "close" and state is not S.answered:
            return "دستگاه فقط پس از ثبت پاسخ می‌تواند پرونده را مختومه کند."
    if (state, action) not in ALLOWED:
        return _STATE_REASONS.get((state, action)) or (
            f"{action_label(action)} در وضعیت «{state.label}» ممکن نیست."
        )
    return None


def _generic_role(role: Role, action: str) -> str:
    return f"نقش «{role.label}» اجازهٔ «{action_label(action)}» را ندارد."


def _text(value: object) -> str:
    return value.strip() if isinstance(value, str) else ""


MIN_REASON = 3


def check_payload(
    case: dict | None,
    action: str,
    payload: dict,
    *,
    agency: dict | None = None,
    sla: tuple[int, int] | None = None,
) -> str | None:
    """None when ``payload`` is complete for ``action``, else a Persian reason.

    ``agency``: for ``refer``, the target agency (None when unknown); ``sla``: (days,
    max days) of the case's agency, for ``extend``.
    """
    if action.startswith("case."):
        action = action[5:]
    if not isinstance(payload, dict):
        return "اطلاعات عملیات ناقص است."
    if action == "refer":
        if not _text(payload.get("agency_id")):
            return "دستگاه مقصد ارجاع انتخاب نشده است."
        if agency is None:
            return "دستگاه مقصد ارجاع شناخته‌شده نیست."
        if agency.get("active") is False:
            return f"دستگاه «{agency.get('name', '')}» غیرفعال است و نمی‌توان به آن ارجاع داد."
        if case is not None and case.get("state") == S.referred and case.get("agency_id") == agency.get("id"):
            return "پرونده همین حالا به همین دستگاه ارجاع شده است."
    elif action == "answer":
        if len(_text(payload.get("text"))) < 2:
            return "متن پاسخ خالی است."
    elif action == "return":
        if len(_text(payload.get("reason"))) < MIN_REASON:
            return "برای عودت پرونده باید دلیل عدم ارتباط را بنویسید."
        sug = payload.get("suggested_agency_id")
        if sug and case is not None and sug == case.get("agency_id"):
            return "دستگاه پیشنهادی نمی‌تواند همان دستگاهی باشد که پرونده را عودت می‌دهد."
    elif action == "extend":
        days = payload.get("days")
        if isinstance(days, bool) or not isinstance(days, int) or days < 1:
            return "تعداد روزهای تمدید باید عددی مثبت باشد."
        if len(_text(payload.get("reason"))) < MIN_REASON:
            return "برای تمدید مهلت باید دلیل آن را بنویسید."
        if sla is not None and case is not None:
            base, maximum = sla
            used = int(case.get("extended_days") or 0)
            allowed = maximum - base - used
            if days > allowed:
                if allowed <= 0:
                    return (
                        f"مهلت پاسخ به حداکثر ({fa(maximum)} روز کاری) رسیده است و تمدید بیشتر ممکن نیست."
                    )
                return (
                    f"تمدید بیش از حداکثر مهلت است: حداکثر {fa(maximum)} روز کاری، "
                    f"حداکثر {fa(allowed)} روز دیگر قابل تمدید است."
                )
    elif action == "close":
        if case is not None and case.get("state") != S.answered and len(_text(payload.get("reason"))) < MIN_REASON:
            return "برای مختومه کردن پرونده‌ای که پاسخ نگرفته باید دلیل آن را بنویسید."
    elif action == "reopen":
        if len(_text(payload.get("reason"))) < MIN_REASON:
            return "برای بازگشایی پرونده باید دلیل آن را بنویسید."
    elif action == "note":
        if len(_text(payload.get("text"))) < 1:
            return "متن یادداشت خالی است."
    elif action == "followup":
        if payload.get("satisfied") not in (None, True, False):
            return "وضعیت رضایت شهروند نامعتبر است."
        if payload.get("note") is not None and not isinstance(payload.get("note"), str):
            return "متن پیگیری نامعتبر است."
    elif action == "escalate":
        if len(_text(payload.get("reason"))) < MIN_REASON:
            return "برای ارجاع به ناظر باید دلیل آن را بنویسید."
        if case is not None and case.get("escalated"):
            return "پرونده پیش‌تر به ناظر ارجاع شده است."
    elif action == "assign":
        if not _text(payload.get("operator_id")):
            return "کارشناس برای واگذاری انتخاب نشده است."
    return None


def target_state(case: dict | None, action: str, payload: dict | None = None) -> CaseState:
    """The state after an allowed action (resolves the payload-dependent cases)."""
    if action == "register" or case is None:
        return S.registered
    state = _state(case)
    if state is None:
        raise KeyError(f"unknown case state {case.get('state')!r}")  # check_transition refuses it first
    new = ALLOWED[(state, action)]
    payload = payload or {}
    if action == "followup" and state is S.answered:
        if payload.get("satisfied") is False:
            return S.in_progress
        if payload.get("satisfied") is True:
            return S.closed
    if action == "reopen" and not case.get("agency_id"):
        return S.registered
    return new


def allowed_actions(case: dict | None, actor: dict) -> list[str]:
    """Actions ``actor`` may start on ``case`` now (for menus; payload not checked)."""
    return [a for a in ACTIONS if check_transition(case, a, actor) is None]


