"""A report result on the desk's screen: its rows as :class:`CaseTable` rows with their
columns (the pivot's shown columns, the previous period), the saved-spec list's columns,
and the result as chart lines (bars for categories, a column sparkline over time, one
sparkline per row when the pivot's columns are a time dimension; characters, readable
without colour). Pure functions of a result; the report screen mounts them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from samad_desk.reports.deadlines import DeadlineCue
from samad_desk.reports.render import TOTAL, number_text
from samad_desk.reports.responsiveness import bar_chart
from samad_desk.reports.spec import DIMENSIONS, MEASURES, ReportSpec
from samad_desk.reports.timeline import TIME_DIMENSIONS, line_chart, spark, time_key
from samad_desk.text import rtl
from samad_desk.widgets.cases.table import Col

#: pivot columns shown on the screen at most (the newest for a time dimension); the
#: total column is always there, and the CLI/exports hold every column
MAX_PIVOT_COLUMNS = 5

#: the chart of a result with no rows (the table says the same: «پرونده‌ای نیست.»)
EMPTY_CHART = "پرونده‌ای برای این گزارش نیست."


@dataclass
class ReportRow:
    """One result row as a table row (``id`` and ``cue`` are what CaseTable needs)."""

    key: tuple
    labels: list[str]
    values: dict[str, Any]
    previous: dict[str, Any] | None = None
    total: bool = False
    cells: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def id(self) -> str:
        return "|".join(map(str, self.key)) if not self.total else "__total__"

    @property
    def cue(self) -> DeadlineCue:
        return DeadlineCue("", "ok", None)


def pivot_keys(result: dict, spec: ReportSpec) -> list[dict]:
    """The pivot columns the screen shows (time dimensions: the newest)."""
    cols = list(result.get("columns") or [])
    if spec.columns and spec.columns[0] in TIME_DIMENSIONS:
        cols.sort(key=lambda c: time_key(c["key"][0]))
        return cols[-MAX_PIVOT_COLUMNS:]
    return cols[:MAX_PIVOT_COLUMNS]


def report_columns(spec: ReportSpec, compare: bool, pivot: list[dict] | None = None) -> list[Col]:
    title = " / ".join(DIMENSIONS[d] for d in spec.rows)
    cols = [Col("label", title, 0, lambda r: " / ".join(r.labels), min_width=10)]
    if spec.columns:
        m = spec.measures[0]
        for c in pivot or []:
            cid = c["id"]
            cols.append(Col(f"col:{cid}", " / ".join(c["labels"]), 9,
                            lambda r, cid=cid: number_text((r.cells.get(cid) or {}).get(m), m)))
        cols.append(Col(m, TOTAL, 7, lambda r: number_text(r.values.get(m), m)))
        return cols
    for m in spec.measures:
        cols.append(Col(m, MEASURES[m], max(6, min(12, len(MEASURES[m]) + 1)),
                        lambda r, m=m: number_text(r.values.get(m), m)))
    if compare:
        m = spec.measures[0]
        cols.append(Col("prev", "دوره قبل", 9,
                        lambda r, m=m: number_text((r.previous or {}).get(m), m)))
    return cols


def saved_columns() -> list[Col]:
    return [
        Col("name", "نام گزارش", 0, lambda r: r.name, min_width=12),
        Col("owner", "ساخته", 14, lambda r: "خودم" if r.mine else (r.owner_name or r.owner)),
        Col("shared", "اشتراک", 8, lambda r: "استان" if r.shared else "—"),
        Col("sync", "سرور", 8, lambda r: "در صف" if r.pending else "✓"),
    ]


def report_chart_lines(spec: ReportSpec, result: dict, width: int) -> list[str]:
    """Bars of the first measure per row; over time (rows a time dimension) a column
    sparkline; with time columns one sparkline per row. The total row is left out."""
    m = spec.measures[0]
    title = f"{MEASURES[m]} به تفکیک {' / '.join(DIMENSIONS[d] for d in spec.rows)}"
    rows = result["rows"]
    if not rows:
        return [rtl.truncate(title, width), rtl.truncate(EMPTY_CHART, width)]
    if len(spec.rows) == 1 and spec.rows[0] in TIME_DIMENSIONS and not spec.columns:
        ordered = sorted(rows, key=lambda r: time_key(r["key"][0]))
        points = [(" / ".join(r["labels"]), r["values"].get(m), number_text(r["values"].get(m), m))
                  for r in ordered]
        return line_chart(points, width, title=title)
    if spec.columns and spec.columns[0] in TIME_DIMENSIONS:
        cols = sorted(result.get("columns") or [], key=lambda c: time_key(c["key"][0]))
        n = max(1, min(len(cols), width // 3))
        cols = cols[-n:]
        head = f"{title} — روند در {DIMENSIONS[spec.columns[0]]}: {cols[0]['labels'][0]} تا " \
            f"{cols[-1]['labels'][0]}" if cols else title
        top = max((float((r.get("cells") or {}).get(c["id"], {}).get(m) or 0) for r in rows for c in cols),
                  default=0) or 1
        out = [rtl.truncate(head, width)]
        label_w = max(8, width - n - 10)
        for r in rows:
            series = [(r.get("cells") or {}).get(c["id"], {}).get(m) for c in cols]
            total = number_text(r["values"].get(m), m)
            line = f"{rtl.truncate(total, 7, base='rtl')} {spark(series, top)} " \
                f"{rtl.truncate(' / '.join(r['labels']), label_w)}"
            out.append(line[:width].ljust(width))
        return out
    items = [(" / ".join(r["labels"]), float(r["values"].get(m) or 0), number_text(r["values"].get(m), m))
             for r in rows]
    return [rtl.truncate(title, width), *bar_chart(items, width)]
