"""Cosmetic finding of issue 12: the candidate panel stayed 27 columns at 120 columns and
cut every reason. It now takes a share of the width and wraps what does not fit."""

from __future__ import annotations

import pytest
from desk_ui_helpers import settle, type_text
from test_call_entry import MISTYPED, _existing

from samad_desk.screens.candidates import CandidateList, candidate_lines


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
async def test_candidate_reasons_are_shown_whole(make_app, services, size) -> None:
    await _existing(services)
    app = make_app()
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        await type_text(pilot, MISTYPED)
        await settle(pilot)
        panel = app.screen.query_one(CandidateList)
        assert len(panel.candidates) == 1
        if size[0] == 120:
            assert panel.region.width >= 40
        shown = str(panel.get_option_at_index(0).prompt)
        assert "…" not in shown
        rows = shown.split("\n")
        assert all(len(r) <= panel.scrollable_content_region.width for r in rows)
        assert len(rows) >= len(candidate_lines(panel.candidates[0]))
