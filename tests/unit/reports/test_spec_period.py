"""Report specs (TOML and JSON, Persian errors naming the field) and Jalali periods."""

from __future__ import annotations

from datetime import date

import pytest

from samad_desk.reports.period import PeriodError, resolve_period
from samad_desk.reports.spec import SpecError, parse_spec

TOML = """
name = "پاسخگویی"
rows = ["agency"]
columns = ["month"]
measures = ["cases", "in_time_pct"]
period = "۱۴۰۴"
compare = true
top = 5
[filters]
type = ["complaint"]
"""


def test_toml_and_json_give_the_same_spec():
    a = parse_spec(TOML)
    b = parse_spec('{"name": "پاسخگویی", "rows": ["agency"], "columns": ["month"], "measures": '
                   '["cases", "in_time_pct"], "period": "۱۴۰۴", "compare": true, "top": 5, '
                   '"filters": {"type": "complaint"}}')
    assert a == b
    assert a.filters == {"type": ("complaint",)} and a.dims == ("agency", "month")
    assert parse_spec(TOML).to_dict()["top"] == 5


@pytest.mark.parametrize("text,words", [
    ('name = "x"\nmeasures = ["speed"]', ["«speed»", "measures"]),
    ('name = "x"\nrows = ["city"]\ncolumns = ["city"]', ["سطرها"]),
    ('name = "x"\ncolumns = ["city", "type"]', ["columns"]),
    ('rows = ["city"]', ["name"]),
    ('name = "x"\nperiod = "1404/13"', ["ماه"]),
    ('name = "x"\ncompare = true', ["period"]),
    ('name = "x"\ntop = 0', ["top"]),
    ('name = "x"\n[filters]\nspeed = ["1"]', ["«speed»"]),
    ('name = "x"\nrows = ', ["TOML"]),
])
def test_bad_specs_say_what_is_wrong(text, words):
    with pytest.raises(SpecError) as e:
        parse_spec(text)
    for w in words:
        assert w in str(e.value)


TODAY = date(2025, 4, 30)  # 1404/02/10


@pytest.mark.parametrize("text,start,end,prev_start,prev_end", [
    ("1403", "2024-03-20", "2025-03-20", "2023-03-21", "2024-03-19"),  # 1403 is a leap year (366 days)
    ("1403/12", "2025-02-19", "2025-03-20", "2025-01-20", "2025-02-18"),  # Esfand 1403: 30 days
    ("1402/12", "2024-02-20", "2024-03-19", "2024-01-21", "2024-02-19"),  # Esfand 1402: 29 days
    ("این ماه", "2025-04-21", "2025-05-21", "2025-03-21", "2025-04-20"),
    ("last_month", "2025-03-21", "2025-04-20", "2025-02-19", "2025-03-20"),
    ("۳۰ روز گذشته", "2025-04-01", "2025-04-30", "2025-03-02", "2025-03-31"),
    ("1404/01/01..1404/01/10", "2025-03-21", "2025-03-30", "2025-03-11", "2025-03-20"),
    ("۱۴۰۴/۰۱/۰۱ تا ۱۴۰۴/۰۱/۱۰", "2025-03-21", "2025-03-30", "2025-03-11", "2025-03-20"),
])
def test_periods(text, start, end, prev_start, prev_end):
    p = resolve_period(text, TODAY)
    assert (p.start_iso, p.end_iso) == (start, end)
    q = p.previous()
    assert (q.start_iso, q.end_iso) == (prev_start, prev_end)


@pytest.mark.parametrize("text", ["1404/00", "فردا", "1404/01/10..1404/01/01", "1402/12/30..1403/01/01",
                                  "last_0_days"])
def test_bad_periods(text):
    with pytest.raises(PeriodError):
        resolve_period(text, TODAY)
