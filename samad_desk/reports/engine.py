"""The one report engine: partial sums in, a pivot with totals, top-N and the previous
period out.

An executor (``reports/memory.py`` on the desk, ``central/reports.py`` on the server)
groups facts (``reports/facts.py``) by :func:`plan`'s ``group`` columns and returns
*parts*: ``{key tuple: [sum of each of SUM_COLS]}``. Everything after that — derived
dimensions (deadline band), overdue, medians, totals, order, top-N, comparison, labels —
happens here, once, for both executors; so they agree whenever their parts agree.
"""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from samad_desk.domain.models import CaseState, CaseType, Channel, Urgency
from samad_desk.domain.sla import WorkingCalendar
from samad_desk.reports.deadlines import remaining_days
from samad_desk.reports.facts import SUM_COLS
from samad_desk.reports.period import Period, resolve_period
from samad_desk.reports.spec import DERIVED_DIMENSIONS, DIMENSIONS, MEASURES, ReportSpec
from samad_desk.text.digits import fa
from samad_desk.text.jalali import JALALI_MONTHS

_I = {c: i for i, c in enumerate(SUM_COLS)}

BANDS = {"overdue": "معوق", "today": "امروز", "soon": "۱ تا ۳ روز", "ok": "بیش از ۳ روز", "none": "بدون مهلت"}
SEASONS = ("بهار", "تابستان", "پاییز", "زمستان")


@dataclass(frozen=True)
class Plan:
    """What an executor groups by: the spec's stored dimensions, then ``due`` and
    ``open`` when the deadline band is a dimension or a filter. ``filters``: the spec's
    filters on stored dimensions (derived ones are applied here); ``need_hist``: the
    answer-days histogram is wanted (a median); ``today``: the ISO day overdue counts
    against."""

    stored: tuple[str, ...]
    band: bool
    need_hist: bool
    filters: dict[str, tuple[str, ...]]
    today: str
    #: the SUM_COLS the measures read (the others may be left 0); ``need_overdue``: count it
    sums: frozenset[str] = frozenset(SUM_COLS)
    need_overdue: bool = True
    #: the duplicate citizens found (merges, ``facts.duplicate_facts``) are counted too
    need_dups: bool = False

    @property
    def group(self) -> tuple[str, ...]:
        return self.stored + (("due", "open") if self.band else ())


#: the SUM_COLS each measure reads
MEASURE_SUMS: dict[str, tuple[str, ...]] = {
    "cases": ("n",), "open": ("open",), "overdue": (), "answered": ("answered",),
    "in_time_pct": ("in_time", "answered"), "mean_days": ("days_sum", "days_n"), "median_days": (),
    "extensions": ("extensions",), "returns": ("returns",), "rereferrals": ("rereferrals",),
    "followups": ("followups",), "satisfaction_pct": ("sat_yes", "sat_asked"),
    "objection_pct": ("objected", "answered"), "duplicates": (),
}


def plan(spec: ReportSpec, today: date) -> Plan:
    return Plan(
        stored=tuple(d for d in spec.dims if d not in DERIVED_DIMENSIONS),
        band=any(d in DERIVED_DIMENSIONS for d in (*spec.dims, *spec.filters)),
        need_hist="median_days" in spec.measures,
        filters={k: v for k, v in spec.filters.items() if k not in DERIVED_DIMENSIONS},
        today=today.isoformat(),
        sums=frozenset({"n", *(c for m in spec.measures for c in MEASURE_SUMS[m])}),
        need_overdue="overdue" in spec.measures,
        need_dups="duplicates" in spec.measures,
    )


def is_overdue(is_open: int, due: str | None, today_iso: str) -> bool:
    """An open case past its due day. The same as ``remaining_working_days(...) < 0``
    (it is at least -1 on the day after the due day, whatever the calendar), which is
    why both executors may count it as ``open AND due < today``."""
    return bool(is_open) and due is not None and due != "" and due < today_iso


def deadline_band(due: str | None, is_open: int, today: date, cal: WorkingCalendar) -> str:
    """overdue / today / soon (1–3 working days) / ok / none (no running deadline)."""
    if not is_open or not due:
        return "none"
    r = remaining_days({"state": CaseState.referred.value, "due_date": due}, today, cal)
    if r is None:
        return "none"
    return "overdue" if r < 0 else "today" if r == 0 else "soon" if r <= 3 else "ok"


class Acc:
    """The sums of one cell, its overdue count, its duplicate citizens found and the
    answer-days histogram."""

    __slots__ = ("sums", "overdue", "dups", "hist")

    def __init__(self) -> None:
        self.sums = [0] * len(SUM_COLS)
        self.overdue = 0
        self.dups = 0
        self.hist: Counter[int] = Counter()

    def add(self, sums: list, overdue: int = 0, dups: int = 0) -> None:
        s = self.sums
        for i, v in enumerate(sums):
            s[i] += int(v or 0)
        self.overdue += int(overdue or 0)
        self.dups += int(dups or 0)

    def merge(self, other: Acc) -> None:
        self.add(other.sums, other.overdue, other.dups)
        self.hist.update(other.hist)

    def value(self, measure: str) -> float | int | None:
        s = self.sums
        if measure == "cases":
            return s[_I["n"]]
        if measure == "overdue":
            return self.overdue
        if measure == "duplicates":
            return self.dups
        if measure in ("open", "answered", "extensions", "returns", "rereferrals", "followups"):
            return s[_I[measure]]
        if measure == "in_time_pct":
            return _pct(s[_I["in_time"]], s[_I["answered"]])
        if measure == "mean_days":
            n = s[_I["days_n"]]
            return round(s[_I["days_sum"]] / n, 2) if n else None
        if measure == "median_days":
            if not self.hist:
                return None
            values = sorted(self.hist.elements())
            return round(float(statistics.median(values)), 2)
        if measure == "satisfaction_pct":
            return _pct(s[_I["sat_yes"]], s[_I["sat_asked"]])
        if measure == "objection_pct":
            return _pct(s[_I["objected"]], s[_I["answered"]])
        raise KeyError(measure)

    def values(self, measures: tuple[str, ...]) -> dict[str, Any]:
        return {m: self.value(m) for m in measures}


def _pct(part: int, whole: int) -> float | None:
    return round(100.0 * part / whole, 2) if whole else None


#: group key (``Plan.group`` values) → the sums of SUM_COLS, then the overdue count, then
#: (when the plan counts them, :func:`add_dups`) the duplicate citizens found
Parts = dict[tuple, list]
_NS = len(SUM_COLS)


def add_dups(parts: Parts, dups: dict[tuple, int]) -> Parts:
    """``parts`` with the duplicate citizens found per group key added (a group of merges
    only, no cases, is a part of zeros and its count)."""
    for key, n in dups.items():
        row = parts.get(key)
        if row is None:
            row = parts[key] = [0] * (_NS + 1)
        if len(row) == _NS + 1:
            row.append(0)
        row[_NS + 1] += int(n)
    return parts
#: group key + (answer days,) → cases
Hist = dict[tuple, int]


def cells(spec: ReportSpec, p: Plan, parts: Parts, hist: Hist, today: date,
          cal: WorkingCalendar) -> dict[tuple, Acc]:
    """Full dimension key (spec.dims order) → Acc, derived dimensions and filters applied."""
    ns = len(p.stored)
    band_filter = set(spec.filters.get("deadline_band") or ())
    band_memo: dict[tuple, str | None] = {}

    def full_key(key: tuple) -> tuple | None:
        band = None
        if p.band:
            bkey = key[ns:ns + 2]
            if bkey not in band_memo:
                b = deadline_band(bkey[0], bkey[1], today, cal)
                band_memo[bkey] = None if band_filter and b not in band_filter else b
            band = band_memo[bkey]
            if band is None:
                return None
        stored = dict(zip(p.stored, key[:ns], strict=True))
        return tuple(band if d == "deadline_band" else stored[d] for d in spec.dims)

    out: dict[tuple, Acc] = {}
    for key, sums in parts.items():
        full = full_key(key)
        if full is None:
            continue
        acc = out.get(full)
        if acc is None:
            acc = out[full] = Acc()
        acc.add(sums[:_NS], sums[_NS], sums[_NS + 1] if len(sums) > _NS + 1 else 0)
    for key, n in hist.items():
        full = full_key(key[:-1])
        if full is not None and full in out:
            out[full].hist[int(key[-1])] += int(n)
    return out


#: (plan, periods) → one (parts, hist) per period (the current one, then the previous
#: one when comparing; one ``None`` for no period); hist only when ``plan.need_hist``
Executor = Callable[[Plan, list[Period | None]], list[tuple[Parts, Hist]]]


@dataclass
class Result:
    spec: ReportSpec
    period: Period | None
    previous_period: Period | None
    rows: list[dict] = field(default_factory=list)
    columns: list[dict] = field(default_factory=list)
    total: dict = field(default_factory=dict)
    previous_total: dict | None = None
    total_rows: int = 0  # rows before top-N

    def to_json(self) -> dict:
        def per(p: Period | None) -> dict | None:
            return None if p is None else {"start": p.start_iso, "end": p.end_iso, "label": p.label}

        return {
            "name": self.spec.name, "spec": self.spec.to_dict(), "period": per(self.period),
            "previous_period": per(self.previous_period), "rows": self.rows, "columns": self.columns,
            "total": self.total, "previous_total": self.previous_total, "total_rows": self.total_rows,
        }


def label_of(dim: str, value: Any, names: dict[str, dict[str, str]] | None = None) -> str:
    """The Persian text of a dimension value (agency and operator names from ``names``)."""
    if value in (None, ""):
        return "نامشخص"
    v = str(value)
    known = (names or {}).get(dim) or {}
    if v in known:
        return known[v]
    if dim == "type":
        return CaseType.label_of(v)
    if dim == "state":
        return CaseState.label_of(v)
    if dim == "channel":
        return Channel.label_of(v)
    if dim == "urgency":
        return Urgency.label_of(v)
    if dim == "deadline_band":
        return BANDS.get(v, v)
    if dim == "month":
        y, m = v.split("/")
        return f"{JALALI_MONTHS[int(m) - 1]} {fa(y)}"
    if dim == "season":
        y, s = v.split("/")
        return f"{SEASONS[int(s) - 1]} {fa(y)}"
    if dim == "week":
        return f"هفته {fa(v)}"
    return fa(v) if dim in ("day", "year") else v


def _order_key(measures: tuple[str, ...], values: dict, key: tuple) -> tuple:
    first = values.get(measures[0])
    return (first is None, -(first or 0), tuple(str(k) for k in key))


def run(
    spec: ReportSpec,
    executor: Executor,
    *,
    today: date,
    calendar: WorkingCalendar,
    names: dict[str, dict[str, str]] | None = None,
) -> Result:
    """Run ``spec`` with ``executor`` (which returns the parts of a plan per period)."""
    p = plan(spec, today)
    period = resolve_period(spec.period, today) if spec.period else None
    prev_period = period.previous() if spec.compare and period is not None else None
    answers = executor(p, [period] if prev_period is None else [period, prev_period])
    grid = cells(spec, p, *answers[0], today, calendar)
    nr = len(spec.rows)
    row_acc: dict[tuple, Acc] = {}
    col_acc: dict[tuple, Acc] = {}
    grand = Acc()
    for key, acc in grid.items():
        row_acc.setdefault(key[:nr], Acc()).merge(acc)
        col_acc.setdefault(key[nr:], Acc()).merge(acc)
        grand.merge(acc)
    previous_rows: dict[tuple, Acc] | None = None
    prev_grand: Acc | None = None
    if prev_period is not None:
        previous_rows = {}
        prev_grand = Acc()
        for key, acc in cells(spec, p, *answers[1], today, calendar).items():
            previous_rows.setdefault(key[:nr], Acc()).merge(acc)
            prev_grand.merge(acc)
    ms = spec.measures
    row_values = {k: a.values(ms) for k, a in row_acc.items()}
    ordered = sorted(row_values, key=lambda k: _order_key(ms, row_values[k], k))
    total_rows = len(ordered)
    if spec.top:
        ordered = ordered[: spec.top]
    col_keys = sorted(col_acc, key=lambda k: tuple(str(x) for x in k)) if spec.columns else []
    rows = []
    for k in ordered:
        row = {"key": list(k), "labels": [label_of(d, v, names) for d, v in zip(spec.rows, k, strict=True)],
               "values": row_values[k]}
        if spec.columns:
            row["cells"] = {"|".join(map(str, c)): grid[k + c].values(ms) for c in col_keys if k + c in grid}
        if previous_rows is not None:
            prev = previous_rows.get(k)
            row["previous"] = prev.values(ms) if prev is not None else Acc().values(ms)
        rows.append(row)
    columns = [{"key": list(c), "id": "|".join(map(str, c)),
                "labels": [label_of(d, v, names) for d, v in zip(spec.columns, c, strict=True)],
                "values": col_acc[c].values(ms)} for c in col_keys]
    return Result(spec, period, prev_period, rows, columns, grand.values(ms),
                  prev_grand.values(ms) if prev_grand is not None else None, total_rows)


def dimension_label(dim: str) -> str:
    return DIMENSIONS[dim]


def measure_label(measure: str) -> str:
    return MEASURES[measure]
