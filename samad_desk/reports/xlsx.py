"""A report result as an Excel workbook: a right-to-left sheet with Persian headers,
numbers as numbers (counts ``#,##0``, percentages and days ``0.0``), Jalali dates as text
beside real date cells (day, week and month rows), the total row in bold, and the first
measure as a native Excel bar chart.

xlsxwriter writes everything but the data rows: the styles, the sheet view (right to
left, frozen panes, column widths), the title and header rows, the chart and its drawing.
The data rows -- the only big part of a 100,000-row export -- are written by ``to_xlsx``
itself as ``<row>`` elements streamed into the sheet part: labels through the shared
strings table (a report's labels repeat: agencies, cities, types), numbers as ``<v>``,
with the style indices of xlsxwriter's own formats. A cell costs one f-string instead of
one xlsxwriter call with its checks (measured in ``python -m bench reports``: several
times faster, the same cells read back by openpyxl).

``to_xlsx_per_cell`` is the earlier writer (xlsxwriter's ``constant_memory`` mode, one
call per cell), kept as the benchmark's baseline and as the reference the tests compare
the spliced workbook with cell by cell.
"""

from __future__ import annotations

import io
import math
import re
import zipfile
from datetime import date
from functools import lru_cache
from typing import Any

from samad_desk.reports.render import flatten
from samad_desk.reports.spec import MEASURES, RATIO_MEASURES
from samad_desk.text.jalali import jalali_to_gregorian

DATE_DIMS = ("day", "week", "month")
#: day 0 of Excel's 1900 date system, for dates after 1900-03-01 (its phantom leap day)
EXCEL_EPOCH = date(1899, 12, 30)
MAX_CHART_ROWS = 50
SHEET = "گزارش"
SHEET_PART = "xl/worksheets/sheet1.xml"
STRINGS_PART = "xl/sharedStrings.xml"
#: rows per chunk written to the zip stream
CHUNK_ROWS = 2000


@lru_cache(maxsize=4096)
def gregorian_of(dim: str, key: str) -> date | None:
    """The Gregorian date of a Jalali day/week/month key (a month: its first day)."""
    try:
        parts = [int(p) for p in key.split("/")]
        if dim == "month":
            parts.append(1)
        return jalali_to_gregorian(*parts)
    except (ValueError, TypeError):
        return None


class _Layout:
    """What both writers share: the flattened table, the formats, the title, header and
    chart written through xlsxwriter."""

    def __init__(self, wb: Any, result: dict) -> None:
        spec = result["spec"]
        self.result = result
        header, self.rows = flatten(result)
        self.nlabels = len(spec["rows"])
        self.date_dim = next((d for d in spec["rows"] if d in DATE_DIMS), None)
        self.date_at = spec["rows"].index(self.date_dim) if self.date_dim else -1
        self.vcol = self.nlabels + (1 if self.date_dim else 0)
        if self.date_dim:  # the real date beside the Jalali text
            header = header[:self.nlabels] + ["تاریخ میلادی"] + header[self.nlabels:]
        self.header = header
        self.first = 3
        self.ws = ws = wb.add_worksheet(SHEET)
        ws.right_to_left()
        self.bold = wb.add_format({"bold": True})
        head = wb.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True,
                              "valign": "vcenter", "reading_order": 2})
        count = wb.add_format({"num_format": "#,##0"})
        ratio = wb.add_format({"num_format": "0.0"})
        count_b = wb.add_format({"num_format": "#,##0", "bold": True})
        ratio_b = wb.add_format({"num_format": "0.0", "bold": True})
        self.datef = wb.add_format({"num_format": "yyyy-mm-dd"})
        self.text = wb.add_format({"reading_order": 2})
        measures = spec["measures"]
        ratio_col = [measures[j % len(measures)] in RATIO_MEASURES for j in range(len(header))]
        #: per value column, the format of a plain row and of the total row
        self.formats = ([ratio if r else count for r in ratio_col], [ratio_b if r else count_b for r in ratio_col])
        title = result["name"]
        if result.get("period"):
            title += f" — {result['period']['label']}"
        ws.write(0, 0, title, self.bold)
        # constant_memory: column widths, panes and row heights before the rows they touch
        ws.set_column(0, self.nlabels - 1 if self.nlabels else 0, 28)
        ws.set_column(self.nlabels, len(header) - 1, 14)
        ws.freeze_panes(3, self.vcol)
        ws.set_row(2, 30)
        ws.write_row(2, 0, header, head)
        n = min(len(self.rows) - 1, MAX_CHART_ROWS)
        if n > 0 and self.nlabels:
            # the first measure's column: the row total (after every pivot column)
            mcol = self.vcol + len(result["columns"]) * len(measures)
            chart = wb.add_chart({"type": "bar"})
            first = self.first
            chart.add_series({
                "name": MEASURES[measures[0]],
                "categories": [SHEET, first, 0, first + n - 1, 0],
                "values": [SHEET, first, mcol, first + n - 1, mcol],
            })
            chart.set_title({"name": f"{MEASURES[measures[0]]}"})
            chart.set_legend({"none": True})
            chart.set_y_axis({"reverse": True})
            ws.insert_chart(first + len(self.rows) + 2, 0, chart)

    def serial(self, i: int) -> int | None:
        """Row ``i``'s Excel date serial (1900 system), or None."""
        if not self.date_dim or i == len(self.rows) - 1:
            return None
        day = gregorian_of(self.date_dim, str(self.result["rows"][i]["key"][self.date_at]))
        return None if day is None else (day - EXCEL_EPOCH).days


def to_xlsx_per_cell(result: dict) -> bytes:
    """The earlier writer: xlsxwriter's ``constant_memory`` mode, one call per cell."""
    import os
    import tempfile

    import xlsxwriter

    fd, path = tempfile.mkstemp(suffix=".xlsx")
    os.close(fd)
    try:
        wb = xlsxwriter.Workbook(path, {"constant_memory": True})
        lay = _Layout(wb, result)
        ws, nlabels, vcol = lay.ws, lay.nlabels, lay.vcol
        write_string, write_number, write_blank = ws.write_string, ws.write_number, ws.write_blank
        last = len(lay.rows) - 1
        for i, row in enumerate(lay.rows):
            r = lay.first + i
            total = i == last
            label_fmt = lay.bold if total else lay.text
            for col in range(nlabels):
                write_string(r, col, str(row[col]), label_fmt)
            serial = lay.serial(i)
            if serial is not None:
                write_number(r, nlabels, serial, lay.datef)
            fmts = lay.formats[total]
            for j, v in enumerate(row[nlabels:]):
                if v is None:
                    write_blank(r, vcol + j, None, fmts[j])
                else:
                    write_number(r, vcol + j, v, fmts[j])
        wb.close()
        with open(path, "rb") as fh:
            return fh.read()
    finally:
        os.unlink(path)


def column_letters(n: int) -> str:
    """Excel's column name of the 0-based column ``n`` (0 → A, 26 → AA)."""
    out = ""
    n += 1
    while n:
        n, rem = divmod(n - 1, 26)
        out = chr(65 + rem) + out
    return out


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_ESCAPE_LIKE = re.compile(r"_(x[0-9A-Fa-f]{4})_")


def shared_string_xml(text: str) -> str:
    """One ``<si>`` of the shared strings table: XML-escaped, control characters as
    Excel's ``_xHHHH_`` (and a literal ``_xHHHH_`` kept literal), spaces at the ends kept."""
    text = _ESCAPE_LIKE.sub(r"_x005F_\1_", text)
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    text = _CONTROL.sub(lambda m: f"_x{ord(m.group()):04X}_", text)
    if text != text.strip():
        return f'<si><t xml:space="preserve">{text}</t></si>'
    return f"<si><t>{text}</t></si>"


def number_xml(v: Any) -> str | None:
    """A cell value as the text of ``<v>`` (as xlsxwriter writes it: ``%.16G``); None for
    none or a value Excel cannot hold (NaN, infinity): the cell is left blank."""
    if v is None:
        return None
    if isinstance(v, int):  # bool too
        return str(int(v))
    f = float(v)
    if not math.isfinite(f):
        return None
    return f"{f:.16G}"


def to_xlsx(result: dict) -> bytes:
    """The workbook's bytes; the data rows streamed into xlsxwriter's sheet part."""
    import xlsxwriter

    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True})
    lay = _Layout(wb, result)
    # the style index of each format (assigned now, so styles.xml carries every one)
    label_s = (lay.text._get_xf_index(), lay.bold._get_xf_index())
    date_s = lay.datef._get_xf_index()
    value_s = [[f._get_xf_index() for f in fmts] for fmts in lay.formats]
    wb.close()
    with zipfile.ZipFile(io.BytesIO(buf.getvalue())) as src:
        parts = {name: src.read(name) for name in src.namelist()}
        order = src.namelist()
    sheet = parts[SHEET_PART].decode("utf-8")
    strings = parts[STRINGS_PART].decode("utf-8")  # the title and the header are strings
    head, tail = _split_sheet_data(sheet)
    known = int(re.search(r'uniqueCount="(\d+)"', strings).group(1))  # type: ignore[union-attr]
    ncols = len(lay.header)
    last_row = lay.first + len(lay.rows)  # 1-based number of the last row
    head = re.sub(r'<dimension ref="[^"]*"/>',
                  f'<dimension ref="A1:{column_letters(max(ncols, 1) - 1)}{last_row}"/>', head, count=1)

    index: dict[str, int] = {}
    new_strings: list[str] = []
    uses = [0]  # string cells written
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=3) as dst:
        for name in order:
            if name in (SHEET_PART, STRINGS_PART):
                continue
            dst.writestr(name, parts[name])
        with dst.open(SHEET_PART, "w") as fh:
            fh.write(head.encode("utf-8"))
            for chunk in _rows_xml(lay, label_s, date_s, value_s, index, new_strings, known, uses):
                fh.write(chunk.encode("utf-8"))
            fh.write(tail.encode("utf-8"))
        dst.writestr(STRINGS_PART, _extend_strings(strings, new_strings, uses[0]).encode("utf-8"))
    return out.getvalue()


def _split_sheet_data(sheet: str) -> tuple[str, str]:
    """The sheet part cut where the data rows go: after xlsxwriter's own rows (title and
    header), before ``</sheetData>``."""
    at = sheet.find("</sheetData>")
    if at >= 0:
        return sheet[:at], sheet[at:]
    at = sheet.index("<sheetData/>")
    return sheet[:at] + "<sheetData>", "</sheetData>" + sheet[at + len("<sheetData/>"):]


def _extend_strings(strings: str, new: list[str], uses: int) -> str:
    """xlsxwriter's shared strings table with ``new`` appended (their indices follow its own)."""
    def counts(m: re.Match) -> str:
        return f'count="{int(m.group(1)) + uses}" uniqueCount="{int(m.group(2)) + len(new)}"'

    strings = re.sub(r'count="(\d+)" uniqueCount="(\d+)"', counts, strings, count=1)
    at = strings.rindex("</sst>")
    return strings[:at] + "".join(new) + strings[at:]


def _rows_xml(lay: _Layout, label_s: tuple[int, int], date_s: int, value_s: list[list[int]],
              index: dict[str, int], new_strings: list[str], known: int, uses: list[int]):
    """The data rows as XML text, a chunk of rows at a time; ``index``, ``new_strings``
    and ``uses`` are filled with the shared strings the rows refer to."""
    strings_used = 0
    nlabels, vcol = lay.nlabels, lay.vcol
    letters = [column_letters(c) for c in range(len(lay.header))]
    date_letter = letters[nlabels] if lay.date_dim else ""
    nvalues = len(lay.header) - vcol
    last = len(lay.rows) - 1
    span = f"1:{len(lay.header)}"
    # per label column, per label: the cell after its reference ('" s=.. t="s"><v>k</v></c>')
    label_cells: list[list[dict[str, str]]] = [[{} for _ in range(nlabels)] for _ in (0, 1)]
    # per value column: its letter and the style attribute of a plain and of the total row
    value_cols = [(letters[vcol + j], f'" s="{value_s[0][j]}"', f'" s="{value_s[1][j]}"') for j in range(nvalues)]
    label_cols = [(letters[c], c) for c in range(nlabels)]
    buf: list[str] = []
    append = buf.append
    for i, row in enumerate(lay.rows):
        r = lay.first + i + 1  # 1-based
        total = i == last
        cells = label_cells[total]
        append(f'<row r="{r}" spans="{span}">')
        for letter, col in label_cols:
            label = str(row[col])
            tail = cells[col].get(label)
            if tail is None:
                if not label:
                    tail = f'" s="{label_s[total]}"/>'
                else:
                    k = index.get(label)
                    if k is None:
                        k = index[label] = known + len(new_strings)
                        new_strings.append(shared_string_xml(label))
                    tail = f'" s="{label_s[total]}" t="s"><v>{k}</v></c>'
                cells[col][label] = tail
            append(f'<c r="{letter}{r}{tail}')
            strings_used += bool(label)
        if date_letter:
            serial = lay.serial(i)
            if serial is not None:
                append(f'<c r="{date_letter}{r}" s="{date_s}"><v>{serial}</v></c>')
        at = nlabels
        for letter, plain, bold in value_cols:
            v = row[at]
            at += 1
            text = str(v) if type(v) is int else number_xml(v)
            if text is None:
                append(f'<c r="{letter}{r}{bold if total else plain}/>')
            else:
                append(f'<c r="{letter}{r}{bold if total else plain}><v>{text}</v></c>')
        append("</row>")
        if len(buf) >= CHUNK_ROWS * 8:
            yield "".join(buf)
            buf.clear()
    uses[0] = strings_used
    yield "".join(buf)
