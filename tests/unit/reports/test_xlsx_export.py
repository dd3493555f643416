"""The XLSX export (``reports/xlsx.py``): the data rows written as sheet XML into
xlsxwriter's workbook, opened back with openpyxl. A large export keeps every row, its
types and formats, the right-to-left sheet and the native chart; it reads back cell for
cell like the earlier per-cell xlsxwriter writer; labels that XML must escape survive."""

from __future__ import annotations

import io
import zipfile
from datetime import date, datetime
from xml.etree import ElementTree

import openpyxl
import pytest

from samad_desk.domain.sla import WorkingCalendar
from samad_desk.reports import synth
from samad_desk.reports.facts import build_facts
from samad_desk.reports.memory import DeskReports, Facts
from samad_desk.reports.render import flatten
from samad_desk.reports.spec import spec_from_dict
from samad_desk.reports.xlsx import column_letters, to_xlsx, to_xlsx_per_cell
from samad_desk.text.jalali import jalali_to_gregorian

CAL = WorkingCalendar()
TODAY = date(2026, 6, 1)
WIDE = {"name": "ردیف‌ها", "measures": ["cases", "in_time_pct"],
        "rows": ["day", "agency", "city", "type", "channel", "urgency", "subject"]}
PIVOT = {"name": "ماه‌ها", "rows": ["agency"], "columns": ["month"],
         "measures": ["cases", "in_time_pct", "median_days"], "period": "1404", "compare": True}


@pytest.fixture(scope="module")
def desk():
    items = list(synth.generate(6000, 5))
    cases = [c for c, _, _ in items]
    events = [e for _, evs, _ in items for e in evs]
    facts = Facts(build_facts(cases, events, synth.agencies(), CAL, provinces={c["id"]: p for c, _, p in items}))
    return DeskReports(facts, {"role": "admin"})


def run(desk, spec: dict) -> dict:
    return desk.run(spec_from_dict(spec), today=TODAY, calendar=CAL).to_json()


def sheet(data: bytes, read_only: bool = False):
    return openpyxl.load_workbook(io.BytesIO(data), read_only=read_only)["گزارش"]


def test_large_export_reads_back_every_row(desk):
    result = run(desk, WIDE)
    n = len(result["rows"])
    assert n > 5000  # (nearly) one row per case
    data = to_xlsx(result)
    ws = sheet(data)
    assert ws.sheet_view.rightToLeft is True
    assert ws.max_row == 3 + n + 1  # title, blank, header, the rows, the total
    header = [c.value for c in ws[3]]
    # the seven labels, the real date beside them, the two measures
    assert header[:2] == ["روز", "دستگاه"] and header[7:] == ["تاریخ میلادی", "پرونده‌ها", "پاسخ به‌موقع ٪"]
    _, flat = flatten(result)
    got = list(ws.iter_rows(min_row=4, values_only=True))
    assert len(got) == n + 1
    for i in (0, 1, n // 2, n - 1):
        row, want = got[i], flat[i]
        assert list(row[:7]) + list(row[8:]) == want  # the labels and the numbers, as in the CSV
        y, m, d = (int(p) for p in result["rows"][i]["key"][0].split("/"))
        assert row[7] == datetime.combine(jalali_to_gregorian(y, m, d), datetime.min.time())
        assert type(row[8]) is int
    assert got[-1][0] == "جمع" and got[-1][8] == result["total"]["cases"] == sum(r[8] for r in got[:-1])
    assert got[-1][7] is None  # the total has no date
    assert ws.cell(4, 8).number_format == "yyyy-mm-dd"
    assert ws.cell(4, 9).number_format == "#,##0" and ws.cell(4, 10).number_format == "0.0"
    assert ws.cell(4 + n, 9).font.b and not ws.cell(4, 9).font.b
    chart = ws._charts[0]
    assert chart.series[0].val.numRef.f == "گزارش!$I$4:$I$53"  # the first 50 rows' cases
    cat = chart.series[0].cat
    assert (cat.strRef or cat.numRef).f == "گزارش!$A$4:$A$53"
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        assert "xl/charts/chart1.xml" in z.namelist()
        assert z.testzip() is None
        # what openpyxl does not check but other readers trust: the used range, the string counts
        sheet_xml = z.read("xl/worksheets/sheet1.xml").decode()
        assert f'<dimension ref="A1:J{3 + n + 1}"/>' in sheet_xml
        sst = ElementTree.fromstring(z.read("xl/sharedStrings.xml"))
        assert int(sst.get("uniqueCount")) == len(sst) > 100
        assert int(sst.get("count")) == sheet_xml.count('t="s"')


@pytest.mark.parametrize("spec", [WIDE, PIVOT], ids=["rows", "pivot"])
def test_same_cells_as_the_per_cell_writer(desk, spec):
    """Value, type, number format, bold and reading order of every cell, against the
    earlier writer (xlsxwriter per cell); the total row's empty label cells are now blank
    cells where the old writer stored empty strings."""
    result = run(desk, spec)
    if spec is WIDE:
        result["rows"] = result["rows"][:1500]
    new, old = sheet(to_xlsx(result)), sheet(to_xlsx_per_cell(result))
    assert new.dimensions == old.dimensions
    assert new.freeze_panes == old.freeze_panes and new.sheet_view.rightToLeft == old.sheet_view.rightToLeft
    seen = set()
    for a_row, b_row in zip(new.iter_rows(), old.iter_rows(), strict=True):
        for a, b in zip(a_row, b_row, strict=True):
            want = None if b.value == "" else b.value
            assert (a.value, type(a.value), a.number_format, bool(a.font.b), a.alignment.readingOrder) == \
                (want, type(want), b.number_format, bool(b.font.b), b.alignment.readingOrder), a.coordinate
            seen.add(type(a.value))
    assert {str, int, float, type(None)} <= seen
    assert [column_letters(i) for i in (0, 25, 26, 701, 702)] == ["A", "Z", "AA", "ZZ", "AAA"]


def test_labels_xml_must_escape(desk):
    result = run(desk, {**PIVOT, "compare": False})
    odd = ["<b>&amp; \"آب\"", " فاصله ", "ctrl\x01char", "_x0041_ literal", "آب & فاضلاب"]
    for r, label in zip(result["rows"], odd, strict=False):
        r["labels"] = [label]
    ws = sheet(to_xlsx(result))
    # a control character is stored as Excel's _xHHHH_ escape (openpyxl does not decode it)
    want = [label.replace("\x01", "_x0001_") for label in odd]
    assert [ws.cell(4 + i, 1).value for i in range(len(odd))] == want
