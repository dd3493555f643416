"""``samad-desk import`` end to end with a real central server (issue 13 §1 and §3):
imported ops carry the logged-in operator and reach the server; an import SIGKILLed in
the middle and run again saves every row exactly once; an import that could only make
ops the server refuses does not run.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time

import pytest
from click.testing import CliRunner

from samad_desk import paths
from samad_desk.cli import main
from samad_desk.store import Store
from samad_desk.text.digits import to_ascii_digits

HEADER = "national_id,no_national_id,first_name,last_name,mobile,city,type,subject,description,agency_id\n"


def _nid(i: int) -> str:
    from samad_desk.text.national_id import check_digit

    first9 = f"{100_000_000 + i * 7919:09d}"
    return first9 + str(check_digit(first9))


def _rows(n: int) -> str:
    out = []
    for i in range(n):
        if i % 10 == 9:  # a citizen without a national ID: its id comes from the row's key
            nid, no_nid = "", "1"
        else:  # every fifth row calls about the same person as the row before
            nid, no_nid = _nid(i - (i % 5 == 4)), ""
        agency = "water-qazvin" if i % 3 == 0 else ""
        subject = ("قطعی آب", "water.bill", "روشنایی معابر")[i % 3]  # a leaf's title or its key
        out.append(f"{nid},{no_nid},علی,رضایی,0912{i:07d},قزوین,complaint,{subject},"
                   f"شرح کافی برای پیام شماره {i},{agency}\n")
    return HEADER + "".join(out)


@pytest.fixture
def cli(central, monkeypatch):
    monkeypatch.setenv("SAMAD_DESK_SERVER_URL", central.url)
    runner = CliRunner()

    def run(*args: str):
        return runner.invoke(main, list(args), catch_exceptions=False)

    return run


def _server_cases(db_url: str) -> list[dict]:
    from sqlalchemy import text

    from samad_desk.central.db import open_engine

    engine = open_engine(db_url)
    try:
        with engine.connect() as conn:
            return [json.loads(d) for (d,) in conn.execute(text("SELECT data FROM entities WHERE entity = 'case'"))]
    finally:
        engine.dispose()


def _op_outcomes(db_url: str) -> set[tuple[str, str]]:
    from sqlalchemy import text

    from samad_desk.central.db import open_engine

    engine = open_engine(db_url)
    try:
        with engine.connect() as conn:
            return {(r.operator_id, r.status) for r in conn.execute(text("SELECT operator_id, status FROM sync_ops"))}
    finally:
        engine.dispose()


def _journal_bytes() -> int:
    outbox = paths.data_dir() / "outbox"
    return sum(p.stat().st_size for p in outbox.glob("c-*.jsonl")) if outbox.is_dir() else 0


def _number(pattern: str, text: str) -> int:
    m = re.search(pattern, text)
    assert m, text
    return int(to_ascii_digits(m.group(1)))


def test_killed_import_rerun_then_sync_every_row_exactly_once(cli, central, proxy_to, monkeypatch, tmp_path):
    n = 1500
    f = tmp_path / "calls.csv"
    f.write_text(_rows(n), encoding="utf-8")
    assert cli("sync", "login", "--username", "agent1", "--password", "agent1").exit_code == 0
    assert cli("sync", "--once").exit_code == 0  # agencies first, as a desk after login
    proc = subprocess.Popen([sys.executable, "-m", "samad_desk", "import", "cases", str(f), "--batch", "25"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=dict(os.environ))
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and _journal_bytes() < 150_000 and proc.poll() is None:
        time.sleep(0.01)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    with Store.open(paths.data_dir()) as store:
        before = sum(1 for o in store.pending_ops(limit=10**6) if o["type"] == "case.register")
    assert 0 < before < n, "the kill should land mid-import"

    again = cli("import", "cases", str(f), "--batch", "25")
    assert again.exit_code == 0, again.output
    assert _number(r"([۰-۹٬]+) سطر در اجرای پیشین", again.output.replace("٬", "")) == before
    assert _number(r"([۰-۹]+) پرونده از", again.output.replace("٬", "")) == n - before
    with Store.open(paths.data_dir()) as store:  # signed with the importer's login key, as the desk signs
        assert all(o.get("sig") for o in store.pending_ops(limit=10**6))
    third = cli("import", "cases", str(f))
    assert _number(r"([۰-۹]+) سطر در اجرای پیشین", third.output.replace("٬", "")) == n
    assert _number(r"([۰-۹]+) پرونده از", third.output.replace("٬", "")) == 0

    # sync through another address of the same central (a fault proxy): the session and
    # device of the login above continue; answers lost after the commit, a cut pull, and
    # the server SIGKILLed and restarted between rounds
    proxy = proxy_to(central.url)
    monkeypatch.setenv("SAMAD_DESK_SERVER_URL", proxy.url)
    proxy.reset_response(match=b"POST /v1/sync/push", times=2)
    proxy.cut_response(after=300, match=b"GET /v1/sync/pull")
    assert cli("sync", "--once").exit_code == 1  # offline this round: ops kept
    central.server.restart(kill=True)
    for _ in range(20):
        result = cli("sync", "--once")
        status = json.loads(cli("sync", "status", "--json").output)
        if status["pending"] == 0 and result.exit_code == 0:
            break
    assert result.exit_code == 0, result.output  # before: exit 3, every op "forbidden"
    assert status["pending"] == 0 and not status["attention_ops"]
    cases = _server_cases(central.db_url)
    assert len(cases) == n
    assert len({c["tracking_code"] for c in cases}) == n
    assert len({c["description"] for c in cases}) == n  # each row once
    assert _op_outcomes(central.db_url) == {("op-agent1", "applied")}  # the importer's name, all applied


def test_import_that_the_server_would_refuse_does_not_run(cli, tmp_path):
    f = tmp_path / "calls.csv"
    f.write_text(_rows(3), encoding="utf-8")
    nothing = cli("import", "cases", str(f))
    assert nothing.exit_code != 0 and "وارد شوید" in nothing.output, nothing.output
    assert cli("sync", "login", "--username", "water1", "--password", "water1").exit_code == 0
    officer = cli("import", "cases", str(f))
    assert officer.exit_code != 0 and "اجازهٔ ثبت پرونده ندارد" in officer.output, officer.output
    citizens = cli("import", "citizens", str(f))
    assert citizens.exit_code != 0 and "اجازهٔ ثبت یا ویرایش شهروند ندارد" in citizens.output
    with Store.open(paths.data_dir()) as store:
        assert store.pending_ops(limit=10) == []


def test_import_right_after_login_uses_the_devices_number(cli, central, tmp_path):
    """``sync login`` then ``import`` with no sync between: the codes carry the number the
    central gave this device, not the data directory's local stand-in (before: 1, the
    number of the first device the central ever registered)."""
    from samad_desk.domain.tracking import split_tracking_code
    from samad_desk.sync.tokens import TokenStore

    f = tmp_path / "calls.csv"
    f.write_text(_rows(3), encoding="utf-8")
    from samad_desk.sync.client import SyncClient

    other = SyncClient(central.url, TokenStore(tmp_path / "another-desk", central.url))
    other.login("super1", "super1", remember_offline=False)  # another device takes number 1
    other.close()
    assert cli("sync", "login", "--username", "agent1", "--password", "agent1").exit_code == 0
    number = (TokenStore(paths.operator_dir()).load() or {})["client_no"]
    assert number != 1
    result = cli("import", "cases", str(f))
    assert result.exit_code == 0, result.output
    with Store.open(paths.data_dir()) as store:
        codes = [o["payload"]["tracking_code"] for o in store.pending_ops(limit=100)
                 if o["type"] == "case.register"]
    assert len(codes) == 3
    assert {split_tracking_code(c)[0] for c in codes} == {number}
