"""Finding 17 of issue 12 (first half): the call timer ran on across F6/F7. Back on the
call form with nothing typed, the timer starts again; a call being typed keeps its time.
(The clock is not waited on: the timer's start is moved back, as if minutes had passed.)"""

from __future__ import annotations

from samad_desk.screens.call_screen import CallEntryScreen
from tests.support.desk_ui import desk, press, type_text


def timer_text(screen: CallEntryScreen) -> str:
    return screen.query_one("#call-timer").text


async def test_timer_restarts_after_other_areas_only_when_no_call_is_typed(make_app) -> None:
    app = make_app()
    async with desk(app) as pilot:
        screen = app.screen
        assert isinstance(screen, CallEntryScreen)
        screen.started_at -= 7 * 60  # seven minutes on the form, nothing typed
        for key in ("f7", "f5", "f6", "f5"):
            await press(pilot, key)
        assert app.screen is screen
        assert "۰۰:۰" in timer_text(screen)
        await type_text(pilot, "00123")  # a call is being taken: F7 does not end it
        screen.started_at -= 3 * 60
        await press(pilot, "f7")
        await press(pilot, "f5")
        assert "۰۳:" in timer_text(screen)


async def test_birth_date_placeholder_does_not_look_like_a_value(make_app) -> None:
    """Cosmetic: the placeholder «۱۳۶۵/۰۴/۱۲» looked like a date already typed."""
    import re

    app = make_app()
    async with desk(app):
        placeholder = app.screen.input("birth_date").placeholder
        assert "۱۳۶۵/۰۴/۱۲" in placeholder and not re.fullmatch(r"[\d۰-۹/]+", placeholder)


async def test_call_screen_at_60x20_uses_the_whole_width(make_app) -> None:
    """Seen in the 60×20 screenshots: the hidden tracking panel (21 rows) made the whole
    screen scroll, and its scrollbar took the two rightmost columns of every row."""
    from tests.support.desk_ui import screen_text

    app = make_app()
    async with desk(app, size=(60, 20)):
        assert not app.screen.show_vertical_scrollbar
        header = screen_text(app).split("\n")[0]
        assert header[-1] != " "
