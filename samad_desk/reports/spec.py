"""A report spec (گزارش‌ساز پویا): which dimensions, measures, filters and Jalali period.

A spec is a small TOML or JSON document with a name::

    name = "پاسخگویی دستگاه‌ها"
    rows = ["agency"]            # pivot rows: one or more dimensions
    columns = ["month"]          # pivot columns: zero or one dimension
    measures = ["cases", "in_time_pct", "median_days"]
    period = "1404"              # see reports/period.py
    compare = true               # also the previous period of the same kind
    top = 10                     # only the first 10 rows (by the first measure)
    [filters]
    type = ["complaint", "request"]

Bad specs raise :class:`SpecError` whose ``str()`` is Persian and names the field.
Both executors (``reports/memory.py`` on the desk, ``central/reports.py`` on the server)
take the same :class:`ReportSpec`.
"""

from __future__ import annotations

import json
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from samad_desk.text.digits import fa

#: dimension key → Persian label. Every dimension is also a filter.
DIMENSIONS: dict[str, str] = {
    "province": "استان",
    "agency": "دستگاه",
    "agency_kind": "نوع دستگاه",
    "manager": "مدیر",
    "type": "نوع پرونده",
    "subject": "موضوع",
    "subject_group": "گروه موضوع",
    "city": "شهر",
    "channel": "کانال",
    "operator": "ثبت‌کننده",
    "state": "وضعیت",
    "urgency": "فوریت",
    "day": "روز",
    "week": "هفته",
    "month": "ماه",
    "season": "فصل",
    "year": "سال",
    "deadline_band": "وضعیت مهلت",
}
#: dimensions computed when the report runs (they depend on today), not stored per case
DERIVED_DIMENSIONS = frozenset({"deadline_band"})

#: measure key → Persian label
MEASURES: dict[str, str] = {
    "cases": "پرونده‌ها",
    "open": "باز",
    "overdue": "معوق",
    "answered": "پاسخ‌داده",
    "in_time_pct": "پاسخ به‌موقع ٪",
    "mean_days": "میانگین روز کاری پاسخ",
    "median_days": "میانه روز کاری پاسخ",
    "extensions": "تمدید مهلت",
    "returns": "عودت",
    "rereferrals": "ارجاع دوباره",
    "followups": "تماس پیگیری",
    "satisfaction_pct": "رضایت ٪",
    "objection_pct": "اعتراض ٪",
    "duplicates": "شهروند تکراری یافته‌شده",
}
#: measures that are a percentage or a mean (shown with one decimal, never summed by hand)
RATIO_MEASURES = frozenset({"in_time_pct", "mean_days", "median_days", "satisfaction_pct", "objection_pct"})

MAX_TOP = 10_000


class SpecError(ValueError):
    """A spec that cannot be run; ``str()`` is Persian and names the field."""


@dataclass(frozen=True)
class ReportSpec:
    name: str
    rows: tuple[str, ...] = ()
    columns: tuple[str, ...] = ()
    measures: tuple[str, ...] = ("cases",)
    filters: dict[str, tuple[str, ...]] = field(default_factory=dict)
    period: str | None = None
    compare: bool = False
    top: int | None = None

    @property
    def dims(self) -> tuple[str, ...]:
        return self.rows + self.columns

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"name": self.name, "rows": list(self.rows), "columns": list(self.columns),
                               "measures": list(self.measures)}
        if self.filters:
            out["filters"] = {k: list(v) for k, v in self.filters.items()}
        if self.period:
            out["period"] = self.period
        if self.compare:
            out["compare"] = True
        if self.top:
            out["top"] = self.top
        return out


def _names(value: Any, what: str, known: dict[str, str]) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise SpecError(f"گزارش: «{what}» باید فهرستی از نام‌ها باشد")
    for v in value:
        if v not in known:
            raise SpecError(f"گزارش: «{v}» در «{what}» شناخته نیست؛ یکی از: {'، '.join(known)}")
    if len(set(value)) != len(value):
        raise SpecError(f"گزارش: نامی در «{what}» تکرار شده است")
    return tuple(value)


def spec_from_dict(data: Any) -> ReportSpec:
    """Validate a parsed document (JSON or TOML) into a :class:`ReportSpec`."""
    if not isinstance(data, dict):
        raise SpecError("گزارش: متن گزارش باید یک شیء با نام و سنجه‌ها باشد")
    unknown = set(data) - {"name", "rows", "columns", "measures", "filters", "period", "compare", "top"}
    if unknown:
        raise SpecError(f"گزارش: کلید ناشناخته «{sorted(unknown)[0]}»")
    name = data.get("name")
    if not isinstance(name, str) or not name.strip():
        raise SpecError("گزارش: نام (name) ندارد")
    rows = _names(data.get("rows"), "rows", DIMENSIONS)
    columns = _names(data.get("columns"), "columns", DIMENSIONS)
    if len(columns) > 1:
        raise SpecError("گزارش: ستون‌ها (columns) حداکثر یک بُعد دارند")
    if set(rows) & set(columns):
        raise SpecError("گزارش: یک بُعد هم در سطرها و هم در ستون‌ها آمده است")
    measures = _names(data.get("measures", ["cases"]), "measures", MEASURES)
    if not measures:
        raise SpecError("گزارش: دست‌کم یک سنجه (measures) لازم است")
    raw_filters = data.get("filters") or {}
    if not isinstance(raw_filters, dict):
        raise SpecError("گزارش: پالایه‌ها (filters) باید جدولی از بُعد به مقدارها باشد")
    filters: dict[str, tuple[str, ...]] = {}
    for dim, values in raw_filters.items():
        if dim not in DIMENSIONS:
            raise SpecError(f"گزارش: پالایه روی «{dim}» شناخته نیست")
        if isinstance(values, str):
            values = [values]
        if not isinstance(values, list) or not values or not all(isinstance(v, str) for v in values):
            raise SpecError(f"گزارش: مقدارهای پالایه «{dim}» باید فهرستی از متن‌ها باشد")
        filters[dim] = tuple(dict.fromkeys(values))
    period = data.get("period")
    if period is not None:
        if not isinstance(period, str) or not period.strip():
            raise SpecError("گزارش: دوره (period) باید متن باشد، مانند «1404» یا «این ماه»")
        from samad_desk.reports.period import PeriodError, check_period

        try:
            check_period(period)
        except PeriodError as exc:
            raise SpecError(f"گزارش: {exc}") from None
        period = period.strip()
    compare = data.get("compare", False)
    if not isinstance(compare, bool):
        raise SpecError("گزارش: «compare» باید true یا false باشد")
    if compare and not period:
        raise SpecError("گزارش: مقایسه با دوره قبل بدون دوره (period) ممکن نیست")
    top = data.get("top")
    if top is not None and (isinstance(top, bool) or not isinstance(top, int) or not 1 <= top <= MAX_TOP):
        raise SpecError("گزارش: «top» باید عددی از ۱ تا ۱۰۰۰۰ باشد")
    return ReportSpec(name.strip(), rows, columns, measures, filters, period, compare, top)


def parse_spec(text: str, *, fmt: str | None = None) -> ReportSpec:
    """A spec from TOML or JSON text (``fmt`` "toml"/"json"; guessed when None)."""
    if fmt is None:
        fmt = "json" if text.lstrip().startswith("{") else "toml"
    try:
        data = json.loads(text) if fmt == "json" else tomllib.loads(text)
    except (json.JSONDecodeError, tomllib.TOMLDecodeError) as exc:
        raise SpecError(f"گزارش: متن {fmt.upper()} خوانا نیست ({exc})") from None
    return spec_from_dict(data)


def load_spec(path: str | Path) -> ReportSpec:
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise SpecError(f"گزارش: پرونده «{p}» خوانده نشد ({exc.strerror})") from None
    except UnicodeDecodeError as exc:  # a binary or non-UTF-8 file: said, never a traceback
        raise SpecError(f"گزارش: پرونده «{p}» متن UTF-8 نیست (بایت {fa(exc.start + 1)})؛ "
                        "آن را با کدگذاری UTF-8 ذخیره کنید.") from None
    fmt = "json" if p.suffix.lower() == ".json" else "toml" if p.suffix.lower() == ".toml" else None
    return parse_spec(text, fmt=fmt)
