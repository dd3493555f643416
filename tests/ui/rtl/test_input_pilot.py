"""Pilot tests: Persian typed one key at a time into the RTL widgets (design/rtl.md §7).

Screen rows are visual strings, so expectations are written with \\u escapes.
"""

from __future__ import annotations

from textual.app import App, ComposeResult

from samad_desk.text import rtl
from samad_desk.widgets import NationalIdInput, PhoneInput, RTLInput, RTLTable, RTLTextArea
from samad_desk.widgets.rtl_table import RTLColumn
from tests.support import rtl_screen as _screen

screen_rows = _screen.screen_rows

SALAM = "\u0633\u0644\u0627\u0645"  # سلام


class OneInput(App[None]):
    CSS = "RTLInput { width: 40; } Screen { align-horizontal: right; }"

    def __init__(self, widget) -> None:
        super().__init__()
        self.widget = widget
        self.messages: list = []

    def compose(self) -> ComposeResult:
        yield self.widget

    def on_rtl_input_changed(self, event: RTLInput.Changed) -> None:
        self.messages.append(("changed", event.value))

    def on_rtl_input_submitted(self, event: RTLInput.Submitted) -> None:
        self.messages.append(("submitted", event.value, event.error))


async def _type(pilot, text: str) -> None:
    for ch in text:
        await pilot.press("space" if ch == " " else ch)


def _field_row(app) -> str:
    return screen_rows(app)[0]


async def test_typing_persian_one_key_at_a_time():
    app = OneInput(RTLInput(label="\u0646\u0627\u0645", id="f"))  # نام
    async with app.run_test(size=(80, 24)) as pilot:
        await _type(pilot, SALAM)
        field = app.widget
        assert field.value == SALAM
        assert field.cursor_position == 4
        row = _field_row(app)
        # label on the right, the joined word right-aligned in the field before it
        assert row.rstrip().endswith("\ufee1\ufefc\ufeb3  \ufee1\ufe8e\ufee7")  # spare cell + gap
        # caret after the last (leftmost) RTL letter: the cell left of it
        caret = field.caret_offset()
        assert row[field.region.x + caret.x + 1] == "\ufee1"
        assert app.cursor_position.x == field.content_region.x + caret.x
        assert ("changed", SALAM) in app.messages


async def test_backspace_in_the_middle_and_home_end():
    app = OneInput(RTLInput(id="f"))
    async with app.run_test(size=(80, 24)) as pilot:
        await _type(pilot, "\u0628\u0627\u0628\u0627")  # بابا
        await pilot.press("right")  # back one in reading order
        await pilot.press("right")
        assert app.widget.cursor_position == 2
        await pilot.press("backspace")
        assert app.widget.value == "\u0628\u0628\u0627"
        assert app.widget.cursor_position == 1
        await pilot.press("home")
        assert app.widget.cursor_position == 0
        await _type(pilot, "\u0622")  # آ at the logical start (the right end)
        assert app.widget.value == "\u0622\u0628\u0628\u0627"
        await pilot.press("end")
        assert app.widget.cursor_position == 4
        await pilot.press("delete")  # nothing after the end
        assert app.widget.value == "\u0622\u0628\u0628\u0627"
        assert _field_row(app).rstrip().endswith("\ufe8e\ufe92\ufe91\ufe81")


async def test_arrows_across_a_latin_word_in_reading_order():
    app = OneInput(RTLInput(id="f"))
    async with app.run_test(size=(80, 24)) as pilot:
        await _type(pilot, SALAM + " Ali " + SALAM)
        field = app.widget
        assert field.value == SALAM + " Ali " + SALAM
        row = _field_row(app).rstrip()
        assert row.endswith("\ufee1\ufefc\ufeb3 Ali \ufee1\ufefc\ufeb3")
        await pilot.press("home")
        positions = []
        for _ in range(13):
            await pilot.press("left")  # forward in an RTL field
            positions.append(field.cursor_position)
        # lam-alef is one stop (2 -> skipped), the Latin word is walked logically
        assert positions == [1, 3, 4, 5, 6, 7, 8, 9, 10, 12, 13, 13, 13]
        cells = []
        for p in range(0, 15):
            field.cursor_position = p
            cells.append(field.caret_offset().x)
        # inside "Ali" (LTR) the caret moves right while the logical index grows
        a, l_, i = cells[6], cells[7], cells[8]
        assert a < l_ < i
        # in Persian it moves left
        assert cells[0] > cells[1] > cells[3]
        await pilot.press("ctrl+left")  # word forward (already at end: stays)
        assert field.cursor_position == 13
        await pilot.press("ctrl+right")
        assert field.cursor_position == 9
        await pilot.press("ctrl+right")
        assert field.cursor_position == 5


async def test_zwnj_keeps_a_visible_caret_and_is_typed():
    app = OneInput(RTLInput(id="f"))
    async with app.run_test(size=(80, 24)) as pilot:
        await _type(pilot, "\u0645\u06cc")
        await pilot.press("\u200c")
        field = app.widget
        assert field.value == "\u0645\u06cc\u200c"
        row = _field_row(app)
        x = field.region.x + field.caret_offset().x
        # the caret sits left of the visible yeh, not on a zero-width cell
        assert row[x + 1] == "\ufbfd"
        await _type(pilot, "\u062e")
        assert field.value == "\u0645\u06cc\u200c\u062e"
        assert "\ufea5\ufbfd\ufee3" in _field_row(app)  # isolated khah after ZWNJ


async def test_selection_and_paste_are_logical_and_normalized():
    app = OneInput(RTLInput(id="f"))
    async with app.run_test(size=(80, 24)) as pilot:
        await _type(pilot, SALAM)
        await pilot.press("shift+right", "shift+right")
        assert app.widget.selection == (1, 4)
        assert app.widget.selected_text == "\u0644\u0627\u0645"
        # pasted visual presentation forms, Arabic yeh/kaf and a bidi override
        app.widget.insert_text("\ufee1\u202e\u064a\u0643")
        assert app.widget.value == "\u0633\u0645\u06cc\u06a9"
        await pilot.press("enter")
        assert ("submitted", "\u0633\u0645\u06cc\u06a9", None) in app.messages
        # copy is logical (OSC 52 through the app clipboard), paste goes back in logically
        await pilot.press("home", "shift+left", "shift+left")
        await pilot.press("ctrl+c")
        assert app.clipboard == "\u0633\u0645"
        await pilot.press("ctrl+x")
        assert app.widget.value == "\u06cc\u06a9"
        await pilot.press("end", "ctrl+v")
        assert app.widget.value == "\u06cc\u06a9\u0633\u0645"


async def test_long_value_scrolls_to_keep_the_caret_visible():
    app = OneInput(RTLInput(id="f"))
    async with app.run_test(size=(80, 24)) as pilot:
        app.widget.value = " ".join([SALAM] * 30)
        await pilot.pause()
        caret = app.widget.caret_offset()
        assert 0 <= caret.x < 40
        await pilot.press("home")
        assert 0 <= app.widget.caret_offset().x < 40
        row = _field_row(app)
        assert row.rstrip().endswith("\ufee1\ufefc\ufeb3")


async def test_national_id_accepts_any_digits_stores_ascii_shows_persian():
    field = NationalIdInput(id="nid")
    app = OneInput(field)
    async with app.run_test(size=(80, 24)) as pilot:
        await _type(pilot, "\u06f0\u06f0\u0661\u0662345678x")  # Persian, Arabic-Indic, Latin
        assert field.value == "0012345678"
        row = _field_row(app)
        assert "\u06f0\u06f0\u06f1\u06f2\u06f3\u06f4\u06f5\u06f6\u06f7\u06f8" in row
        assert row.rstrip().endswith(rtl.layout_line("\u06a9\u062f \u0645\u0644\u06cc").visual)
        await pilot.press("left")  # LTR field: left moves back
        assert field.cursor_position == 9
        await pilot.press("enter")
        assert field.error is not None  # bad check digit: a Persian message under the field
        await pilot.pause()
        assert any(ch in screen_rows(app)[1] for ch in "\ufeaa\ufb90")


async def test_phone_input_stores_ascii():
    field = PhoneInput(id="m")
    app = OneInput(field)
    async with app.run_test(size=(80, 24)) as pilot:
        await _type(pilot, "\u06f0\u06f9\u06f1\u06f2\u06f3\u06f4\u06f5\u06f6\u06f7\u06f8\u06f9")
        assert field.value == "09123456789"
        await pilot.press("enter")
        assert field.error is None


class AreaApp(App[None]):
    def compose(self) -> ComposeResult:
        yield RTLTextArea(id="area")


async def test_text_area_wraps_and_moves_between_rows():
    app = AreaApp()
    async with app.run_test(size=(20, 10)) as pilot:
        area = app.query_one(RTLTextArea)
        area.focus()
        await _type(pilot, " ".join([SALAM] * 6))
        rows = screen_rows(app)
        assert rows[0].rstrip().endswith("\ufee1\ufefc\ufeb3")
        assert rows[1].strip()  # wrapped onto a second row
        end = area.cursor_position
        await pilot.press("up")
        assert area.cursor_position < end
        await pilot.press("down")
        assert area.cursor_position == end
        await pilot.press("enter")
        await _type(pilot, SALAM)
        assert area.value.endswith("\n" + SALAM)


class TableApp(App[None]):
    def compose(self) -> ComposeResult:
        yield RTLTable(
            [
                RTLColumn("name", "\u0646\u0627\u0645"),
                RTLColumn("nid", "\u06a9\u062f", direction="ltr", persian_digits=True),
            ]
        )


async def test_table_first_logical_column_on_the_right_and_logical_sort():
    app = TableApp()
    async with app.run_test(size=(60, 10)) as pilot:
        table = app.query_one(RTLTable)
        table.add_records(
            [
                {"id": "a", "name": "\u06cc\u0627\u0633\u0631", "nid": "0012345678"},  # یاسر
                {"id": "b", "name": "\u0628\u0647\u0631\u0627\u0645", "nid": "1234567890"},  # بهرام
            ]
        )
        await pilot.pause()
        rows = screen_rows(app)
        header = rows[0]
        assert header.rfind("\ufee1\ufe8e\ufee7") > header.find("\ufeaa\ufb90")  # نام right of کد
        assert "\u06f0\u06f0\u06f1\u06f2" in rows[1]
        assert table.cursor_column == 1  # the first logical column
        table.sort_by("name")
        assert [table.records[k]["id"] for k in table.rows] == ["b", "a"]
        assert [k.value for k in table.search("\u0628\u0647")] == ["b"]
        assert sorted(k.value for k in table.search("\u06f1\u06f2\u06f3")) == ["a", "b"]
        assert table.copy_text("a") == "\u06cc\u0627\u0633\u0631\t0012345678"
        table.focus()
        table.move_cursor(row=1)
        await pilot.press("ctrl+c")
        assert app.clipboard == table.copy_text("a")


async def test_click_puts_the_caret_at_the_clicked_letter():
    app = OneInput(RTLInput(id="f"))
    async with app.run_test(size=(80, 24)) as pilot:
        await _type(pilot, SALAM)
        field = app.widget
        row = _field_row(app)
        x = row.index("\ufeb3")  # the seen (logical 0), rightmost letter
        await pilot.click(RTLInput, offset=(x - field.region.x, 0))
        assert field.cursor_position == 1  # after the clicked RTL letter
        x = row.index("\ufee1")  # the meem (logical 3)
        await pilot.click(RTLInput, offset=(x - field.region.x, 0))
        assert field.cursor_position == 4
