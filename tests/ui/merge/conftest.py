"""Fixtures of the merge tests (settings and the store with the Qazvin agencies:
tests/ui/conftest.py): the real-server fixtures."""

from __future__ import annotations

from tests.support.desks import desks, server  # noqa: F401  (real-server fixtures)
