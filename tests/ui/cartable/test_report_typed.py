"""The report screen's typed filter value and its export to a file, and the key bar's
pages at 80×24 (the Shift and Ctrl keys were only in the F1 help)."""

from __future__ import annotations

import errno
import os

from rich.cells import cell_len

from samad_desk.reports.engine import label_of
from tests.support.cartable import WATER, build, from_supervisor, key_bar_text, settle, values
from tests.support.pilot import screen_text, type_text


async def typed(pilot, ask, text: str) -> None:
    ask.value = ""
    await type_text(pilot, text)
    await pilot.press("enter")
    await settle(pilot)


async def test_typed_filter_value_with_errors_at_the_field(make_app, world) -> None:
    build(world)
    app = make_app("super1")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await from_supervisor(pilot, "shift+f2")
        ask = screen.query_one("#rep-ask")
        await pilot.press("ctrl+f")  # a filter on the rows' dimension (agency)
        await settle(pilot)
        assert ask.display and ask.has_focus and screen.asking == "filter:agency"
        assert ask.label == "پالایه: دستگاه"
        await pilot.press("down")  # ↓ / ↑: another dimension
        assert screen.asking == "filter:type" and ask.label == "پالایه: نوع پرونده"
        await pilot.press("up")
        assert screen.asking == "filter:agency"
        await typed(pilot, ask, "شرکت ناموجود")
        assert ask.display and "نیست" in ask.error and "«دستگاه»" in ask.error
        assert screen.spec.filters == {} and values(screen, "cases")["__total__"] == 7
        assert ask.value == "شرکت ناموجود"  # what was typed stays, to correct
        await typed(pilot, ask, label_of("agency", WATER, screen.names))
        assert not ask.display and ask.error is None
        assert screen.spec.filters == {"agency": (WATER,)} and screen.spec.rows == ("type",)
        assert values(screen, "cases")["__total__"] == 3
        assert "پالایه: دستگاه=" in screen.query_one("#rep-spec").text
        # Shift+F4 (a function key) reaches the same field: ↓ from the period is the filter
        await pilot.press("shift+f4", "down")
        await settle(pilot)
        assert screen.asking == "filter:agency"
        await pilot.press("escape")


async def test_export_to_csv_xlsx_with_errors_and_nothing_lost(make_app, world, tmp_path, monkeypatch) -> None:
    import openpyxl

    from samad_desk.services import report_export

    monkeypatch.setenv("HOME", str(tmp_path))
    build(world)
    app = make_app("super1")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await from_supervisor(pilot, "shift+f2")
        ask = screen.query_one("#rep-ask")
        await pilot.press("ctrl+e")
        await settle(pilot)
        default = tmp_path / "samad-report-1403-10-22.xlsx"  # the home folder, the Jalali day
        assert ask.display and ask.value == str(default)
        await pilot.press("enter")
        await settle(pilot)
        assert not ask.display and default.is_file()
        sheet = openpyxl.load_workbook(default).active
        cells = [c.value for row in sheet.iter_rows() for c in row]
        assert "دستگاه" in cells and "جمع" in cells and 7 in cells
        # CSV, with a BOM so Excel reads the Persian
        out = tmp_path / "r.csv"
        await pilot.press("ctrl+e")
        await typed(pilot, ask, str(out))
        first = out.read_bytes()
        assert first.startswith(b"\xef\xbb\xbf") and "جمع".encode() in first
        # bad paths: the error at the field, the path kept to correct
        await pilot.press("ctrl+e")
        await typed(pilot, ask, str(tmp_path / "nope" / "r.csv"))
        assert ask.display and "پوشهٔ" in ask.error and ask.value.endswith("r.csv")
        await typed(pilot, ask, str(tmp_path / "r.txt"))
        assert "پسوند" in ask.error
        # a full disk: said in Persian, the earlier file as it was, no half file left
        await pilot.press("f2")  # (the field has the keys: F2 reaches the screen, rows change)
        await settle(pilot)

        def full(_fd: int) -> None:
            raise OSError(errno.ENOSPC, "No space left on device")

        monkeypatch.setattr(report_export.os, "fsync", full)
        await pilot.press("ctrl+e")
        await typed(pilot, ask, str(out))
        monkeypatch.undo()
        assert ask.display and "دیسک پر است" in ask.error and ask.value == str(out)
        assert out.read_bytes() == first
        assert sorted(os.listdir(tmp_path)) == ["r.csv", "samad-report-1403-10-22.xlsx"]


async def test_key_bar_pages_show_every_key_at_80x24(make_app, world) -> None:
    build(world)
    app = make_app("super1")
    async with app.run_test(size=(80, 24)) as pilot:
        await from_supervisor(pilot, "shift+f2")
        pages = []
        for _ in range(6):
            bar = key_bar_text(app)
            assert cell_len(bar) <= 80, bar
            assert "Shift+F1 بیشتر" in bar, bar  # every page says how to turn it
            pages.append(bar)
            await pilot.press("shift+f1")
            await settle(pilot)
        assert pages[0] == pages[len(set(pages))]  # the pages come round again
        assert all(k in pages[0] for k in ("F2 ", "F3 ", "F4 ", "F11 ", "Esc "))
        shown = " ".join(pages)
        for key in ("Shift+F3 ", "Shift+F4 ", "Shift+F6 ", "Shift+F7 ", "Shift+F8 ", "Shift+F11 ", "Shift+F12 ",
                    "Ctrl+F ", "Ctrl+E "):
            assert key in shown, (key, pages)
        assert "Shift+F1" in screen_text(app).splitlines()[-2]  # drawn on the key row


async def test_export_to_pdf_from_the_screen_read_back(make_app, world, tmp_path, monkeypatch) -> None:
    """Ctrl+E, a «.pdf» path, Enter: the file's text, read back by pdftotext, holds the
    Persian headers, the agencies and the numbers the screen showed, in Persian digits.
    (pdftotext drops ZWNJ and splits لا, and long names wrap over lines: the checks
    read words and the short rows, the total and «نامشخص».)"""
    import shutil
    import subprocess

    from samad_desk.reports.render import number_text
    from tests.support.resources import missing

    if shutil.which("pdftotext") is None:
        missing("pdftotext (poppler-utils: apt-get install -y poppler-utils)")
    monkeypatch.setenv("HOME", str(tmp_path))
    build(world)
    app = make_app("super1")
    out = tmp_path / "گزارش.pdf"
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await from_supervisor(pilot, "shift+f2")
        ask = screen.query_one("#rep-ask")
        await pilot.press("ctrl+e")
        await settle(pilot)
        assert ask.display and screen.asking == "export"
        await typed(pilot, ask, str(out))
        assert not ask.display and ask.error is None, ask.error
        measures = screen.spec.measures
        shown = {" / ".join(r.labels): [number_text(r.values.get(m), m) for m in measures]
                 for r in screen.table.rows}
        names = screen.names
    assert out.read_bytes().startswith(b"%PDF")
    text = subprocess.run(["pdftotext", "-layout", str(out), "-"], capture_output=True, text=True,
                          check=True).stdout
    # pdftotext's bidi marks, and ZWNJ (it drops the ones in the file's text)
    text = "".join(ch for ch in text if ch not in "\u202a\u202b\u202c\u202d\u202e\u200c")
    words = set(text.split())
    for header in ("گزارش", "دستگاه", "پرونده‌ها", "باز", "معوق", "جمع", "نمودار"):
        assert header.replace("\u200c", "") in text, header
    for agency in ("power-qazvin", "gas-qazvin"):
        assert set(label_of("agency", agency, names).split()) <= words, agency
    assert shown["جمع"][0] == "۷" and len(shown) == 5  # 4 agencies (one «نامشخص») and the total
    for label in ("جمع", "نامشخص"):
        line = next(line for line in text.splitlines() if line.split()[-1:] == [label])
        assert sorted(line.split()[:-1]) == sorted(shown[label]), (label, line, shown[label])
