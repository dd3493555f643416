"""SyncClient's look-ups (civil registry, cases for a follow-up call) against the real
central server process: answers, scope, and the client's usual error types."""

from __future__ import annotations

import json
import socket

import httpx
import pytest

from samad_desk.sync.client import SyncClient
from samad_desk.sync.errors import AuthRequired, ServerRejected, TransientError
from samad_desk.sync.tokens import TokenStore

PERSON = {"national_id": "0012345679", "first_name": "زهرا", "last_name": "کریمی",
          "father_name": "احمد", "birth_date": "1990-05-01"}
NID = "0013542419"  # the citizen of central.testing.Desk.new_call


@pytest.fixture(scope="module")
def registry(tmp_path_factory):
    path = tmp_path_factory.mktemp("registry") / "registry.jsonl"
    path.write_text(json.dumps(PERSON, ensure_ascii=False) + "\n", encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def srv(tmp_path_factory, registry):
    from samad_desk.central.process import sqlite_url, start_server

    tmp = tmp_path_factory.mktemp("central")
    server = start_server(sqlite_url(tmp), seed_demo=True, registry_file=registry, log_path=tmp / "central.log")
    yield server
    server.kill()


def client_for(srv, tmp_path, username: str) -> SyncClient:
    client = SyncClient(srv.url, TokenStore(tmp_path / username, srv.url), timeout=10)
    client.login(username, username, remember_offline=False)
    return client


@pytest.fixture(scope="module")
def water_case(srv):
    """A water case registered by agent1 and pushed: ``(case_id, tracking_code)``."""
    from samad_desk.central.testing import Desk

    with httpx.Client(base_url=srv.url, timeout=10) as http:
        agent = Desk(http, "agent1")
        ops, case_id, _cit, code = agent.new_call(agency_id="water-qazvin", nid=NID)
        agent.push(*ops)
    return case_id, code


def test_registry_citizen_found_missing_and_bad(srv, registry, tmp_path):
    client = client_for(srv, tmp_path, "agent1")
    person = client.registry_citizen("0012345679")
    assert person is not None and person["first_name"] == "زهرا"
    assert client.registry_citizen(NID) is None
    with pytest.raises(ServerRejected):
        client.registry_citizen("0012345678")  # check digit wrong: the server's 400
    # the registry unreadable on the server: 503, a transient error
    saved = registry.read_text(encoding="utf-8")
    registry.unlink()
    try:
        with pytest.raises(TransientError):
            client.registry_citizen("0012345679")
    finally:
        registry.write_text(saved, encoding="utf-8")


def test_lookup_cases_within_scope_only(srv, water_case, tmp_path):
    case_id, code = water_case
    agent = client_for(srv, tmp_path, "agent1")
    found = agent.lookup_cases(tracking_code=code)
    assert [c["id"] for c in found["cases"]] == [case_id]
    assert [c["national_id"] for c in found["citizens"]] == [NID]
    # the case's whole history, and only this case's
    assert {e["case_id"] for e in found["events"]} == {case_id}
    assert [e["kind"] for e in sorted(found["events"], key=lambda e: (e["at"], e["op_id"]))][:2] == [
        "register", "refer"]
    by_nid = agent.lookup_cases(national_id=NID)
    assert [c["id"] for c in by_nid["cases"]] == [case_id]
    # another agency's officer: the same answer as for a code that does not exist
    power = client_for(srv, tmp_path, "power1")
    assert power.lookup_cases(tracking_code=code) == {"cases": [], "citizens": [], "events": []}
    assert power.lookup_cases(national_id=NID) == {"cases": [], "citizens": [], "events": []}
    with pytest.raises(ServerRejected):
        agent.lookup_cases(tracking_code=code[:-1] + str((int(code[-1]) + 1) % 10))
    with pytest.raises(ValueError):
        agent.lookup_cases()
    with pytest.raises(ValueError):
        agent.lookup_cases(tracking_code=code, national_id=NID)


def test_lookups_need_a_login_and_a_link(srv, water_case, tmp_path):
    _case_id, code = water_case
    nobody = SyncClient(srv.url, TokenStore(tmp_path / "nobody", srv.url), timeout=10)
    with pytest.raises(AuthRequired):
        nobody.lookup_cases(tracking_code=code)
    with pytest.raises(AuthRequired):
        nobody.registry_citizen("0012345679")
    client_for(srv, tmp_path, "agent1")
    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{s.getsockname()[1]}"
    cut = SyncClient(dead, TokenStore(tmp_path / "agent1", srv.url), timeout=10)
    with pytest.raises(TransientError) as err:
        cut.lookup_cases(tracking_code=code)
    assert err.value.link_down
    with pytest.raises(TransientError):
        cut.registry_citizen("0012345679")
