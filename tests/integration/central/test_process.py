"""The real server as a process (process.py): serve, seed, crash points, kill -9, restart."""

from __future__ import annotations

import json

import httpx
import pytest

from samad_desk.central.process import start_server
from samad_desk.central.testing import Desk
from samad_desk.domain import ops as O


def test_real_process_end_to_end_with_crash_after_commit(db_url, tmp_path):
    reg = tmp_path / "registry.jsonl"
    reg.write_text(json.dumps({"national_id": "0013542419", "first_name": "علی", "last_name": "رضایی",
                               "birth_date": "1985-03-21"}) + "\n", encoding="utf-8")
    faults = {"SAMAD_CENTRAL_FAULTS": json.dumps({"crash": {"after_commit_before_response": 1.0}})}
    with start_server(db_url, registry_file=reg, seed_demo=True) as srv, httpx.Client(base_url=srv.url) as http:
        assert http.get("/v1/health").json()["status"] == "ok"
        agent = Desk(http, "agent1")
        assert http.get("/v1/registry/citizens", params={"national_id": "0013542419"},
                        headers=agent.headers).json()["found"] is True
        ops, case_id, _cit, code = agent.new_call()
        agent.number(ops)
        # the server commits, then dies before answering (F6)
        srv.extra_env = faults
        srv.restart()
        with pytest.raises(httpx.HTTPError):
            agent.push_raw(ops)
        srv.proc.wait(10)
        assert not srv.alive
        srv.extra_env = {}
        srv.start(seed=False)
        r = agent.push_raw(ops).json()
        assert [x["status"] for x in r["results"]] == ["duplicate"] * 3
        assert [x["original"] for x in r["results"]] == ["applied"] * 3
        # data and tokens survive a kill -9
        srv.kill()
        srv.start(seed=False)
        water = Desk(http, "water1")
        water.pull_all()
        assert case_id in water.visible("case")
        assert water.push(O.case_accept(case_id, water.actor))["results"][0]["status"] == "applied"
        assert http.get(f"/v1/track/{code}", params={"mobile_tail": "4567"}).json()["state"] == "in_progress"
    assert not srv.alive
    lines = [json.loads(x) for x in srv.log_text().splitlines() if x.startswith("{")]
    assert any(x.get("msg") == "request" and x.get("path") == "/v1/sync/push" for x in lines)


def test_crash_mid_batch_commits_nothing(db_url):
    faults = {"SAMAD_CENTRAL_FAULTS": json.dumps({"crash": {"between_ops": 1.0}})}
    with start_server(db_url, seed_demo=True, extra_env=faults) as srv, httpx.Client(base_url=srv.url) as http:
        agent = Desk(http, "agent1")
        ops, case_id, _cit, _code = agent.new_call()
        agent.number(ops)
        with pytest.raises(httpx.HTTPError):
            agent.push_raw(ops)
        srv.proc.wait(10)
        srv.extra_env = {}
        srv.start(seed=False)
        st = http.post("/v1/sync/status", headers=agent.headers,
                       json={"op_ids": [o["op_id"] for o in ops]}).json()
        assert [x["status"] for x in st["results"]] == ["unknown"] * 3
        r = agent.push_raw(ops).json()
        assert [x["status"] for x in r["results"]] == ["applied"] * 3
