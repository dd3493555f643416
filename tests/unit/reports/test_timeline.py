"""The report screen's charts over time (characters only) and the scorecard's trend mark."""

from __future__ import annotations

from samad_desk.reports.scorecard import ScoreRow
from samad_desk.reports.timeline import line_chart, spark, time_key


def test_line_chart_columns_scale_to_the_top_value() -> None:
    points = [("فروردین", 2.0, "۲"), ("اردیبهشت", 8.0, "۸"), ("خرداد", None, "—"), ("تیر", 4.0, "۴")]
    lines = line_chart(points, 40, height=4, title="پرونده‌ها")
    assert len(lines) == 1 + 4 + 2 and all(len(x) == 40 for x in lines)
    plot = [x[x.index("│") + 1:] for x in lines[1:5]]
    per = lines[5].count("─") // 4
    col = [[row[i * per] for row in plot] for i in range(4)]
    assert col[1] == ["█"] * 4  # the top value fills its column
    assert col[0][:3] == [" "] * 3 and col[0][3] == "█"  # 2 of 8: one row of four
    assert col[2] == [" ", " ", " ", "·"]  # no value: a dot on the axis
    assert col[3][2:] == ["█", "█"] and col[3][:2] == [" ", " "]
    assert lines[1].lstrip().startswith("۸")  # the top value on the axis
    assert "ﻦﯾﺩﺭﻭﺮﻓ" in lines[-1] and "ﺮﯿﺗ" in lines[-1]  # first and last labels, shaped


def test_spark_and_time_order() -> None:
    assert spark([0, 50, 100, None]) == "▁▄█·"
    assert sorted(["1404/10", "1404/2", "1403/12"], key=time_key) == ["1403/12", "1404/2", "1404/10"]


def test_trend_mark() -> None:
    def row(trend):
        return ScoreRow("a", "a", "m", {}, trend=trend)

    assert row([50.0, 70.0, 80.0]).trend_mark == "▲"
    assert row([90.0, None, 80.0]).trend_mark == "▼"
    assert row([80.0, 80.4]).trend_mark == "="
    assert row([None, None, 80.0]).trend_mark == "·" and row([70.0, None]).trend_mark == "·"


def test_a_chart_with_no_rows_says_so() -> None:
    """A result with no rows (a report run before the first pull, or a filter that matches
    nothing) drew its title alone, a chart that looked broken."""
    from samad_desk.reports.spec import spec_from_dict
    from samad_desk.text import rtl
    from samad_desk.widgets.cases.report_view import EMPTY_CHART, report_chart_lines

    spec = spec_from_dict({"name": "t", "rows": ["agency"], "measures": ["cases"]})
    empty = report_chart_lines(spec, {"rows": [], "columns": []}, 60)
    assert len(empty) == 2 and empty[1] == rtl.truncate(EMPTY_CHART, 60)
    one = report_chart_lines(spec, {"rows": [{"key": ["a"], "labels": ["الف"], "values": {"cases": 3}}]}, 60)
    assert len(one) == 2 and "█" in one[1]
