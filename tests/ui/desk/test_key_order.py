"""Keys that arrive together (issue 19's scramble, issue 12's finding 4): every key posted
to the app at once, before the desk has handled any of them, must fill the form exactly as
the same keys typed one by one. Without a terminal: the app's own queue, as the driver
fills it (the tmux layer does the same with a real terminal: tests/integration/e2e/test_terminal_input.py)."""

from __future__ import annotations

from textual import events
from textual.keys import _character_to_key

from samad_desk.screens.call_screen import CallEntryScreen
from tests.support.desk_ui import desk, settle

NID = "0012345679"


def _keys(*steps: str) -> list[events.Key]:
    """``"=text"`` is typed text, anything else a key name."""
    out: list[events.Key] = []
    for step in steps:
        if step.startswith("="):
            out += [events.Key(_character_to_key(ch), ch) for ch in step[1:]]
        else:
            out.append(events.Key(step, "\r" if step == "enter" else None))
    return out


async def test_keys_posted_together_fill_the_form_as_typed_one_by_one(make_app) -> None:
    app = make_app()
    async with desk(app) as pilot:
        screen = app.screen
        assert isinstance(screen, CallEntryScreen)
        for key in _keys(f"={NID}", "enter", "=علی", "enter", "=رضایی", "enter", "enter", "enter",
                         "=09121234567", "enter", "=قزو", "enter", "=شکا", "enter", "=قطعی آب",
                         "enter", "enter", "enter", "=سه روز است آب محله قطع است"):
            app.post_message(key)  # all queued before the first is handled
        await settle(pilot)
        form = screen.form()
        assert (form.national_id, form.first_name, form.last_name, form.father_name) == (
            NID, "علی", "رضایی", "")
        assert (form.mobile, form.city, form.case_type, form.subject, form.agency) == (
            "09121234567", "قزوین", "complaint", "water.outage", "water-qazvin")
        assert form.description == "سه روز است آب محله قطع است"
        assert app.focused is screen.input("description")
