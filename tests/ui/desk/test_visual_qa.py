"""Findings of the visual QA in real terminals (docs/rtl.md §9), pinned at 80×24.

Colours are read from the rendered cells (after Textual's NO_COLOR filter), so these
tests see what the terminal would be sent.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from samad_desk.text import rtl
from tests.support.desk_ui import desk, settle

SAMAD_THEMES = ("samad-dark", "samad-light", "samad-high-contrast")


def _luminance(color) -> float:
    def channel(v: int) -> float:
        v2 = v / 255
        return v2 / 12.92 if v2 <= 0.03928 else ((v2 + 0.055) / 1.055) ** 2.4

    r, g, b = color.get_truecolor()
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def contrast(fg, bg) -> float:
    """WCAG contrast ratio of two rich colours (1 … 21)."""
    lo, hi = sorted((_luminance(fg), _luminance(bg)))
    return (hi + 0.05) / (lo + 0.05)


def _row_cells(app, y: int):
    strip = app.screen._compositor.render_strips()[y]
    for seg in strip:
        for ch in seg.text:
            yield ch, seg.style


# -- 1. the header is readable in every theme, with and without colour


@pytest.mark.parametrize("no_color", [False, True], ids=["colour", "NO_COLOR"])
@pytest.mark.parametrize("theme", SAMAD_THEMES)
async def test_header_text_contrasts_with_its_background(
    settings, store, monkeypatch, theme, no_color
) -> None:
    from samad_desk.app import SamadDeskApp

    if no_color:
        monkeypatch.setenv("NO_COLOR", "1")
    app = SamadDeskApp(replace(settings, theme=theme), store=store, seed_demo=False)
    async with desk(app):
        assert app.theme == theme and app.no_color is no_color
        letters = [(ch, style) for ch, style in _row_cells(app, 0) if not ch.isspace()]
        assert letters, "header row is empty"
        for ch, style in letters:
            # bold text: WCAG's 3:1 for large/bold text (white on yellow was 1.07:1)
            assert contrast(style.color, style.bgcolor) >= 3.0, (theme, ch, style)


async def test_header_in_ansi_dark_uses_distinct_terminal_colours(settings, store) -> None:
    from samad_desk.app import SamadDeskApp

    app = SamadDeskApp(replace(settings, theme="ansi-dark"), store=store, seed_demo=False)
    async with desk(app):
        assert app.theme == "ansi-dark"
        styles = {style for ch, style in _row_cells(app, 0) if not ch.isspace()}
        assert styles
        for style in styles:
            assert style.color != style.bgcolor, style


# -- 2. the header's separator points left (the reading direction) once laid out


def test_header_separator_points_left_after_layout() -> None:
    from samad_desk.widgets.chrome import HEADER_SEPARATOR

    visual = rtl.layout_line(f"سامد ۱۱۱{HEADER_SEPARATOR}ثبت تماس").visual
    assert "‹" in visual and "›" not in visual


async def test_header_on_screen_shows_left_pointing_separators(make_app) -> None:
    app = make_app()
    async with desk(app):
        row = "".join(ch for ch, _style in _row_cells(app, 0))
        assert row.count("‹") >= 2, row
        assert "›" not in row, row


# -- 8. in 16 colours an empty, unfocused field still shows where it is


@pytest.mark.parametrize("theme", SAMAD_THEMES)
async def test_empty_fields_visible_in_16_colours(settings, store, monkeypatch, theme) -> None:
    import textual.constants
    from rich.color import ColorSystem

    from samad_desk.app import SamadDeskApp

    # what TERM=xterm or TEXTUAL_COLOR_SYSTEM=standard give: read when the app is built
    monkeypatch.setattr(textual.constants, "COLOR_SYSTEM", "standard")
    app = SamadDeskApp(replace(settings, theme=theme), store=store, seed_demo=False)
    async with desk(app):
        assert app.console.color_system == "standard"

        def standard(color):
            """The ANSI colour number the terminal gets (None: its default colour)."""
            if color is None or color.is_default:
                return None
            return color.downgrade(ColorSystem.STANDARD).number

        screen = app.screen
        checked = 0
        for name in ("first_name", "last_name", "father_name", "city"):
            field = screen.input(name)
            assert not field.has_focus and not field.value
            region = field.content_region
            row = list(_row_cells(app, region.y))
            cells = row[region.x : region.right]
            assert len(cells) > 10
            screen_bg = standard(row[0][1].bgcolor)  # the far left: the screen's background
            for _ch, style in cells:
                visible = bool(style.underline) or standard(style.bgcolor) != screen_bg
                assert visible, (theme, name, style)
            checked += 1
        assert checked == 4


# -- 3. every form label fits its column (the follow-up query label once showed with …)


@pytest.mark.parametrize("mode", ["call", "lookup", "followup"])
async def test_form_labels_fit_their_column(make_app, mode) -> None:
    app = make_app()
    async with desk(app) as pilot:
        await app.switch_mode(mode)
        await settle(pilot)
        labels = [w for w in app.screen.query(".field-label") if w.region.height]
        assert labels
        lines = app.screen._compositor.render_strips()
        for label in labels:
            region = label.region
            text = label.text
            assert rtl.text_cells(text) <= region.width, (text, region.width)
            shown = "".join(seg.text for seg in lines[region.y])
            assert "…" not in shown[region.x : region.right], text
