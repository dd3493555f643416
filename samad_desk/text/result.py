"""The result type every parser in :mod:`samad_desk.text` returns.

Parsers never raise on bad input: they return ``Parsed`` with ``error`` set to a Persian
message that names the field and the problem («کد ملی: رقم کنترل درست نیست»).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Parsed(Generic[T]):
    value: T | None
    """The canonical value (ASCII digits, a ``datetime.date`` …) when ``ok``; else ``None``."""
    error: str | None = None
    """Persian message naming the field and the problem; ``None`` when the input is valid."""
    warning: str | None = None
    """A soft problem (unusual postal-code pattern, unknown mobile prefix, padded کد ملی)."""
    suggestion: T | None = None
    """On an error, a value the UI may offer as «منظورتان … بود؟» (never applied silently),
    e.g. the Jalali equivalent of a Gregorian date typed by mistake."""

    @property
    def ok(self) -> bool:
        return self.error is None

    @classmethod
    def success(cls, value: T, warning: str | None = None) -> Parsed[T]:
        return cls(value, None, warning)

    @classmethod
    def failure(cls, error: str, suggestion: T | None = None) -> Parsed[T]:
        return cls(None, error, None, suggestion)
