"""Shared helpers and fixtures of the store tests (unit/store and integration/store import the
fixtures in their conftests)."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from samad_desk.domain import ops as domain_ops
from samad_desk.domain.ids import uuid7
from samad_desk.store import Store, fileio
from samad_desk.text.national_id import check_digit
from tests.support.resources import closed_after

AGENT = {"operator_id": "op-1", "name": "اپراتور یک", "role": "agent", "agency_id": None, "office_id": "QZV-01"}
AGENCIES = [
    {"id": f"ag-{i}", "name": f"دستگاه {i}", "manager_name": "", "province": "قزوین", "city": "قزوین",
     "sla_days": 10, "sla_max_days": 15, "active": True, "version": 1}
    for i in range(1, 6)
]


def valid_nid(rng: random.Random) -> str:
    while True:
        body = "".join(str(rng.randrange(10)) for _ in range(9))
        if len(set(body)) > 1:
            return body + str(check_digit(body))


def call_ops(store, rng: random.Random, agency_id: str = "ag-1", *, refer: bool = True) -> list[dict]:
    """citizen.upsert + case.register (+ case.refer): one saved call."""
    citizen_id = uuid7()
    case_id = uuid7()
    nid = valid_nid(rng)
    citizen = {"id": citizen_id, "national_id": nid, "first_name": "علی", "last_name": "رضایی",
               "mobile": "0912" + "".join(str(rng.randrange(10)) for _ in range(7)), "city": "قزوین"}
    ops = [
        domain_ops.citizen_upsert(citizen, AGENT),
        domain_ops.case_register(case_id, tracking_code=store.next_tracking_code(), citizen_id=citizen_id,
                                 type="complaint", subject="water.outage", city="قزوین",
                                 description="آب محله از دیروز قطع است.", actor=AGENT),
    ]
    if refer:
        ops.append(domain_ops.case_refer(case_id, agency_id, AGENT, note=""))
    return ops


def agency_changes() -> list[dict]:
    return [{"entity": "agency", "id": a["id"], "version": 1, "op": "put", "data": a} for a in AGENCIES]


# --- fixtures (imported by the store conftests) ---------------------------------------------


@pytest.fixture
def data_dir(tmp_path) -> Path:
    return tmp_path / "data"


@pytest.fixture
def open_store(data_dir):
    with closed_after() as opened:

        def _open(profile: str = "op1", **kw) -> Store:
            return opened.keep(Store.open(kw.pop("data_dir", data_dir), profile=profile, **kw))

        yield _open


@pytest.fixture
def seeded(open_store):
    """A store whose cache knows the agencies (so referrals overlay)."""
    s = open_store()
    s.apply_changes(agency_changes(), "c-0", {})
    return s


@pytest.fixture(autouse=True)
def _restore_io():
    old = fileio.IO
    yield
    fileio.set_io(old)
