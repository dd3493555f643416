"""The desk's key table (samad_desk/keys.py): one row a binding, one area a screen."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest

from samad_desk.keys import KEY_TABLE, areas, keys, parse

ROOT = Path(__file__).resolve().parents[2] / "samad_desk"


def test_every_binding_id_is_unique_across_the_desk() -> None:
    """A keymap names a binding by its id: one id, one binding (widgets' own keys too)."""
    import importlib

    from samad_desk.screens.modals.help import BINDING_SOURCES, _bindings_of

    ids = Counter()
    for _title, module, name in BINDING_SOURCES:
        for binding in _bindings_of(getattr(importlib.import_module(module), name)):
            if binding.id:
                ids[binding.id] += 1
    assert ids and not [i for i, n in ids.items() if n > 1]


def test_every_area_is_taken_by_one_class_and_every_use_exists() -> None:
    used = Counter()
    for path in (p for p in ROOT.rglob("*.py") if p.name not in ("keys.py", "base.py")):
        used.update(re.findall(r'(?:BINDINGS = keys\(|area=)"([\w-]+)"', path.read_text(encoding="utf-8")))
    assert set(used) == set(areas())
    assert max(used.values()) == 1


def test_a_row_says_its_flags_and_its_label_with_spaces() -> None:
    table = parse("""
    [x]
    enter,escape  next_call  tracking-close  hidden,priority  تماس بعدی
    ctrl+c        help_quit  -               hidden,system
    f2            save       case-save       -                ذخیره
    """)
    close, quit_, save = table["x"]
    assert (close.key, close.action, close.id, close.description) == (
        "enter,escape", "next_call", "tracking-close", "تماس بعدی")
    assert not close.show and close.priority and not close.system
    assert quit_.id is None and quit_.description == "" and quit_.system and not quit_.show
    assert save.show and not save.priority and save.description == "ذخیره"


@pytest.mark.parametrize("row", ["f2 save", "f2 save case-save shown ذخیره"])
def test_a_broken_row_is_refused(row: str) -> None:
    with pytest.raises(ValueError):
        parse(f"[x]\n{row}\n")


def test_keys_gives_a_fresh_list() -> None:
    first = keys("call")
    first.clear()
    assert keys("call") and "[call]" in KEY_TABLE


def test_a_desk_screen_takes_its_title_and_keys_from_its_area() -> None:
    from samad_desk.app import MODE_TITLES
    from samad_desk.screens.call_screen import CallEntryScreen
    from samad_desk.screens.details_history_screen import DetailsHistoryScreen

    assert CallEntryScreen.TITLE_FA == MODE_TITLES["call"] == "ثبت تماس"
    assert [b.id for b in CallEntryScreen.BINDINGS][:2] == ["case-save", "call-new"]
    # what Textual acts on: the bindings it merged when the class was made
    assert "f2" in CallEntryScreen._merged_bindings.key_to_bindings
    assert DetailsHistoryScreen.TITLE_FA == "تاریخچهٔ مشخصات شهروند"
    assert all(MODE_TITLES.values())


def test_the_report_and_scorecard_screens_take_their_keys_from_the_table() -> None:
    """Their bindings were written inline until issue 16's review; the table's rows are
    the same Binding objects as those lists (so the F1 help and the key bar did not change)."""
    from textual.binding import Binding

    from samad_desk.screens.report_screen import ReportScreen
    from samad_desk.screens.scorecard_screen import ScorecardScreen

    old_report = [
        Binding("f2", "dimension(1)", "سطرها", id="report-dimension"),
        Binding("shift+f2", "dimension(-1)", "بُعد قبلی", show=False, id="report-dimension-back"),
        Binding("f3", "measures", "سنجه‌ها", id="report-measures"),
        Binding("f4", "period", "دوره", id="report-period"),
        Binding("f11", "compare", "مقایسه", id="report-compare"),
        Binding("shift+f4", "ask('period')", "دوره دلخواه", id="report-period-typed"),
        Binding("shift+f6", "columns", "ستون‌ها", id="report-columns"),
        Binding("shift+f7", "filter", "پالایه به این سطر", id="report-filter"),
        Binding("shift+f8", "clear_filters", "بی‌پالایه", id="report-filter-clear"),
        Binding("shift+f3", "view", "جدول/نمودار", id="report-view"),
        Binding("shift+f11", "save", "ذخیره/اشتراک", id="report-save"),
        Binding("shift+f12", "saved", "گزارش‌های ذخیره", id="report-saved"),
        Binding("ctrl+f", "ask('filter')", "پالایه با مقدار", id="report-filter-typed"),
        Binding("ctrl+e", "ask('export')", "خروجی پرونده", id="report-export"),
        Binding("shift+f1", "key_page", "کلیدهای دیگر", id="report-key-page"),
        Binding("up", "ask_next(-1)", "پرسش قبلی", show=False, id="report-ask-prev"),
        Binding("down", "ask_next(1)", "پرسش بعدی", show=False, id="report-ask-next"),
        Binding("escape", "back", "بازگشت", id="report-back"),
    ]
    old_scorecard = [
        Binding("f4", "month(1)", "ماه قبل", id="scorecard-previous"),
        Binding("shift+f4", "month(-1)", "ماه بعد", id="scorecard-next"),
        Binding("escape", "back", "بازگشت", id="scorecard-back"),
    ]
    assert keys("report") == old_report and keys("scorecard") == old_scorecard
    assert ReportScreen.BINDINGS == old_report and ScorecardScreen.BINDINGS == old_scorecard
    assert (ReportScreen.TITLE_FA, ScorecardScreen.TITLE_FA) == ("گزارش‌ساز", "کارنامه مدیران")
    assert "ctrl+e" in ReportScreen._merged_bindings.key_to_bindings
