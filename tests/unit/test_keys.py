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
