"""Checks of a ``samad_desk.text`` parser's result (``Parsed``), shared by the text tests."""

from __future__ import annotations

from typing import Any


def accepted(p: Any, value: Any) -> None:
    """``p`` is valid and holds ``value`` (the canonical form)."""
    assert p.ok, p.error
    assert p.value == value, p.value


def refused(p: Any, field: str, needle: str) -> None:
    """``p`` is an error without a value, its Persian message naming ``field`` first and
    saying ``needle``."""
    assert not p.ok and p.value is None, p
    assert p.error.startswith(f"{field}:") and needle in p.error, p.error
