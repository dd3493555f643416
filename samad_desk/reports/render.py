"""A report result (``Result.to_json()``) as a flat table, CSV (UTF-8 with BOM, so Excel
reads the Persian), JSON, or text lines for the terminal (right to left, through the
project's RTL engine)."""

from __future__ import annotations

import csv
import io
from typing import Any

import orjson

from samad_desk.reports.spec import DIMENSIONS, MEASURES, RATIO_MEASURES
from samad_desk.text import rtl
from samad_desk.text.digits import fa

TOTAL = "جمع"
PREVIOUS = "دوره قبل"
CHANGE = "تغییر"


def number_text(value: Any, measure: str) -> str:
    """A measure value as the operator reads it: Persian digits, «—» for none."""
    if value is None:
        return "—"
    if measure in RATIO_MEASURES:
        return fa(f"{value:.1f}").replace(".", "٫")
    return fa(value)


def change(now: Any, before: Any) -> float | int | None:
    if now is None or before is None:
        return None
    d = now - before
    return round(d, 2) if isinstance(d, float) else d


def flatten(result: dict) -> tuple[list[str], list[list[Any]]]:
    """Header and rows (raw values) of the pivot: row labels, then per column value each
    measure, then the row total per measure, then (comparing) the previous period and the
    change. The last row is the grand total."""
    spec = result["spec"]
    rows_dims = spec["rows"]
    measures = spec["measures"]
    columns = result["columns"]
    compare = result.get("previous_total") is not None
    header = [DIMENSIONS[d] for d in rows_dims]
    for c in columns:
        header += [f"{' / '.join(c['labels'])} — {MEASURES[m]}" for m in measures]
    header += [f"{TOTAL} — {MEASURES[m]}" if columns else MEASURES[m] for m in measures]
    if compare:
        header += [f"{MEASURES[m]} ({PREVIOUS})" for m in measures]
        header += [f"{CHANGE} {MEASURES[m]}" for m in measures]
    out: list[list[Any]] = []

    def line(labels: list[str], cells: dict, values: dict, previous: dict | None) -> list[Any]:
        row: list[Any] = list(labels)
        for c in columns:
            cell = cells.get(c["id"]) or {}
            row += [cell.get(m, 0 if m not in RATIO_MEASURES else None) for m in measures]
        row += [values[m] for m in measures]
        if compare:
            prev = previous or {}
            row += [prev.get(m) for m in measures]
            row += [change(values[m], prev.get(m)) for m in measures]
        return row

    for r in result["rows"]:
        out.append(line(r["labels"], r.get("cells") or {}, r["values"], r.get("previous")))
    total_cells = {c["id"]: c["values"] for c in columns}
    total_labels = [TOTAL] + [""] * (len(rows_dims) - 1) if rows_dims else []
    out.append(line(total_labels, total_cells, result["total"], result.get("previous_total")))
    return header, out


def to_csv(result: dict) -> bytes:
    """UTF-8 with a byte-order mark; numbers as plain ASCII numbers."""
    header, rows = flatten(result)
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(header)
    for row in rows:
        w.writerow(["" if v is None else v for v in row])
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


def to_json_bytes(result: dict) -> bytes:
    return orjson.dumps(result, option=orjson.OPT_INDENT_2)


def _measure_of(header_index: int, result: dict) -> str | None:
    """The measure a flattened column holds (None for a label column)."""
    spec = result["spec"]
    n = len(spec["rows"])
    if header_index < n:
        return None
    return spec["measures"][(header_index - n) % len(spec["measures"])]


def text_cells(result: dict) -> tuple[list[str], list[list[str]]]:
    """Header and rows as display text (Persian digits)."""
    header, rows = flatten(result)
    shown = []
    for row in rows:
        shown.append([str(v) if _measure_of(i, result) is None else number_text(v, _measure_of(i, result) or "")
                      for i, v in enumerate(row)])
    return header, shown


#: the narrowest table ``to_lines`` draws (a narrower ``width`` is taken as this)
MIN_WIDTH = 20


def to_lines(result: dict, width: int = 100) -> list[str]:
    """Visual lines (each at most ``width`` cells): the title, then the table with its
    first column at the right, as a right-to-left page reads. Too wide: whole columns are
    left out from the left end (the labels and the first measures stay) and a last line
    says how many; a column is never cut (a cut «۵۳» read «۳»)."""
    header, rows = text_cells(result)
    ncol = len(header)
    widths = [max(rtl.text_cells(h) for h in [header[i], *(r[i] for r in rows)]) for i in range(ncol)]
    widths = [min(max(4, w), 28) for w in widths]
    sep = " │ "
    width = max(width, MIN_WIDTH)

    def span(n: int) -> int:
        return sum(widths[:n]) + len(sep) * (n - 1)

    keep = ncol
    while keep > 1 and span(keep) > width:
        keep -= 1
    widths[0] = min(widths[0], width if keep == 1 else widths[0])

    def visual(cells: list[str]) -> str:
        parts = [rtl.truncate(c, w) for c, w in zip(cells[:keep], widths[:keep], strict=True)]
        return sep.join(reversed(parts))

    title = result["name"]
    if result.get("period"):
        title += f" — {result['period']['label']}"
        if result.get("previous_period"):
            title += f" ({PREVIOUS}: {result['previous_period']['label']})"
    line_width = span(keep)
    lines = [rtl.truncate(title, min(width, max(line_width, rtl.text_cells(title))))]
    lines.append(visual(header))
    lines.append("─" * line_width)
    lines += [visual(r) for r in rows[:-1]]
    lines.append("─" * line_width)
    lines.append(visual(rows[-1]))
    if result.get("total_rows", 0) > len(result["rows"]):
        lines.append(rtl.truncate(f"{fa(len(result['rows']))} سطر نخست از {fa(result['total_rows'])}",
                                  line_width))
    if keep < ncol:
        lines.append(rtl.truncate(f"{fa(ncol - keep)} ستون دیگر جا نشد؛ همه در خروجی پرونده هست.", width))
    return lines
