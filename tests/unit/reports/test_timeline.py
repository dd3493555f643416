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
