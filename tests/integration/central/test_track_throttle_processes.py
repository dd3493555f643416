"""The tracking throttles with two real server processes on one database (SQLite file and
PostgreSQL schema): a guesser who spreads the four mobile digits of one tracking code
over many addresses and both nodes is stopped by the per-code budget, on the JSON
look-up and on the ``/track`` page alike, and a form made by one node posts to the other.

The nodes trust ``X-Forwarded-For`` from 127.0.0.1 (``--forwarded-allow-ips``, as behind
a proxy), so each request can come from another address."""

from __future__ import annotations

import re

import httpx
import pytest

from samad_desk.central.process import ServerProcess
from samad_desk.domain.tracking import make_tracking_code

pytestmark = pytest.mark.filterwarnings("ignore::ResourceWarning")

CODE_BUDGET = 30  # Central's default track_code_limit: 30 an hour per code


@pytest.fixture
def two_nodes(db_url, tmp_path):
    env = {"SAMAD_CENTRAL_FORWARDED_ALLOW_IPS": "127.0.0.1"}
    first = ServerProcess(db_url, seed_demo=True, extra_env=env, log_path=tmp_path / "a.log").start()
    second = ServerProcess(db_url, extra_env=env, log_path=tmp_path / "b.log").start()
    yield first, second
    first.stop()
    second.stop()


def _page_lookup(node_get: ServerProcess, node_post: ServerProcess, code: str, ip: str) -> httpx.Response:
    with httpx.Client(timeout=30) as http:
        form = http.get(f"{node_get.url}/track")
        csrf = re.search(r'name="csrf" value="([0-9a-f]+)"', form.text).group(1)
        # the cookie is for /track on 127.0.0.1, whichever port: send it to the other node
        cookie = form.cookies.get("samad_track")
        return http.post(f"{node_post.url}/track", data={"csrf": csrf, "code": code, "tail": "1234"},
                         headers={"X-Forwarded-For": ip, "Cookie": f"samad_track={cookie}"})


def test_the_per_code_budget_holds_across_two_processes_and_many_addresses(two_nodes):
    a, b = two_nodes
    code = make_tracking_code(123, 4567)
    statuses = []
    for i in range(CODE_BUDGET):
        node = (a, b)[i % 2]
        r = httpx.get(f"{node.url}/v1/track/{code}", params={"mobile_tail": f"{i:04d}"},
                      headers={"X-Forwarded-For": f"10.1.{i}.1"}, timeout=30)
        statuses.append(r.status_code)
    assert statuses == [404] * CODE_BUDGET  # each address tried once: no per-address block
    # the next guess, from a fresh address, on either node, by either door
    json_answer = httpx.get(f"{b.url}/v1/track/{code}", params={"mobile_tail": "9999"},
                            headers={"X-Forwarded-For": "10.2.0.1"}, timeout=30)
    assert json_answer.status_code == 429 and int(json_answer.headers["Retry-After"]) > 0
    page = _page_lookup(b, a, code, "10.2.0.2")
    assert page.status_code == 429 and "بیش از حد مجاز" in page.text
    # another code is untouched, and a form made by one node is good on the other
    other = _page_lookup(a, b, make_tracking_code(123, 4568), "10.2.0.3")
    assert other.status_code == 404 and "یافت نشد" in other.text
