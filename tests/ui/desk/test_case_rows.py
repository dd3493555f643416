"""Case rows on the citizen profile and the follow-up screen (visual QA, docs/rtl.md §9):
the subject's Persian title instead of its key, an isolated subject that keeps its place
beside the date, and rows laid out for the list's real width at any terminal size."""

from __future__ import annotations

import pytest

from samad_desk.domain.ids import uuid7
from samad_desk.screens.followup_screen import FollowupScreen
from samad_desk.text.jalali import format_jalali
from samad_desk.widgets.rtl_options import RtlOptionList
from tests.support.desk_ui import (
    NID,
    desk,
    existing_call,
    open_followup,
    open_profile,
    press,
    screen_text,
    settle,
)

SEWAGE = "فاضلاب و آبگرفتگی معابر"  # the title of water.sewage in the demo subject tree


async def _two_cases(services, store) -> tuple[str, str]:
    """A call on water.sewage and a server-held case whose subject is a key the tree lacks."""
    first = await existing_call(services, subject="water.sewage")
    case = store.get("case", first.case_id)
    legacy_id = uuid7()
    # a new op may only carry a subject of the tree (domain/fields.py): the legacy case
    # comes from the server, as a pull writes it
    legacy = dict(case, id=legacy_id, tracking_code=store.next_tracking_code(), subject="legacy.other",
                  description="پرونده از سامانه پیشین", version=1)
    store.put_entities([{"entity": "case", "id": legacy_id, "version": 1, "op": "put", "data": legacy}])
    return first.case_id, legacy_id


def _jalali_of(store, case_id: str) -> str:
    """The registration day in Tehran (after 20:30 UTC it is already the next day there)."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    moment = datetime.fromisoformat(store.get("case", case_id)["registered_at"].replace("Z", "+00:00"))
    return format_jalali(moment.astimezone(ZoneInfo("Asia/Tehran")).date())


def _check_rows_fill_the_list(app, options: RtlOptionList, expected_rows: int) -> None:
    """Every row's text ends at the list's right edge (inside its padding)."""
    lines = screen_text(app).split("\n")
    content = options.scrollable_content_region
    right_edges = []
    for y in range(content.y, content.y + min(expected_rows, content.height)):
        row = lines[y][content.x : content.right]
        assert row.strip(), (y, lines[y])
        right_edges.append(len(row.rstrip()))
    assert right_edges == [content.width] * len(right_edges), (content, right_edges)


@pytest.mark.parametrize("size", [(80, 24), (120, 36)])
async def test_profile_rows_show_subject_titles_and_fill_the_width(
    make_app, store, services, size
) -> None:
    sewage_id, legacy_id = await _two_cases(services, store)
    app = make_app()
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        screen = await open_profile(pilot, NID)
        options = screen.query_one("#profile-cases", RtlOptionList)
        assert len(options.rows) == 2
        logical = "\n".join(options.rows)
        assert SEWAGE in logical and "water.sewage" not in logical
        shown = screen_text(app)
        assert "water.sewage" not in shown
        _check_rows_fill_the_list(app, options, 2)
        # the unknown key stays where it belongs: the date after it is further left
        index = [i for i, c in enumerate(screen.cases) if c["id"] == legacy_id][0]
        visual = str(options.get_option_at_index(index).prompt)
        date_text = _jalali_of(store, legacy_id)
        assert "legacy.other" in visual and date_text in visual
        assert visual.index(date_text) < visual.index("legacy.other"), visual


async def test_profile_rows_follow_a_resize(make_app, store, services) -> None:
    await _two_cases(services, store)
    app = make_app()
    async with desk(app) as pilot:
        await open_profile(pilot, NID)
        options = app.screen.query_one("#profile-cases", RtlOptionList)
        await pilot.resize_terminal(120, 30)
        await settle(pilot)
        _check_rows_fill_the_list(app, options, 2)
        assert options.highlighted == 0


async def test_followup_summary_and_case_list_show_subject_titles(make_app, store, services) -> None:
    sewage_id, _legacy_id = await _two_cases(services, store)
    app = make_app()
    async with desk(app, size=(120, 36)) as pilot:
        screen = await open_followup(pilot, NID)
        assert isinstance(screen, FollowupScreen)
        results = screen.query_one("#fu-results", RtlOptionList)
        assert len(results.rows) == 2
        assert any(SEWAGE in row for row in results.rows)
        _check_rows_fill_the_list(app, results, 2)
        index = [i for i, c in enumerate(screen.cases) if c["id"] == sewage_id][0]
        results.highlighted = index
        await press(pilot, "enter")
        assert f"موضوع: \u2068{SEWAGE}\u2069" in screen.summary_text
        assert "water.sewage" not in screen_text(app)
