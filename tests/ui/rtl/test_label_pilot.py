"""RTLStatic re-lays out on resize; terminal mode draws logical text."""

from __future__ import annotations

from textual.app import App, ComposeResult

from samad_desk.text import rtl
from samad_desk.widgets import RTLStatic
from tests.support import rtl_screen as _screen

WORDS = " ".join(["\u0633\u0644\u0627\u0645", "\u062f\u0646\u06cc\u0627"] * 12)


class LabelApp(App[None]):
    def compose(self) -> ComposeResult:
        yield RTLStatic(WORDS, id="p")
        yield RTLStatic(WORDS, truncate=True, id="t")


async def test_static_wraps_and_relayouts_on_resize():
    rtl.set_mode("visual")
    app = LabelApp()
    async with app.run_test(size=(80, 24)) as pilot:
        p = app.query_one("#p", RTLStatic)
        assert p.size.height == len(rtl.layout(WORDS, 80)) == 2
        rows = _screen.screen_rows(app)
        assert rows[:2] == rtl.layout(WORDS, 80)
        assert rows[2] == rtl.truncate(WORDS, 80)
        assert rows[2].startswith("\u2026")
        await pilot.resize_terminal(30, 24)
        await pilot.pause()
        assert p.size.height == len(rtl.layout(WORDS, 30)) == 4
        rows = _screen.screen_rows(app)
        assert rows[:4] == rtl.layout(WORDS, 30)
        p.update("\u0627\u0644\u0641")
        await pilot.pause()
        assert p.size.height == 1
        assert _screen.screen_rows(app)[0] == " " * 27 + "\ufed2\ufedf\ufe8d"


async def test_terminal_mode_draws_logical_text():
    rtl.set_mode("terminal")
    try:
        app = LabelApp()
        async with app.run_test(size=(40, 10)):
            rows = _screen.screen_rows(app)
            # logical, unshaped, right-aligned; wrapped by the unshaped width
            assert rows[0] == " " + " ".join(WORDS.split()[:8])
            assert all(len(row) == 40 for row in rows)
    finally:
        rtl.set_mode("visual")


async def test_persian_toast_is_laid_out():
    from samad_desk.widgets import notify_rtl

    rtl.set_mode("visual")
    app = LabelApp()
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        notify_rtl(app, WORDS, title="\u0647\u0634\u062f\u0627\u0631")  # هشدار
        await pilot.pause()
        text = "\n".join(_screen.screen_rows(app))
        for row in rtl.layout(WORDS, 36):
            assert row.strip() in text
        assert "\ufead\ufe8d\ufeaa\ufeb8\ufeeb" in text
