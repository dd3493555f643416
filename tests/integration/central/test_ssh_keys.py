"""SSH login keys at the central (migration 7): ``central add-key/list-keys/revoke-key``
and the key login of ``serve ssh``, and how a served desk is logged in and out
(``serve/desk_login.py``), on SQLite and PostgreSQL."""

from __future__ import annotations

import base64
import subprocess

import pytest
from click.testing import CliRunner

from samad_desk.central import ssh_keys
from samad_desk.central.errors import ApiError
from samad_desk.central.seed import seed_demo
from samad_desk.central.service import Central
from samad_desk.cli import main
from samad_desk.serve.desk_login import DeskLogins, LoginRefused
from samad_desk.sync.tokens import TokenStore
from tests.support.migrations import roll_back_and_migrate
from tests.support.serve import require


def keygen(tmp_path, name="k", kind="ed25519", bits=None) -> str:
    require("ssh-keygen", "openssh-client")
    path = tmp_path / name
    argv = ["ssh-keygen", "-q", "-t", kind, "-N", "", "-C", f"{name}@pc", "-f", str(path)]
    if bits:
        argv += ["-b", str(bits)]
    subprocess.run(argv, check=True, timeout=60)
    return (tmp_path / f"{name}.pub").read_text()


@pytest.fixture
def central(db_url):
    c = Central(db_url)
    seed_demo(c, full=False)
    yield c
    c.close()


def test_fingerprint_is_what_ssh_keygen_prints(tmp_path):
    line = keygen(tmp_path)
    printed = subprocess.run(["ssh-keygen", "-lf", str(tmp_path / "k.pub")], capture_output=True,
                             text=True, check=True).stdout.split()[1]
    assert ssh_keys.parse_public_key(line).fingerprint == printed


@pytest.mark.parametrize("text", ["", "not a key", "ssh-ed25519 !!!notbase64", "ssh-dss AAAAB3NzaC1kc3M= x",
                                  "ssh-rsa " + base64.b64encode(b"\x00\x00\x00\x0bssh-ed25519xxxx").decode()])
def test_bad_key_lines_refused_in_persian(text):
    with pytest.raises(ssh_keys.SshKeyError) as err:
        ssh_keys.parse_public_key(text)
    assert any("\u0600" <= ch <= "\u06ff" for ch in str(err.value))


def test_short_rsa_refused(tmp_path):
    with pytest.raises(ssh_keys.SshKeyError, match="2048"):
        ssh_keys.parse_public_key(keygen(tmp_path, "r", "rsa", 1024))


def test_add_list_revoke_and_key_login(central, tmp_path):
    line = keygen(tmp_path)
    fp = ssh_keys.parse_public_key(line).fingerprint
    got = central.add_ssh_key("super1", line)
    assert got["fingerprint"] == fp and got["comment"] == "k@pc"
    with pytest.raises(ssh_keys.SshKeyError):  # the same key twice, for anyone
        central.add_ssh_key("agent1", line)
    with pytest.raises(ssh_keys.SshKeyError):
        central.add_ssh_key("nobody", keygen(tmp_path, "k2"))
    assert central.ssh_key_allowed("super1", fp)
    assert not central.ssh_key_allowed("agent1", fp)  # a key lets in only its own operator
    answer = central.ssh_key_login("super1", fp, "d-ssh-test")
    assert answer["operator"]["username"] == "super1" and answer["refresh_token"]
    [row] = central.list_ssh_keys("super1")
    assert row["revoked_at"] is None
    assert central.revoke_ssh_key(str(row["id"])) == 1
    assert central.revoke_ssh_key(fp) == 0  # already revoked
    assert not central.ssh_key_allowed("super1", fp)
    with pytest.raises(ApiError) as err:
        central.ssh_key_login("super1", fp, "d-ssh-test")
    assert err.value.status == 401
    with pytest.raises(ssh_keys.SshKeyError):  # a revoked key is never registered again
        central.add_ssh_key("super1", line)


def test_deactivated_operator_key_refused(central, tmp_path):
    line = keygen(tmp_path)
    central.add_ssh_key("agent1", line)
    assert central.deactivate_user("agent1")
    assert not central.ssh_key_allowed("agent1", ssh_keys.parse_public_key(line).fingerprint)


def test_cli_add_list_revoke(db_url, central, tmp_path):
    keygen(tmp_path)
    run = CliRunner().invoke
    out = run(main, ["central", "add-key", "--db", db_url, "super1", str(tmp_path / "k.pub")])
    assert out.exit_code == 0 and "registered for super1" in out.output, out.output
    out = run(main, ["central", "list-keys", "--db", db_url])
    assert "super1" in out.output and "active" in out.output
    out = run(main, ["central", "revoke-key", "--db", db_url, "1"])
    assert out.exit_code == 0 and "revoked" in out.output
    assert "revoked" in run(main, ["central", "list-keys", "--db", db_url]).output
    out = run(main, ["central", "revoke-key", "--db", db_url, "1"])
    assert out.exit_code != 0
    out = run(main, ["central", "add-key", "--db", db_url, "super1", str(tmp_path / "k")])  # the secret half
    assert out.exit_code != 0 and "خصوصی" in out.output


def test_desk_login_by_password_and_key_then_logout(central, tmp_path):
    logins = DeskLogins(central, tmp_path / "serve", "http://central.test")
    op = logins.login_password("super1", "super1", "10.0.0.7")
    assert op["username"] == "super1"
    op_dir = tmp_path / "serve" / "operators" / "super1"
    entry = TokenStore(op_dir).load()
    assert entry["refresh_token"] and entry["server_id"] == central.server_id
    assert (op_dir / "op-key.json").stat().st_mode & 0o777 == 0o600
    assert not (op_dir / "offline-login.json").exists()  # the password is kept nowhere
    with pytest.raises(LoginRefused) as err:
        logins.login_password("super1", "nope", "10.0.0.7")
    assert err.value.reason == "invalid_credentials"
    with pytest.raises(LoginRefused):
        logins.login_password("../etc", "x", "10.0.0.7")
    assert not (tmp_path / "serve" / "etc").exists()

    assert logins.logout("super1")
    assert "refresh_token" not in (TokenStore(op_dir).load() or {})
    assert not (op_dir / "op-key.json").exists()
    with pytest.raises(ApiError):  # revoked at the central, not only forgotten here
        central.refresh(entry["refresh_token"])

    line = keygen(tmp_path)
    central.add_ssh_key("super1", line)
    fp = ssh_keys.parse_public_key(line).fingerprint
    assert logins.key_allowed("super1", fp)
    logins.login_key("super1", fp)
    device = TokenStore(op_dir).load()["device_id"]
    assert device == entry["device_id"]  # one device per operator directory
    assert logins.sweep() == ["super1"]  # what a killed server left is logged out at start
    assert logins.sweep() == []


def test_password_refusals_are_throttled_at_the_central(central, tmp_path):
    logins = DeskLogins(central, tmp_path / "serve", "http://central.test")
    for _ in range(5):
        with pytest.raises(LoginRefused):
            logins.login_password("agent1", "wrong", "10.9.9.9")
    with pytest.raises(LoginRefused) as err:
        logins.login_password("agent1", "agent1", "10.9.9.9")  # right, but blocked for a while
    assert err.value.reason == "too_many_attempts"
    assert logins.login_password("agent1", "agent1", "10.9.9.8")["username"] == "agent1"


def test_migration_7_adds_the_ssh_key_table(db_url, tmp_path):
    from sqlalchemy import inspect

    from samad_desk.central import db

    c = Central(db_url)
    seed_demo(c, full=False)
    # back to the version-5 shape
    assert roll_back_and_migrate(c, 5, "DROP TABLE operator_ssh_keys") == db.SCHEMA_VERSION >= 7
    with c.engine.connect() as conn:
        assert inspect(conn).has_table("operator_ssh_keys")
    assert c.add_ssh_key("super1", keygen(tmp_path))["id"] == 1
    c.close()
