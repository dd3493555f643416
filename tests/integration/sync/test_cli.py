"""``samad-desk sync login / logout / --once / once / status / dismiss`` against the real server."""

from __future__ import annotations

import json
import random
import socket

import pytest
from click.testing import CliRunner

from samad_desk import paths
from samad_desk.cli import main
from samad_desk.domain import ops as O
from samad_desk.store import Store
from tests.support.sync.harness import Desk

# the command line does not depend on the server's database: SQLite only
pytestmark = pytest.mark.parametrize("shared_central", ["sqlite"], indirect=True)


@pytest.fixture
def cli(shared_central, monkeypatch):
    monkeypatch.setenv("SAMAD_DESK_SERVER_URL", shared_central.url)
    runner = CliRunner()

    def run(*args: str, **kw):
        return runner.invoke(main, list(args), catch_exceptions=False, **kw)

    return run


def _operator() -> dict:
    from samad_desk.sync.tokens import TokenStore

    return TokenStore(paths.operator_dir()).operator


def _queue(n: int) -> list[dict]:
    """Save n calls in the default data directory, as a desk would, then close it."""
    with Store.open(paths.data_dir()) as store:
        desk = Desk("cli", paths.data_dir().parent, "", "agent1", "agent1", store=store,
                    operator=_operator())
        rng = random.Random(3)
        for _ in range(n):
            desk.register_call(rng)
        return desk.saved


def test_login_once_status(cli):
    result = cli("sync", "login", "--username", "agent1", "--password", "agent1")
    assert result.exit_code == 0, result.output
    assert "ورود انجام شد" in result.output
    token_file = paths.operator_dir() / "tokens.json"
    assert oct(token_file.stat().st_mode & 0o777) == "0o600"

    result = cli("sync", "--once")  # the first round pulls agencies and scope
    assert result.exit_code == 0, result.output
    _queue(2)
    result = cli("sync", "status", "--json")
    status = json.loads(result.output)
    assert status["pending"] == 4 and status["logged_in"]

    result = cli("sync", "--once")
    assert result.exit_code == 0, result.output
    assert "همگام‌سازی انجام شد" in result.output
    result = cli("sync", "once", "--json")
    assert result.exit_code == 0
    assert json.loads(result.output)["pending"] == 0
    result = cli("sync", "status")
    assert "عملیات در صف: ۰" in result.output


def test_login_keeps_a_signing_key_and_logout_deletes_it(cli):
    key_file = paths.operator_dir() / "op-key.json"
    assert cli("sync", "login", "--username", "agent1", "--password", "agent1").exit_code == 0
    assert oct(key_file.stat().st_mode & 0o777) == "0o600"
    result = cli("sync", "logout")
    assert result.exit_code == 0 and "خارج شدید" in result.output
    assert not key_file.exists()
    session = json.loads((paths.operator_dir() / "tokens.json").read_text()).get("session") or {}
    assert not session.get("access_token") and not session.get("refresh_token")


def test_once_without_login_keeps_ops_and_says_so(cli):
    cli("sync", "login", "--username", "agent1", "--password", "agent1")
    cli("sync", "--once")
    saved = _queue(1)
    (paths.operator_dir() / "tokens.json").unlink()
    result = cli("sync", "--once")
    assert result.exit_code == 2, result.output
    assert "وارد شوید" in result.output
    status = json.loads(cli("sync", "status", "--json").output)
    assert status["pending"] == len(saved) and not status["logged_in"]


def test_once_offline_exit_status_1(cli, shared_central):
    from samad_desk.sync.tokens import TokenStore

    cli("sync", "login", "--username", "agent1", "--password", "agent1")
    saved = _queue(1)
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    dead = f"http://127.0.0.1:{sock.getsockname()[1]}"
    sock.close()
    # the same session, but the server's address is unreachable now
    entry = TokenStore(paths.operator_dir(), shared_central.url).load()
    TokenStore(paths.operator_dir(), dead).save({k: v for k, v in entry.items() if k != "access_expires_at"})
    result = cli("sync", "--server", dead, "once")
    assert result.exit_code == 1, result.output
    assert "انجام نشد" in result.output
    status = json.loads(cli("sync", "status", "--json").output)
    assert status["pending"] == len(saved)


def test_wrong_password_is_refused_in_persian(cli):
    result = CliRunner().invoke(main, ["sync", "login", "--username", "agent1", "--password", "nope"])
    assert result.exit_code != 0
    assert "نادرست" in result.output


def test_dismiss_from_the_command_line(cli):
    cli("sync", "login", "--username", "agent1", "--password", "agent1")
    cli("sync", "--once")
    with Store.open(paths.data_dir()) as store:
        actor = O.make_actor(_operator())
        # an agent may not answer a case: the server refuses, the op needs attention
        op = store.save([O.case_answer("0190f3b9-0000-7000-8000-000000000000", "x", actor)])[0]
    result = cli("sync", "--once")
    assert result.exit_code == 3, result.output
    assert "نیازمند بررسی: ۱" in cli("sync", "status").output
    assert cli("sync", "dismiss", op["op_id"]).exit_code == 0
    assert "نیازمند بررسی: ۰" in cli("sync", "status").output
