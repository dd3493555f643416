"""``samad-desk central …``: the central server (owned by central/)."""

from __future__ import annotations

import contextlib

import click

from samad_desk import paths
from samad_desk.domain.permissions import ROLE_NAMES


def default_db_url() -> str:
    return f"sqlite:///{paths.data_dir() / 'central' / 'central.sqlite3'}"


def _db_option(fn):
    return click.option(
        "--db",
        "db_url",
        envvar="SAMAD_CENTRAL_DB",
        default=None,
        help="Database URL: sqlite:///FILE (default: under the data dir) or postgresql://…",
    )(fn)


def _central(db_url: str | None):
    from samad_desk.central.service import Central

    return Central(db_url or default_db_url())


@contextlib.contextmanager
def _opened(db_url: str | None):
    """The central service for one admin command, closed whatever happens."""
    c = _central(db_url)
    try:
        yield c
    finally:
        c.close()


@click.group("central")
def central_group() -> None:
    """Run and administer the central server."""


def _proxy_options(forwarded_allow_ips: str | None) -> dict:
    """uvicorn honours X-Forwarded-For from 127.0.0.1 unless told otherwise, so anyone on
    the host could pick the address the throttles count: proxy headers are off unless
    the proxies are named."""
    ips = (forwarded_allow_ips or "").strip()
    return {"proxy_headers": True, "forwarded_allow_ips": ips} if ips else {"proxy_headers": False}


@central_group.command("serve")
@_db_option
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8111, show_default=True, type=int)
@click.option("--registry", "registry_file", type=click.Path(dir_okay=False), default=None,
              help="Civil-registry JSONL file (national_id, names, birth_date).")
@click.option("--seed-demo", is_flag=True, help="Create the demo agencies and users first.")
@click.option("--demo-cases", default=0, type=int,
              help="With --seed-demo on an empty database: also load this many generated cases.")
@click.option("--log-level", default="info", show_default=True)
@click.option("--workers", default=1, show_default=True, type=int,
              help="Server processes (they share the database's throttles).")
@click.option("--holidays", "holidays_file", type=click.Path(dir_okay=False, exists=True), default=None,
              help="Announced holidays and closures (the desks' override file format).")
@click.option("--min-desk-version", default=None,
              help="Desks older than this (X-Desk-Version) get 426 and keep their ops.")
@click.option("--forwarded-allow-ips", envvar="SAMAD_CENTRAL_FORWARDED_ALLOW_IPS", default=None,
              help="Reverse proxies (comma-separated addresses, '*' for any) whose X-Forwarded-For"
                   " and X-Forwarded-Proto are honoured; none by default, so throttles count the"
                   " connection's own address.")
@click.option("--exit-with-parent", "parent_pid", type=int, default=None,
              help="Stop when process PID (the program that started this server) is gone.")
def serve(db_url, host, port, registry_file, seed_demo, demo_cases, log_level, workers,
          holidays_file, min_desk_version, forwarded_allow_ips, parent_pid) -> None:
    """Serve the HTTP API (uvicorn). Deadlines use the desks' settings (weekend,
    province, SLA days; ``samad-desk locate config``) and ``--holidays``."""
    import os

    if parent_pid is not None:
        from samad_desk.central.parent_watch import exit_with_parent

        exit_with_parent(parent_pid)

    if holidays_file:
        os.environ["SAMAD_DESK_HOLIDAYS_FILE"] = str(holidays_file)

    import uvicorn

    from samad_desk.central.app import create_app
    from samad_desk.central.logs import setup_logging

    setup_logging(log_level)
    db_url = db_url or default_db_url()
    if seed_demo:
        from samad_desk.central.seed import has_cases, load_demo_data
        from samad_desk.central.seed import seed_demo as do_seed

        c = _central(db_url)
        do_seed(c)
        if demo_cases and not has_cases(c):
            load_demo_data(c, citizens=2 * demo_cases, cases=demo_cases)
        c.close()
    if workers > 1:
        os.environ["SAMAD_CENTRAL_DB"] = db_url
        os.environ["SAMAD_CENTRAL_REGISTRY"] = str(registry_file or "")
        os.environ["SAMAD_CENTRAL_LOG_LEVEL"] = log_level
        os.environ["SAMAD_CENTRAL_MIN_DESK_VERSION"] = min_desk_version or ""
        c = _central(db_url)  # migrate once, before the workers start
        c.close()
        uvicorn.run("samad_desk.central.app:app_from_env", factory=True, host=host, port=port,
                    workers=workers, log_config=None, access_log=False, lifespan="off",
                    **_proxy_options(forwarded_allow_ips))
        return
    app = create_app(db_url, registry_file, min_desk_version=min_desk_version)
    config = uvicorn.Config(app, host=host, port=port, log_config=None, access_log=False,
                            lifespan="off", timeout_keep_alive=30, **_proxy_options(forwarded_allow_ips))
    server = uvicorn.Server(config)
    setup_logging(log_level)
    import logging

    logging.getLogger("samad_desk.central").info(
        "serving", extra={"host": host, "port": port, "database": app.state.central.engine.dialect.name}
    )
    server.run()


@central_group.command("add-agency")
@_db_option
@click.option("--id", "agency_id", required=True)
@click.option("--name", required=True)
@click.option("--manager-name", default="")
@click.option("--province", default="qazvin", show_default=True)
@click.option("--city", default="")
@click.option("--sla-days", default=10, show_default=True, type=int)
@click.option("--sla-max-days", default=15, show_default=True, type=int)
def add_agency(db_url, agency_id, name, manager_name, province, city, sla_days, sla_max_days) -> None:
    """Create or update an agency (دستگاه اجرایی)."""
    c = _central(db_url)
    try:
        c.add_agency({"id": agency_id, "name": name, "manager_name": manager_name, "province": province,
                      "city": city, "sla_days": sla_days, "sla_max_days": sla_max_days, "active": True})
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    finally:
        c.close()
    click.echo(f"agency {agency_id} saved")


@central_group.command("add-user")
@_db_option
@click.option("--username", required=True)
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@click.option("--role", required=True, type=click.Choice(ROLE_NAMES))
@click.option("--name", default=None)
@click.option("--agency", "agency_id", default=None)
@click.option("--office", "office_id", default=None)
@click.option("--province", default="qazvin", show_default=True)
def add_user(db_url, username, password, role, name, agency_id, office_id, province) -> None:
    """Create an operator, or reset the password and role of an existing one."""
    c = _central(db_url)
    try:
        op = c.add_user(username, password, role, name=name, agency_id=agency_id, office_id=office_id,
                        province=province)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    finally:
        c.close()
    click.echo(f"user {username} ({op['role']}) saved, id {op['id']}")


@central_group.command("seed-demo")
@_db_option
@click.option("--cases", default=0, show_default=True, type=int,
              help="Also load this many generated demo cases (with citizens and history).")
@click.option("--citizens", default=None, type=int, help="Generated citizens (default: 2 × cases).")
@click.option("--seed", default=1, show_default=True, type=int)
def seed_demo_cmd(db_url, cases, citizens, seed) -> None:
    """Create the Qazvin demo agencies and the demo users (password = username:
    agent1, water1, watermgr, power1, super1, admin, …); optionally demo cases."""
    from samad_desk.central.seed import load_demo_data, seed_demo

    c = _central(db_url)
    try:
        names = seed_demo(c)
        loaded = load_demo_data(c, seed=seed, citizens=citizens or 2 * cases, cases=cases) if cases else {}
    finally:
        c.close()
    click.echo("demo users (password = username): " + ", ".join(names))
    if loaded:
        click.echo("loaded: " + ", ".join(f"{v} {k}" for k, v in sorted(loaded.items())))


@central_group.command("revoke-device")
@_db_option
@click.option("--device", "device_id", required=True)
def revoke_device(db_url, device_id) -> None:
    """Withdraw a device: its access and refresh tokens stop working at once."""
    with _opened(db_url) as c:
        ok = c.revoke_device(device_id)
    if not ok:
        raise click.ClickException(f"unknown device {device_id}")
    click.echo(f"device {device_id} revoked")


@central_group.command("revoke-keys")
@_db_option
@click.option("--username", default=None, help="Every op-signing key of this operator.")
@click.option("--device", "device_id", default=None, help="Every op-signing key made on this device.")
@click.option("--key", "key_id", default=None, help="One key, by the key_id its ops carry.")
def revoke_keys(db_url, username, device_id, key_id) -> None:
    """Revoke op-signing keys: ops they signed no longer count when pushed by anyone
    other than their author (the author's own login still pushes them)."""
    if not (username or device_id or key_id):
        raise click.UsageError("give --username, --device or --key")
    with _opened(db_url) as c:
        n = c.revoke_keys(username=username, device_id=device_id, key_id=key_id)
    if n is None:
        raise click.ClickException(f"unknown user {username}")
    click.echo(f"{n} key(s) revoked")


@central_group.command("add-key")
@_db_option
@click.argument("username")
@click.argument("keyfile", type=click.File("r", encoding="utf-8"))
def add_key(db_url, username, keyfile) -> None:
    """Register an SSH public key (e.g. id_ed25519.pub; - for stdin) for USERNAME: it then
    logs in to ``samad-desk serve ssh`` as that operator."""
    from samad_desk.central.ssh_keys import SshKeyError

    with _opened(db_url) as c:
        try:
            got = c.add_ssh_key(username, keyfile.read(20_000))
        except SshKeyError as exc:
            raise click.ClickException(str(exc)) from None
    click.echo(f"key {got['id']} {got['fingerprint']} registered for {got['username']}")


@central_group.command("list-keys")
@_db_option
@click.option("--username", default=None, help="Only this operator's keys.")
def list_keys(db_url, username) -> None:
    """The registered SSH login keys: number, user, fingerprint, state, comment."""
    with _opened(db_url) as c:
        rows = c.list_ssh_keys(username)
    if rows is None:
        raise click.ClickException(f"unknown user {username}")
    for r in rows:
        state = f"revoked {r['revoked_at']}" if r["revoked_at"] else "active"
        click.echo(f"{r['id']}\t{r['username']}\t{r['fingerprint']}\t{state}\t{r['comment']}")


@central_group.command("revoke-key")
@_db_option
@click.argument("key")
def revoke_key(db_url, key) -> None:
    """Revoke one SSH login key, by its number (list-keys) or its SHA256: fingerprint.
    Sessions it opened go on until they end; no new login is let in with it."""
    with _opened(db_url) as c:
        n = c.revoke_ssh_key(key)
    if not n:
        raise click.ClickException(f"no active SSH key {key}")
    click.echo(f"SSH key {key} revoked")


@central_group.command("deactivate-user")
@_db_option
@click.option("--username", required=True)
def deactivate_user(db_url, username) -> None:
    """Disable an operator: logins and existing tokens are refused."""
    with _opened(db_url) as c:
        ok = c.deactivate_user(username)
    if not ok:
        raise click.ClickException(f"unknown user {username}")
    click.echo(f"user {username} deactivated")


@central_group.command("new-epoch")
@_db_option
def new_epoch(db_url) -> None:
    """Start a new cursor epoch after restoring the database from a backup."""
    with _opened(db_url) as c:
        click.echo(f"epoch {c.bump_epoch()}")


@central_group.command("compact")
@_db_option
@click.option("--upto-seq", type=int, default=None, help="Compact changes up to this seq (default: all).")
def compact(db_url, upto_seq) -> None:
    """Drop superseded changes and old tombstones; older cursors then get 410."""
    with _opened(db_url) as c:
        click.echo(f"removed {c.compact(upto_seq)} change rows")


def _register_audit() -> None:
    from samad_desk.central.audit_commands import audit_group

    central_group.add_command(audit_group)


_register_audit()
