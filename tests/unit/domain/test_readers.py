"""The desk-side pure readers pass the one reader suite (tests/support/reader_contract.py)."""

from __future__ import annotations

import pytest

from samad_desk.domain.readers import LayeredReader, MemoryReader
from tests.support.reader_contract import ReaderContract


def _memory(*steps) -> MemoryReader:
    r = MemoryReader()
    for step in steps:
        for entity, id_, doc in step:
            if doc is None:
                r.entities.get(entity, {}).pop(id_, None)
            else:
                r.put(entity, dict(doc))
    return r


class TestMemoryReader(ReaderContract):
    @pytest.fixture
    def load(self):
        return _memory


class TestLayeredReaderOverItsBase(ReaderContract):
    """A dry run's reader before its first op: the base shows through."""

    @pytest.fixture
    def load(self):
        return lambda *steps: LayeredReader(_memory(*steps))
