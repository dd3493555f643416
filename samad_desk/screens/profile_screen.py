"""Citizen profile (پروفایل شهروندی): contact details and every case of one citizen."""

from __future__ import annotations

from datetime import date
from typing import Any, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import OptionList

from samad_desk.domain.models import CaseState
from samad_desk.messages import OpenCase
from samad_desk.screens.chrome import BottomBars, DeskHeader
from samad_desk.screens.rtl_compat import RText, label_text
from samad_desk.screens.rtl_options import RtlOptionList
from samad_desk.services import subject_text, tracking_label
from samad_desk.text.digits import fa
from samad_desk.text.jalali import format_jalali


def _jalali(iso: Any) -> str:
    if not iso:
        return ""
    try:
        return format_jalali(date.fromisoformat(str(iso)[:10]))
    except ValueError:
        return str(iso)


def _state(value: Any) -> str:
    try:
        return CaseState(str(value)).label
    except ValueError:
        return str(value)


class ProfileScreen(Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "بازگشت", id="profile-close"),
        Binding("enter", "open_case", "پیگیری این پرونده", show=False, id="profile-open-case"),
        Binding("f3", "merge_history", "سابقه ادغام", id="profile-merge-history"),
    ]

    DEFAULT_CSS = """
    #profile-cases { height: 1fr; }
    #profile-details { height: auto; }
    """

    def __init__(self, services: Any, citizen_id: str) -> None:
        super().__init__()
        self.services = services
        self.citizen_id = citizen_id
        self.cases: list[dict[str, Any]] = []

    def compose(self) -> ComposeResult:
        yield DeskHeader("پروفایل شهروند")
        yield BottomBars()
        with Vertical(id="profile-details"):
            yield RText("", id="profile-text")
        yield RText("", id="profile-cases-title", classes="help-area")
        yield RtlOptionList(id="profile-cases")

    def on_mount(self) -> None:
        self.refresh_data()
        self.query_one("#profile-cases").focus()

    def refresh_data(self) -> None:
        citizen = self.services.citizen(self.citizen_id) or {}
        nid = citizen.get("national_id")
        lines = [
            f"{citizen.get('first_name', '')} {citizen.get('last_name', '')}"
            + (f"، فرزند {citizen['father_name']}" if citizen.get("father_name") else ""),
            f"کد ملی: {fa(nid)}" if nid else "بدون کد ملی (نشان‌دار)",
            f"شماره همراه: {fa(citizen.get('mobile') or '—')}"
            f"   شهر: {citizen.get('city') or '—'}",
        ]
        if citizen.get("birth_date"):
            lines.append(f"تاریخ تولد: {_jalali(citizen['birth_date'])}")
        history = citizen.get("contact_history") or citizen.get("history") or []
        for item in history[-3:]:
            if isinstance(item, dict):
                lines.append(
                    f"پیش‌تر: {fa(str(item.get('mobile') or item.get('value') or ''))}"
                    f" ({_jalali(item.get('until') or item.get('at'))})"
                )
        self.query_one("#profile-text", RText).update("\n".join(lines))
        from samad_desk.merge_service import cases_with_merged

        # with the cases of profiles merged into this one (issue 6.3)
        self.cases = cases_with_merged(self.services, self.citizen_id)
        self.query_one("#profile-cases-title", RText).update(
            f"پرونده‌ها ({fa(len(self.cases))}) — Enter: پیگیری"
        )
        rows = []
        for case in self.cases:
            code = tracking_label(str(case.get("tracking_code", "")))
            line = (
                f"{code} — {_state(case.get('state'))} — {subject_text(self.services, case)}"
                f" — {_jalali(case.get('registered_at'))}"
            )
            rows.append((line, str(case["id"])))
        # laid out for the list's width, again when it gets its size or is resized
        self.query_one("#profile-cases", RtlOptionList).set_rows(rows)

    @property
    def text(self) -> str:
        return label_text(self.query_one("#profile-text"))

    @on(OptionList.OptionSelected, "#profile-cases")
    def _selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if event.option.id:
            self.dismiss()
            self.app.post_message(OpenCase(event.option.id))

    def action_open_case(self) -> None:
        options = self.query_one("#profile-cases", OptionList)
        if options.highlighted is not None and self.cases:
            case_id = str(self.cases[options.highlighted]["id"])
            self.dismiss()
            self.app.post_message(OpenCase(case_id))

    def action_merge_history(self) -> None:
        """Merges this profile took part in; F8 there undoes one (issue 6.3)."""
        from samad_desk.screens.merge_history_screen import MergeHistoryScreen

        self.app.push_screen(MergeHistoryScreen(self.services, self.citizen_id), lambda _r: self.refresh_data())

    def action_close(self) -> None:
        self.dismiss()
