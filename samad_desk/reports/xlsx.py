"""A report result as an Excel workbook (xlsxwriter): a right-to-left sheet with Persian
headers, numbers as numbers (counts ``#,##0``, percentages and days ``0.0``), Jalali
dates as text beside real date cells (day, week and month rows), the total row in bold,
and the first measure as a native Excel bar chart."""

from __future__ import annotations

import io
from datetime import date

from samad_desk.reports.render import flatten
from samad_desk.reports.spec import MEASURES, RATIO_MEASURES
from samad_desk.text.jalali import jalali_to_gregorian

DATE_DIMS = ("day", "week", "month")
MAX_CHART_ROWS = 50


def gregorian_of(dim: str, key: str) -> date | None:
    """The Gregorian date of a Jalali day/week/month key (a month: its first day)."""
    try:
        parts = [int(p) for p in key.split("/")]
        if dim == "month":
            parts.append(1)
        return jalali_to_gregorian(*parts)
    except (ValueError, TypeError):
        return None


def to_xlsx(result: dict) -> bytes:
    import xlsxwriter

    spec = result["spec"]
    header, rows = flatten(result)
    date_dim = next((d for d in spec["rows"] if d in DATE_DIMS), None)
    nlabels = len(spec["rows"])
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True})
    ws = wb.add_worksheet("گزارش")
    ws.right_to_left()
    bold = wb.add_format({"bold": True})
    head = wb.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True,
                          "valign": "vcenter", "reading_order": 2})
    count = wb.add_format({"num_format": "#,##0"})
    ratio = wb.add_format({"num_format": "0.0"})
    count_b = wb.add_format({"num_format": "#,##0", "bold": True})
    ratio_b = wb.add_format({"num_format": "0.0", "bold": True})
    datef = wb.add_format({"num_format": "yyyy-mm-dd"})
    text = wb.add_format({"reading_order": 2})

    title = result["name"]
    if result.get("period"):
        title += f" — {result['period']['label']}"
    ws.write(0, 0, title, bold)
    if date_dim:  # the real date beside the Jalali text
        header = header[:nlabels] + ["تاریخ میلادی"] + header[nlabels:]
    ws.write_row(2, 0, header, head)
    ws.set_row(2, 30)
    measures = spec["measures"]
    first = 3
    for i, row in enumerate(rows):
        r = first + i
        total = i == len(rows) - 1
        keys = result["rows"][i]["key"] if not total else None
        cells = list(row)
        col = 0
        for v in cells[:nlabels]:
            ws.write_string(r, col, str(v), bold if total else text)
            col += 1
        if date_dim:
            day = gregorian_of(date_dim, str(keys[spec["rows"].index(date_dim)])) if keys else None
            if day is not None:
                ws.write_datetime(r, col, day, datef)
            col += 1
        for j, v in enumerate(cells[nlabels:]):
            m = measures[j % len(measures)]
            fmt = (ratio_b if total else ratio) if m in RATIO_MEASURES else (count_b if total else count)
            if v is None:
                ws.write_blank(r, col, None, fmt)
            else:
                ws.write_number(r, col, v, fmt)
            col += 1
    ws.set_column(0, nlabels - 1 if nlabels else 0, 28)
    ws.set_column(nlabels, len(header) - 1, 14)
    ws.freeze_panes(3, nlabels + (1 if date_dim else 0))
    n = min(len(rows) - 1, MAX_CHART_ROWS)
    if n > 0 and nlabels:
        # the first measure's column: the row total (after every pivot column)
        mcol = (1 if date_dim else 0) + nlabels + len(result["columns"]) * len(measures)
        chart = wb.add_chart({"type": "bar"})
        chart.add_series({
            "name": MEASURES[measures[0]],
            "categories": ["گزارش", first, 0, first + n - 1, 0],
            "values": ["گزارش", first, mcol, first + n - 1, mcol],
        })
        chart.set_title({"name": f"{MEASURES[measures[0]]}"})
        chart.set_legend({"none": True})
        chart.set_y_axis({"reverse": True})
        ws.insert_chart(first + len(rows) + 2, 0, chart)
    wb.close()
    return buf.getvalue()
