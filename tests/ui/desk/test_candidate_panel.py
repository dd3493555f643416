"""Cosmetic finding of issue 12: the candidate panel stayed 27 columns at 120 columns and
cut every reason. It now takes a share of the width and wraps what does not fit."""

from __future__ import annotations

import pytest

from samad_desk.widgets.form import CandidateList, candidate_lines
from tests.support.desk_ui import MISTYPED, desk, existing_call, settle, type_text


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
async def test_candidate_reasons_are_shown_whole(make_app, services, size) -> None:
    await existing_call(services)
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


async def test_candidate_rows_fit_beside_the_scrollbar(make_app, services) -> None:
    """Seen in tmux at 80×24: a common name gives more candidates than the panel holds, a
    scrollbar appears, and every candidate line laid out for the width without it was
    wrapped again by the list — the first word of each line (visually its right end)
    alone on the next row («کد» under «ملی ۰۹…»)."""
    from samad_desk.services import CallForm
    from samad_desk.text.national_id import check_digit

    for i in range(8):
        first9 = f"{4100 + i:09d}"
        services.save_call(CallForm(
            national_id=first9 + str(check_digit(first9)), first_name="علی", last_name="رضایی",
            father_name=["حسن", "محمدحسین", "احمد", "رضا"][i % 4], mobile=f"0912{1000000 + i * 7919:07d}",
            city="قزوین", case_type="complaint", subject="power.outage", agency="power-qazvin",
            description="برق خیابان از دیشب قطع است"))
    app = make_app()
    async with desk(app) as pilot:
        await pilot.press("tab")
        await type_text(pilot, "علی")
        await pilot.press("tab")
        await type_text(pilot, "رضایی")
        await settle(pilot)
        panel = app.screen.query_one(CandidateList)
        assert len(panel.candidates) >= 6
        assert panel.max_scroll_y > 0, "the case this test is about: more candidates than rows"
        laid_out = sum(len(str(panel.get_option_at_index(i).prompt).split("\n"))
                       for i in range(panel.option_count) if panel.get_option_at_index(i) is not None)
        separators = len(panel.candidates) - 1
        # no row wrapped again by the list: its content is exactly the rows laid out
        assert panel.virtual_size.height == laid_out + separators
