"""An RTLTable wider than the screen is shown from its right end (its first logical
columns), also when its rows arrive after it was mounted or after it was cleared: the
duplicates queue at 80 columns showed its reasons and IDs, not its status and names."""

from __future__ import annotations

from textual.app import App, ComposeResult

from samad_desk.widgets import RTLTable
from samad_desk.widgets.rtl_table import RTLColumn
from tests.support.pilot import settle

COLUMNS = [RTLColumn(key, title, max_width=30) for key, title in
           (("band", "وضعیت"), ("names", "شهروندان"), ("ids", "کد ملی"), ("reasons", "دلیل"))]


def record(i: int) -> dict[str, str]:
    return {"id": str(i), "band": "همان شهروند", "names": "غلامرضا کاظمی‌نژاد / غلامرضا کاظمی نژاد",
            "ids": "۴۳۱۹۸۷۶۵۴۷ / ۴۳۱۹۸۷۶۵۰۴ / بدون کد ملی",
            "reasons": "همان شماره همراه، همان نام و نام خانوادگی، همان تاریخ تولد"}


class QueueApp(App[None]):
    def compose(self) -> ComposeResult:
        yield RTLTable(COLUMNS)


async def test_rows_added_after_mount_and_after_clear_are_shown_from_the_right_end() -> None:
    app = QueueApp()
    async with app.run_test(size=(60, 10)) as pilot:
        table = app.query_one(RTLTable)
        await settle(pilot, None)
        assert table.max_scroll_x == 0  # the headers alone fit
        table.add_records([record(i) for i in range(3)])  # as a worker's result lands
        await settle(pilot, None)
        assert table.max_scroll_x > 0
        assert table.scroll_x == table.max_scroll_x
        table.focus()
        await pilot.press("home")  # the operator scrolls to the last columns: left there
        await settle(pilot, None)
        assert table.scroll_x == 0
        table.add_record(record(3), key="3")
        await settle(pilot, None)
        assert table.scroll_x == 0
        table.clear_records()  # new data: from the right end again (DataTable: from x=0)
        table.add_records([record(i) for i in range(2)])
        await settle(pilot, None)
        assert table.max_scroll_x > 0
        assert table.scroll_x == table.max_scroll_x
