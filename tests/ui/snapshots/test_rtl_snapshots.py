"""Snapshots of the RTL widgets: a form, a table and a long paragraph in each theme.

Browsers re-apply bidi to the SVG's Persian text, so a correct snapshot *looks* reversed in
the HTML report: review the diff as text (design/rtl.md §7).
"""

from __future__ import annotations

import pytest

from samad_desk.text import rtl
from samad_desk.widgets.demo import RTLDemoApp

THEMES = ["samad-dark", "samad-light", "samad-high-contrast"]


@pytest.fixture(autouse=True)
def _visual():
    rtl.set_mode("visual")


async def _fill_form(pilot) -> None:
    for ch in "\u0639\u0644\u06cc Ali":  # علی Ali
        await pilot.press("space" if ch == " " else ch)
    await pilot.press("tab")
    for ch in "\u06f0\u06f0\u06f1\u06f2\u06f3\u06f4\u06f5\u06f6\u06f7\u06f8":
        await pilot.press(ch)
    await pilot.press("f2")  # validation: a Persian message under the national ID
    await pilot.pause()


@pytest.mark.parametrize("theme", THEMES)
def test_form(snap_compare, theme):
    assert snap_compare(
        RTLDemoApp("form", theme=theme), terminal_size=(80, 24), run_before=_fill_form
    )


@pytest.mark.parametrize("theme", THEMES)
def test_table(snap_compare, theme):
    assert snap_compare(RTLDemoApp("table", theme=theme), terminal_size=(80, 24))


@pytest.mark.parametrize("theme", THEMES)
def test_paragraph(snap_compare, theme):
    assert snap_compare(RTLDemoApp("text", theme=theme), terminal_size=(80, 24))


def test_form_ansi_dark(snap_compare):
    # 16-colour terminals keep Textual's ansi-dark theme usable
    assert snap_compare(
        RTLDemoApp("form", theme="ansi-dark"), terminal_size=(80, 24), run_before=_fill_form
    )
