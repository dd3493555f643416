"""A report result as a printable PDF: A4 (landscape when the table is wide), right to
left, Persian shaped and ordered by a real text engine (WeasyPrint: Pango and HarfBuzz),
in an installed Persian font (``fonts-farsiweb``'s Nazli, installed by ``.ci/run``;
DejaVu Sans as the fallback). WeasyPrint is the optional ``pdf`` extra.

Under the table, the first measure's row totals as a bar chart drawn in HTML (one bar a
row, its length to scale), so its Persian labels go through the same text engine as the
table; the XLSX export draws the same chart as a native Excel chart."""

from __future__ import annotations

from html import escape

from samad_desk.reports.render import TOTAL, flatten, number_text
from samad_desk.reports.spec import DIMENSIONS, MEASURES, RATIO_MEASURES

MAX_CHART_ROWS = 30
FONTS = '"Nazli", "Vazirmatn", "Noto Sans Arabic", "DejaVu Sans", sans-serif'


class PdfUnavailable(RuntimeError):
    """WeasyPrint is not installed; ``str()`` is Persian."""


def chart_bars(result: dict) -> list[tuple[str, str, float]]:
    """(label, value text, bar length in % of the longest) for the chart: the first
    measure's row total of each row (the grand total left out), at most ``MAX_CHART_ROWS``
    rows. Empty when the report has no row dimension or nothing to draw."""
    spec = result["spec"]
    if not spec["rows"] or not result["rows"]:
        return []
    measure = spec["measures"][0]
    pairs = [(" / ".join(r["labels"]), r["values"].get(measure)) for r in result["rows"][:MAX_CHART_ROWS]]
    top = max((v for _, v in pairs if v), default=0)
    if measure in RATIO_MEASURES:
        top = max(top, 100)
    return [(label, number_text(v, measure), round(100 * v / top, 1) if top and v else 0.0)
            for label, v in pairs]


def _chart_html(result: dict) -> str:
    bars = chart_bars(result)
    if not bars:
        return ""
    lines = "".join(
        f"<tr><td class='label'>{escape(label)}</td>"
        f"<td class='bar'><div style='width: {length}%'></div></td>"
        f"<td class='num'>{escape(text)}</td></tr>"
        for label, text, length in bars)
    name = MEASURES[result["spec"]["measures"][0]]
    return f"<h2>نمودار: {escape(name)}</h2><table class='chart'>{lines}</table>"


def to_html(result: dict) -> str:
    spec = result["spec"]
    header, rows = flatten(result)
    nl = len(spec["rows"])
    measures = spec["measures"]
    wide = len(header) > 8
    title = escape(result["name"])
    sub = ""
    if result.get("period"):
        sub = escape(result["period"]["label"])
        if result.get("previous_period"):
            sub += f" — دوره قبل: {escape(result['previous_period']['label'])}"
    dims = "، ".join(DIMENSIONS[d] for d in spec["rows"] + spec["columns"])
    head = "".join(f"<th>{escape(h)}</th>" for h in header)
    body = []
    for i, row in enumerate(rows):
        total = i == len(rows) - 1
        cells = [f"<td class='label'>{escape(str(v))}</td>" for v in row[:nl]]
        for j, v in enumerate(row[nl:]):
            cells.append(f"<td class='num'>{escape(number_text(v, measures[j % len(measures)]))}</td>")
        body.append(f"<tr class='{'total' if total else ''}'>{''.join(cells)}</tr>")
    return f"""<!doctype html>
<html lang="fa" dir="rtl"><head><meta charset="utf-8"><title>{title}</title>
<style>
@page {{ size: A4 {'landscape' if wide else 'portrait'}; margin: 15mm;
        @bottom-center {{ content: counter(page) " / " counter(pages); font-family: {FONTS}; }} }}
body {{ font-family: {FONTS}; font-size: 11pt; direction: rtl; }}
h1 {{ font-size: 16pt; margin: 0 0 2mm 0; }}
p.sub {{ color: #444; margin: 0 0 5mm 0; }}
table {{ border-collapse: collapse; width: 100%; }}
th, td {{ border: 0.5pt solid #888; padding: 1.5mm 2mm; }}
th {{ background: #DDEBF7; font-weight: bold; }}
td.num {{ text-align: left; }}
tr.total td {{ font-weight: bold; border-top: 1.5pt solid #000; }}
thead {{ display: table-header-group; }}
h2 {{ font-size: 13pt; margin: 6mm 0 2mm 0; page-break-after: avoid; }}
table.chart {{ width: 75%; }}
table.chart td {{ border: none; padding: 0.8mm 2mm; }}
table.chart td.label {{ width: 30%; }}
table.chart td.bar {{ width: 60%; }}
table.chart td.num {{ width: 10%; text-align: right; }}
table.chart td.bar div {{ background: #2E75B6; height: 3.5mm; }}
table.chart tr {{ page-break-inside: avoid; }}
</style></head>
<body><h1>{title}</h1><p class="sub">{sub}{' | ' if sub and dims else ''}{escape(dims)}</p>
<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>
<p class="sub">سطر پایانی: {TOTAL}</p>
{_chart_html(result)}
</body></html>"""


def to_pdf(result: dict) -> bytes:
    try:
        from weasyprint import HTML
    except (ImportError, OSError) as exc:  # OSError: Pango missing
        raise PdfUnavailable("خروجی PDF در دسترس نیست: WeasyPrint نصب نیست "
                             f"(pip install 'samad-desk[pdf]'). ({exc})") from None
    return HTML(string=to_html(result)).write_pdf()
