"""The PDF's bar chart: the first measure's row totals, to scale, the grand total left out."""

from samad_desk.reports.pdf import MAX_CHART_ROWS, chart_bars, to_html


def _result(measures, rows, row_dims=("agency",)):
    return {
        "name": "آزمون",
        "spec": {"rows": list(row_dims), "columns": [], "measures": list(measures)},
        "columns": [],
        "rows": [{"labels": [label], "values": values} for label, values in rows],
        "total": {m: sum((v.get(m) or 0) for _, v in rows) for m in measures},
    }


def test_bars_are_to_scale_of_the_largest_row():
    r = _result(["cases"], [("آب", {"cases": 10}), ("برق", {"cases": 5}), ("گاز", {"cases": 0})])
    assert chart_bars(r) == [("آب", "۱۰", 100.0), ("برق", "۵", 50.0), ("گاز", "۰", 0.0)]


def test_a_percentage_is_drawn_against_100_not_the_largest_row():
    r = _result(["in_time_pct", "cases"], [("آب", {"in_time_pct": 50.0, "cases": 2}),
                                          ("برق", {"in_time_pct": None, "cases": 1})])
    assert chart_bars(r) == [("آب", "۵۰٫۰", 50.0), ("برق", "—", 0.0)]


def test_no_row_dimension_no_chart_and_long_reports_are_cut():
    assert chart_bars(_result(["cases"], [], row_dims=())) == []
    many = _result(["cases"], [(f"r{i}", {"cases": i + 1}) for i in range(MAX_CHART_ROWS + 5)])
    bars = chart_bars(many)
    assert len(bars) == MAX_CHART_ROWS and bars[-1][2] == 100.0


def test_the_chart_is_in_the_page_under_the_table():
    html = to_html(_result(["cases"], [("آب", {"cases": 4}), ("برق", {"cases": 1})]))
    assert html.index("</table>") < html.index("نمودار: پرونده‌ها")
    assert "width: 100.0%" in html and "width: 25.0%" in html
