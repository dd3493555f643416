"""Citizen profile (پروفایل شهروندی): contact details with their history, every case.

Each contact detail shows since when it holds and the value it replaced; F2 edits them
(:class:`ContactEditModal`), F4 lists every change of every detail
(:class:`DetailsHistoryScreen`), F3 the merges. The history is read from the store's
citizen events (:mod:`samad_desk.services.citizen_details`)."""

from __future__ import annotations

from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import OptionList

from samad_desk.domain.models import CONTACT_FIELDS, CaseState
from samad_desk.messages import OpenCase
from samad_desk.screens.base import DeskScreen
from samad_desk.screens.details_history_screen import DetailsHistoryScreen
from samad_desk.screens.modals import ContactEditModal
from samad_desk.services import subject_text, tracking_label
from samad_desk.services.citizen_details import (
    FIELD_LABELS,
    HEARD,
    SET,
    DetailChange,
    display_value,
    jalali_day,
    previous_values,
)
from samad_desk.text.digits import fa
from samad_desk.widgets import RTLStatic
from samad_desk.widgets.rtl_options import RtlOptionList


def _state(value: Any) -> str:
    try:
        return CaseState(str(value)).label
    except ValueError:
        return str(value)


class ProfileScreen(DeskScreen, area="profile"):
    DEFAULT_CSS = """
    #profile-cases { height: 1fr; }
    #profile-details { height: auto; }
    """

    def __init__(self, services: Any, citizen_id: str) -> None:
        super().__init__(services)
        self.citizen_id = citizen_id
        self.cases: list[dict[str, Any]] = []
        self.citizen: dict[str, Any] = {}
        self.details = services.contact_details()
        self.history: list[DetailChange] = []

    def detail_lines(self, citizen: dict[str, Any]) -> list[str]:
        """Who, then each contact detail with the value it replaced and since when."""
        nid = citizen.get("national_id")
        lines = [
            f"{citizen.get('first_name', '')} {citizen.get('last_name', '')}"
            + (f"، فرزند {citizen['father_name']}" if citizen.get("father_name") else "")
            # no-break spaces: a long name wraps the birth date whole to the next row, never
            # «تاریخ تولد:» at a row's end and the date alone under it
            + (f"   تاریخ\u00a0تولد:\u00a0{jalali_day(citizen['birth_date'])}" if citizen.get("birth_date") else ""),
            f"کد ملی: {fa(nid)}" if nid else "بدون کد ملی (نشان‌دار)",
        ]
        for key in CONTACT_FIELDS:
            value = citizen.get(key)
            line = f"{FIELD_LABELS[key]}: {display_value(key, value)}"
            since = next((c.at for c in self.history if c.field == key and c.kind == SET), None)
            if since and value not in (None, ""):
                line += f" (از {jalali_day(since)})"
            older = previous_values(self.history, key, value)
            if older:
                old, until = older[0]
                line += f"؛ پیش‌تر {display_value(key, old)} تا {jalali_day(until)}"
                if len(older) > 1:
                    line += f" و {fa(len(older) - 1)} مقدار دیگر"
            lines.append(line)
        heard = [c for c in self.history if c.kind == HEARD and c.field in CONTACT_FIELDS]
        if heard:
            lines.append(f"{fa(len(heard))} مقدارِ گفته‌شده ثبت نشد و نیازمند بررسی است — F4")
        return lines

    def compose_body(self) -> ComposeResult:
        with Vertical(id="profile-details"):
            yield RTLStatic("", id="profile-text")
        yield RTLStatic("", id="profile-cases-title", classes="help-area")
        yield RtlOptionList(id="profile-cases")

    async def on_mount(self) -> None:
        # awaited: the keys typed right after F11 wait for the profile (key_order.py)
        await self.read_then_show(self._read, self._show, group="profile-read")
        self.query_one("#profile-cases").focus()

    def refresh_data(self) -> None:
        self.read_later(self._read, self._show, group="profile-read")

    def _read(self) -> tuple[dict[str, Any], list[DetailChange], list[dict[str, Any]], list[str]]:
        """Worker thread: the citizen, the history of their details, their cases (with
        those of profiles merged into this one, issue 6.3) and each case's row."""
        citizen = self.services.citizen(self.citizen_id) or {}
        history = self.details.history(self.citizen_id)
        cases = self.services.person_cases(self.citizen_id)
        rows = [
            f"{tracking_label(str(case.get('tracking_code', '')))} — {_state(case.get('state'))}"
            f" — {subject_text(self.services, case)} — {jalali_day(case.get('registered_at'))}"
            for case in cases
        ]
        return citizen, history, cases, rows

    def _show(self, read: tuple[dict[str, Any], list[DetailChange], list[dict[str, Any]], list[str]]) -> None:
        citizen, self.history, cases, rows = read
        self.citizen, self.cases = citizen, cases
        self.query_one("#profile-text", RTLStatic).update("\n".join(self.detail_lines(citizen)))
        self.query_one("#profile-cases-title", RTLStatic).update(
            f"پرونده‌ها ({fa(len(self.cases))}) — Enter: پیگیری"
        )
        # laid out for the list's width, again when it gets its size or is resized
        self.query_one("#profile-cases", RtlOptionList).set_rows(
            [(row, str(case["id"])) for row, case in zip(rows, cases, strict=True)]
        )

    @property
    def text(self) -> str:
        return self.query_one("#profile-text").text

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

    def action_edit_contact(self) -> None:
        refusal = self.details.refusal()
        if refusal:
            self.notify(refusal, title="مشخصات تماس", severity="warning", markup=False)
            return
        if not self.citizen:
            return
        self.app.push_screen(ContactEditModal(self.details, dict(self.citizen)), self._edited)

    def _edited(self, saved: dict[str, Any] | None) -> None:
        self.refresh_data()
        if saved is not None:
            self.notify("مشخصات تماس ثبت شد؛ مقدار پیشین در تاریخچه می‌ماند.", title="مشخصات تماس", markup=False)

    def action_details_history(self) -> None:
        self.app.push_screen(DetailsHistoryScreen(self.details, self.citizen_id))

    def action_close(self) -> None:
        self.dismiss()
