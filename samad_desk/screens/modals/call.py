"""The call desk's dialogs: a follow-up offer, a draft to take up again, a yes/no
question, and the decision before a call changes or duplicates a registered citizen.
Each answers with ``dismiss(value)``; every choice has a function key or Enter/Esc."""

from __future__ import annotations

from typing import Any

from samad_desk.keys import keys
from samad_desk.screens.modals.dialog import Dialog
from samad_desk.services import Confirmation, tracking_label
from samad_desk.text.digits import fa


class FollowupOfferModal(Dialog[Any]):
    """The caller already has an open case on this matter: follow-up, or a new case anyway."""

    BINDINGS = keys("followup-offer")

    def __init__(self, cases: list[dict[str, Any]], subject_label: str) -> None:
        super().__init__()
        self.cases = cases
        self.subject_label = subject_label

    def text_lines(self) -> list[str]:
        code = tracking_label(str(self.cases[0].get("tracking_code", "")))
        return [
            f"این شهروند پرونده بازی درباره «{self.subject_label}» دارد (کد رهگیری {code}).",
            "تماس را پیگیری همان پرونده ثبت کنیم؟",
            "F2 یا Enter: ثبت پیگیری   F3: پرونده تازه   Esc: بازگشت به فرم",
        ]


class DraftModal(Dialog[Any]):
    """A call that was being typed when the desk stopped: take it up again?"""

    BINDINGS = keys("draft")

    def __init__(self, summary: str) -> None:
        super().__init__()
        self.summary = summary

    def text_lines(self) -> list[str]:
        return ["تماسی نیمه‌تمام از پیش مانده است:", self.summary, "Enter: ادامه همان تماس   Esc: کنار گذاشتن"]


class ConfirmModal(Dialog[Any]):
    BINDINGS = keys("confirm")

    def __init__(self, question: str) -> None:
        super().__init__()
        self.question = question

    def text_lines(self) -> list[str]:
        return [self.question, "Enter: بله   Esc: نه"]


class CitizenDecisionModal(Dialog[Any]):
    """Before a call changes who a registered citizen is, or registers a look-alike.

    ``identity``: every changed field as «old ← new»; F2 saves the call with the change as
    an edit of that citizen. ``distinct``: the registered look-alike (same name, birth date
    and mobile, another ID); F2 says the caller is another person and a new profile is
    made. Esc goes back to the form; Enter does nothing here, so a reflex Enter from the
    form never decides for the agent."""

    BINDINGS = keys("citizen-decision")

    def __init__(self, confirmation: Confirmation) -> None:
        super().__init__()
        self.confirmation = confirmation

    def text_lines(self) -> list[str]:
        c = self.confirmation
        nid = c.citizen.get("national_id")
        ident = f"کد ملی {fa(nid)}" if nid else "بدون کد ملی"
        if c.kind == "identity":
            return [
                f"این تماس مشخصات هویتی شهروند ثبت‌شده «{c.citizen_name}» ({ident}) را تغییر می‌دهد:",
                *(f"  {label}: {old} ← {new}" for label, old, new in c.changes),
                "F2: ثبت تماس با این ویرایش   Esc: بازگشت به فرم (F4: شهروند دیگر)",
            ]
        return [
            f"«{c.citizen_name}» ({ident}) با همین نام، تاریخ تولد و شماره همراه ثبت است.",
            "آیا تماس‌گیرنده شخص دیگری است؟",
            "F2: شخص دیگری است، پروفایل تازه   Esc: بازگشت و انتخاب همان شهروند",
        ]

