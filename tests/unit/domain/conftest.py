"""Fixtures of the domain tests: actors, a calendar, a memory reader with Qazvin agencies."""

from __future__ import annotations

import pytest

from samad_desk.demo import qazvin_agencies
from samad_desk.domain.reducer import MemoryReader
from samad_desk.domain.sla import WorkingCalendar
from tests.support.domain import ACTORS


@pytest.fixture
def cal() -> WorkingCalendar:
    return WorkingCalendar(province="qazvin")


@pytest.fixture
def reader() -> MemoryReader:
    r = MemoryReader({"agency": {a["id"]: a for a in qazvin_agencies()}})
    r.put("operator", {"id": "op-water1", "username": "water1", "name": "رضا عباسی", "role": "officer",
                       "agency_id": "water-qazvin", "province": "qazvin"})
    r.put("operator", {"id": "op-power1", "username": "power1", "name": "سعید مرادی", "role": "officer",
                       "agency_id": "power-qazvin", "province": "qazvin"})
    return r


@pytest.fixture
def actors() -> dict[str, dict]:
    return {k: dict(v) for k, v in ACTORS.items()}
