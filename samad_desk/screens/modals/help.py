"""F1: every key of the desk, built from the binding tables with the keymap applied.

Built from the same ``BINDINGS`` the screens use, so it cannot drift from them; a test
checks that every binding id appears here.
"""

from __future__ import annotations

import importlib
from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding

from samad_desk.keys import keys
from samad_desk.screens.modals.dialog import Dialog
from samad_desk.widgets import RTLStatic
from samad_desk.widgets.chrome import key_label

#: (area title, module, class name) — every place that declares bindings
BINDING_SOURCES: list[tuple[str, str, str]] = [
    ("همه‌جا", "samad_desk.app", "SamadDeskApp"),
    ("ثبت تماس", "samad_desk.screens.call_screen", "CallEntryScreen"),
    ("جستجوی شهروند", "samad_desk.screens.lookup_screen", "LookupScreen"),
    ("پیگیری پرونده", "samad_desk.screens.followup_screen", "FollowupScreen"),
    ("پروفایل شهروند", "samad_desk.screens.profile_screen", "ProfileScreen"),
    ("ویرایش مشخصات تماس", "samad_desk.screens.modals", "ContactEditModal"),
    ("تاریخچهٔ مشخصات", "samad_desk.screens.details_history_screen", "DetailsHistoryScreen"),
    ("نیازمند توجه", "samad_desk.screens.attention_screen", "AttentionScreen"),
    ("کارتابل", "samad_desk.screens.cartable_screen", "CartableScreen"),
    ("جدول پرونده‌ها", "samad_desk.widgets.cases", "CaseTable"),
    ("پرونده", "samad_desk.screens.case_screen", "CaseScreen"),
    ("فرم اقدام روی پرونده", "samad_desk.screens.modals", "ActionForm"),
    ("نظارت", "samad_desk.screens.supervisor_screen", "SupervisorScreen"),
    ("گزارش‌ساز", "samad_desk.screens.report_screen", "ReportScreen"),
    ("کارنامه مدیران", "samad_desk.screens.scorecard_screen", "ScorecardScreen"),
    ("تکراری‌های احتمالی", "samad_desk.screens.duplicates_screen", "DuplicatesScreen"),
    ("ادغام پروفایل‌ها", "samad_desk.screens.merge_screen", "MergeScreen"),
    ("انتخاب پروفایل‌ها برای ادغام", "samad_desk.screens.modals", "MergePickModal"),
    ("سابقه ادغام", "samad_desk.screens.merge_history_screen", "MergeHistoryScreen"),
    ("پیشنهاد پیگیری", "samad_desk.screens.modals", "FollowupOfferModal"),
    ("پیش‌نویس", "samad_desk.screens.modals", "DraftModal"),
    ("پرسش", "samad_desk.screens.modals", "ConfirmModal"),
    ("تغییر هویت یا شهروند همانند", "samad_desk.screens.modals", "CitizenDecisionModal"),
    ("فهرست انتخاب", "samad_desk.widgets.form", "ChoiceField"),
    ("فهرست نامزدها", "samad_desk.widgets.form", "CandidateList"),
    ("ورود", "samad_desk.screens.login_screen", "LoginScreen"),
    ("راهنما", "samad_desk.screens.modals", "HelpModal"),
]


def _bindings_of(cls: Any) -> list[Binding]:
    out: list[Binding] = []
    for item in getattr(cls, "BINDINGS", []):
        if isinstance(item, Binding):
            out.append(item)
        elif isinstance(item, tuple):
            out.append(Binding(*item))
    return out


def help_rows(keymap: dict[str, str] | None = None) -> list[tuple[str, list[tuple[str, str, str]]]]:
    """[(area, [(keys, description, id)])] for every binding with an id or a description
    (a binding without an id, e.g. the case table's arrows, has ``""`` as its id)."""
    keymap = keymap or {}
    areas = []
    for title, module, name in BINDING_SOURCES:
        cls = getattr(importlib.import_module(module), name)  # a failed import is a bug: raise
        rows = []
        for b in _bindings_of(cls):
            if b.system or not (b.id or b.description):
                continue
            keys = keymap.get(b.id, b.key) if b.id else b.key
            shown = " / ".join(key_label(k.strip()) for k in keys.split(","))
            rows.append((shown, b.description, b.id or ""))
        if rows:
            areas.append((title, rows))
    return areas


class HelpModal(Dialog[None]):
    BINDINGS = keys("help")

    DEFAULT_CSS = """
    HelpModal > .dialog-box { height: 22; }
    """

    def compose(self) -> ComposeResult:
        keymap = dict(getattr(getattr(self.app, "settings", None), "keymap", {}) or {})
        with self.box(scroll=True, id="help-body"):
            yield RTLStatic("راهنمای کلیدها (Esc: بستن)", classes="help-title")
            for area, rows in help_rows(keymap):
                yield RTLStatic(f"— {area} —", classes="help-area")
                for keys, desc, binding_id in rows:
                    suffix = f"   [{binding_id}]" if binding_id else ""
                    yield RTLStatic(f"{keys}   {desc}{suffix}", classes="help-row")

    def on_mount(self) -> None:
        self.query_one("#help-body").focus()

    async def action_dismiss(self, result: None = None) -> None:
        self.dismiss(result)
