"""The desk store's readers pass the one reader suite (tests/support/reader_contract.py):
``StoreReader`` (what a save's dry run reads) and the overlay's own reader (what the
overlay applies pending ops with). Entities reach the store as pull pages do."""

from __future__ import annotations

import pytest

from samad_desk.domain.readers import StoreReader
from samad_desk.store.overlay import _Reader as OverlayReader
from tests.support.reader_contract import ReaderContract


def _load_into(store, steps) -> None:
    for n, step in enumerate(steps, 1):
        changes = [{"entity": entity, "id": id_, "version": 99 if doc is None else doc["version"],
                    "op": "delete" if doc is None else "put", "data": doc}
                   for entity, id_, doc in step]
        store.apply_changes(changes, f"cursor-{n}")


def _loader(open_store, tmp_path, wrap):
    """``load(*steps)``: a fresh store (its own data directory) holding the steps."""

    def load(*steps):
        store = open_store(data_dir=tmp_path / "data-readers")
        _load_into(store, steps)
        return wrap(store)

    return load


class TestStoreReader(ReaderContract):
    @pytest.fixture
    def load(self, open_store, tmp_path):
        return _loader(open_store, tmp_path, StoreReader)


class TestOverlayReader(ReaderContract):
    @pytest.fixture
    def load(self, open_store, tmp_path):
        return _loader(open_store, tmp_path, lambda store: OverlayReader(store.overlay))
