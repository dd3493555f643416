"""Fixtures of the store tests (defined in ``tests.support.store``)."""

from tests.support.store import _restore_io, data_dir, open_store, seeded  # noqa: F401
