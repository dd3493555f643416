"""The status bar counts a save at once (issue 15, screens part 3).

Right after F2 the status bar used to say «در صف: ۰» until its next poll (up to a second
later), so an operator could believe the call already sent. The polls are stopped here, so
only the save itself can change the count; a poll that read the journal before the save
and answers after it must not take the count back.
"""

from __future__ import annotations

from samad_desk.screens.call_screen import CallEntryScreen
from samad_desk.widgets.chrome import StatusBar
from tests.support.desk_ui import desk, fill_case, fill_citizen, press


def status_line(app) -> str:
    return app.screen.query_one(StatusBar).text


async def test_a_save_is_counted_into_the_status_bar_before_any_poll(make_app, store) -> None:
    app = make_app()
    async with desk(app) as pilot:
        assert isinstance(app.screen, CallEntryScreen)
        assert "در صف: ۰" in status_line(app)
        app._poll_status = lambda: None  # no poll from here on: only the save may count
        await fill_citizen(pilot)
        await fill_case(pilot)
        await press(pilot, "f2")
        assert app.screen.tracking.shown
        queued = len(store.pending_ops(limit=1000))
        assert queued == 3  # the citizen, the case, the call
        assert "در صف: ۳" in status_line(app)

        # a poll that read the journal before the save answers only now: still three
        app._apply_stats({"pending": 0}, app._saves_counted - 1)
        assert "در صف: ۳" in status_line(app)
        # a poll that read it after the save is believed (here: the server took them)
        app._apply_stats({"pending": 0}, app._saves_counted)
        assert "در صف: ۰" in status_line(app)
