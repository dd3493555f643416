"""Finding 17 of issue 12 (second half): the case screen's key bar offers only what may be
done now; after an acceptance it no longer offers «F2 پذیرش» (F2 still says why not)."""

from __future__ import annotations

from datetime import timedelta

from samad_desk.widgets.chrome import KeyBar
from tests.support.cartable import NOW, WATER, desk, on_case, press, refused


def key_bar(screen) -> str:
    return screen.query_one(KeyBar).query_one("#keybar-text").text


async def test_key_bar_follows_what_is_allowed(make_app, world, store) -> None:
    case_id = world.call(WATER, at=NOW - timedelta(days=2))
    async with on_case(make_app, "water1", case_id, size=(120, 40)) as (app, pilot, screen):
        assert "F2 پذیرش" in key_bar(screen)
        assert "Shift+F8" not in key_bar(screen)  # reopening is the supervisor's
        await press(pilot, "f2")  # accept
        assert store.get("case", case_id)["state"] == "in_progress"
        assert "F2 پذیرش" not in key_bar(screen)
        assert "F3 پاسخ" in key_bar(screen)
        await refused(pilot, "f2", "پیش‌تر پذیرفته شده")


async def test_saved_toast_reads_well(make_app, world, store) -> None:
    """Cosmetic: «ثبت پاسخ ثبت شد» (the action's label + «ثبت شد»)."""
    from samad_desk.screens.case_screen import DONE_TEXT
    from samad_desk.sync.attention import OP_LABELS
    from tests.support.pilot import toasts, type_text

    case_id = world.call(WATER, at=NOW - timedelta(days=2))
    async with on_case(make_app, "water1", case_id) as (app, pilot, screen):
        await press(pilot, "f2")
        await press(pilot, "f3")
        await type_text(pilot, "لوله اصلی تعمیر شد.")
        await press(pilot, "f2")
    said = toasts(app)
    assert any(t.startswith("پرونده پذیرفته شد") for t in said), said
    assert any(t.startswith("پاسخ ثبت شد") for t in said), said
    assert not any("ثبت پاسخ ثبت شد" in t for t in said)
    assert set(DONE_TEXT) >= {t.split(".", 1)[-1] for t in OP_LABELS if t.startswith("case.")} - {
        "register", "followup"}


def test_supervisor_columns_have_distinct_titles() -> None:
    """Cosmetic: two supervisor columns were both «در موعد» (the number and its chart)."""
    from samad_desk.screens.supervisor_screen import agency_columns

    titles = [c.title for c in agency_columns()]
    assert sum("در موعد" in t for t in titles) == 1, titles


async def test_supervisor_list_at_60_columns_keeps_the_tracking_code_whole(make_app, world) -> None:
    """Cosmetic: at 60 columns the supervisor's case list cut the tracking code itself."""
    from tests.support.cartable import build
    from tests.support.pilot import screen_text

    build(world)
    app = make_app("super1")
    async with desk(app, size=(60, 20)) as pilot:
        await press(pilot, "f4")  # overdue cases of the province
        cases = app.screen.cases_table
        assert cases.rows
        shown = screen_text(app)
        for row in cases.rows[:3]:
            assert row.code_display in shown, (row.code_display, shown)
