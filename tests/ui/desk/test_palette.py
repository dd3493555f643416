"""Cosmetic finding of issue 12: the command palette listed Textual's English commands
first, left-aligned, under an English placeholder."""

from __future__ import annotations

import time

from tests.support.desk_ui import desk, press


async def test_palette_lists_persian_commands_right_aligned(make_app) -> None:
    from textual.command import CommandInput, CommandList, CommandPalette

    from samad_desk.commands import DESK_COMMANDS

    app = make_app()
    async with desk(app) as pilot:
        await press(pilot, "f12")
        assert isinstance(app.screen, CommandPalette)
        hits = app.screen.query_one(CommandList)
        deadline = time.monotonic() + 10
        while hits.option_count < len(DESK_COMMANDS):
            assert time.monotonic() < deadline, hits.option_count
            await pilot.pause(0.05)
        prompts = [str(hits.get_option_at_index(i).prompt) for i in range(hits.option_count)]
        assert hits.option_count == len(DESK_COMMANDS)
        for english in ("Keys", "Quit", "Theme", "Screenshot", "Maximize"):
            assert not any(english in p for p in prompts), english
        assert hits.styles.text_align == "right"
        placeholder = app.screen.query_one(CommandInput).placeholder
        assert "Search" not in placeholder and any("\ufb50" <= ch <= "\ufeff" for ch in placeholder)
