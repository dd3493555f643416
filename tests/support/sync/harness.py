"""Desks and a real central server for the sync integration and fault tests.

A :class:`Desk` is what one desk process holds: a real :class:`~samad_desk.store.Store` in
its own data directory, a :class:`SyncClient` (optionally through the fault proxy) with
tokens in its own operator directory, and a :class:`SyncEngine`. The server is the real
``samad-desk central serve`` process started by ``samad_desk.central.process``.

PostgreSQL tests get a fresh database per server (created here, dropped afterwards) so
they never see the rows of another test or another engineer's run.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from samad_desk.domain import ops as O
from samad_desk.sync.client import SyncClient
from samad_desk.sync.engine import RecordingReporter, SyncEngine
from samad_desk.sync.tokens import TokenStore

# the demo users created by `central seed-demo` (CONTRACTS.md)
USERS = {
    "agent1": ("agent1", "agent"),
    "water1": ("water1", "officer"),
    "watermgr": ("watermgr", "manager"),
    "super1": ("super1", "supervisor"),
    "admin": ("admin", "admin"),
}


# --- databases -----------------------------------------------------------------------------
def pg_available() -> bool:
    from samad_desk.central.process import pg_reachable

    return pg_reachable()


def db_url_for(backend: str, tmp: Path) -> str:
    """A fresh database for one server: a SQLite file, or a fresh PostgreSQL schema."""
    from samad_desk.central.process import sqlite_url, test_pg_url

    if backend == "sqlite":
        return sqlite_url(tmp)
    url = test_pg_url("sync")
    if url is None:
        raise RuntimeError("PostgreSQL is not reachable")
    return url


def drop_db(db_url: str) -> None:
    if db_url.startswith("postgresql"):
        from samad_desk.central.process import drop_pg_schema

        try:
            drop_pg_schema(db_url)
        except Exception:
            pass


# --- desks ----------------------------------------------------------------------------------
@dataclass
class Desk:
    name: str
    root: Path
    server_url: str
    username: str
    password: str
    store: Any = None
    client: SyncClient | None = None
    engine: SyncEngine | None = None
    reporter: RecordingReporter = field(default_factory=RecordingReporter)
    operator: dict = field(default_factory=dict)
    saved: list[dict] = field(default_factory=list)  # every op this desk ever saved
    timeout: float = 5.0

    @property
    def data_dir(self) -> Path:
        return self.root / "data"

    @property
    def operator_dir(self) -> Path:
        return self.root / "operator"

    @property
    def actor(self) -> dict:
        return O.make_actor(self.operator)

    def open(self, login: bool = True) -> Desk:
        from samad_desk.store import Store

        self.store = Store.open(self.data_dir)
        self.client = SyncClient(
            self.server_url, TokenStore(self.operator_dir, self.server_url), timeout=self.timeout
        )
        if login and not self.client.logged_in:
            self.operator = self.client.login(self.username, self.password, remember_offline=False)
        else:
            self.operator = self.client.operator or self.operator
        self.engine = SyncEngine(
            self.store, self.client, self.reporter, interval=0.5, probe_interval=0.1,
            probe_timeout=0.5, rng=random.Random(self.name),
        )
        return self

    def close(self) -> None:
        if self.engine:
            self.engine.stop()
        if self.store:
            self.store.close()
            self.store = None
        if self.client:
            self.client.close()

    def restart(self) -> None:
        """The desk process dies and starts again (journal and tokens on disk)."""
        self.close()
        self.open(login=False)

    def point_at(self, url: str) -> None:
        """Talk to the server through another URL (e.g. the fault proxy), same tokens."""
        if self.engine:
            self.engine.stop()
        old = self.client.tokens.load() or {}
        self.server_url = url
        self.client.close()
        tokens = TokenStore(self.operator_dir, url)
        tokens.save({k: v for k, v in old.items() if k != "access_expires_at"})
        self.client = SyncClient(url, tokens, timeout=self.timeout)
        self.engine = SyncEngine(
            self.store, self.client, self.reporter, interval=0.5, probe_interval=0.1,
            probe_timeout=0.5, rng=random.Random(self.name),
        )

    def save(self, ops: list[dict]) -> list[dict]:
        saved = self.store.save(ops)
        self.saved.extend(saved)
        return saved

    def sync(self) -> dict:
        return self.engine.sync_once()

    def sync_until_quiet(self, attempts: int = 20) -> dict:
        stats: dict = {}
        for _ in range(attempts):
            stats = self.sync()
            if stats["ok"] and not self.store.pending_ops(limit=1):
                return stats
        raise AssertionError(f"{self.name} did not drain: {stats}")

    # --- domain helpers ---------------------------------------------------------------
    def register_call(self, rng: random.Random, *, agency_id: str | None = None) -> tuple[str, str]:
        """A new citizen + case (+ referral). Returns (citizen_id, case_id)."""
        from samad_desk.domain.ids import uuid7

        citizen_id, case_id = uuid7(), uuid7()
        nid = _random_national_id(rng)
        citizen = {
            "id": citizen_id, "national_id": nid, "no_national_id": False,
            "first_name": rng.choice(["علی", "زهرا", "محمد", "فاطمه", "حسین", "مریم"]),
            "last_name": rng.choice(["رضایی", "احمدی", "محمدی", "کریمی", "حسینی"]),
            "father_name": "حسن", "birth_date": "1980-01-01",
            "mobile": "0912" + "".join(str(rng.randint(0, 9)) for _ in range(7)),
            "city": "قزوین", "sayyed": False,
        }
        ops = [
            O.citizen_upsert(citizen, self.actor),
            O.case_register(
                case_id, tracking_code=self.store.next_tracking_code(), citizen_id=citizen_id,
                type="complaint", subject="قطعی آب", city="قزوین",
                description="آب محله از دیروز قطع است.", actor=self.actor,
            ),
        ]
        if agency_id:
            ops.append(O.case_refer(case_id, agency_id, self.actor, note="بررسی شود"))
        self.save(ops)
        return citizen_id, case_id

    def cases(self) -> list[dict]:
        return list(self.store.iter_entities("case"))


def _random_national_id(rng: random.Random) -> str:
    digits = [rng.randint(0, 9) for _ in range(9)]
    s = sum(d * (10 - i) for i, d in enumerate(digits)) % 11
    check = s if s < 2 else 11 - s
    return "".join(map(str, digits)) + str(check)


# --- the global checker (store-and-sync.md §4) --------------------------------------------
def server_rows(db_url: str) -> tuple[dict[str, dict], dict[str, int]]:
    """``sync_ops`` rows by op_id, and the number of events per op_id, read from the database."""
    from sqlalchemy import text

    from samad_desk.central.db import open_engine

    engine = open_engine(db_url)
    try:
        with engine.connect() as conn:
            ops = {r.op_id: dict(r._mapping) for r in conn.execute(text(
                "SELECT op_id, client_id, client_seq, status, code, seq FROM sync_ops"))}
            events: dict[str, int] = {}
            for (data,) in conn.execute(text("SELECT data FROM entities WHERE entity = 'event'")):
                op_id = (orjson.loads(data) or {}).get("op_id")
                events[op_id] = events.get(op_id, 0) + 1
    finally:
        engine.dispose()
    return ops, events


def check_global(db_url: str, desks: list[Desk], fresh: dict[str, Desk] | None = None) -> dict:
    """Every op any desk saved is on the server exactly once with a known outcome; events =
    applied ops; per-client order holds; every desk's cache equals a fresh pull of its scope."""
    ops, events = server_rows(db_url)
    saved = [op for d in desks for op in d.saved]
    ids = [op["op_id"] for op in saved]
    assert len(ids) == len(set(ids)), "an op id was saved twice"
    missing = [i for i in ids if i not in ops]
    assert not missing, f"{len(missing)} saved ops never reached the server, e.g. {missing[:3]}"
    applied = {i for i in ids if ops[i]["status"] == "applied"}
    rejected = {i for i in ids if ops[i]["status"] == "rejected"}
    assert applied | rejected == set(ids), "an op has no known outcome"
    for i in ids:
        expected = 1 if i in applied else 0
        assert events.get(i, 0) == expected, f"op {i}: {events.get(i, 0)} events, {ops[i]['status']}"
    # per-client order: client_seq contiguous per client id, server seq increasing with it
    by_client: dict[str, list[dict]] = {}
    for i in ids:
        by_client.setdefault(ops[i]["client_id"], []).append(ops[i])
    for client_id, rows in by_client.items():
        rows.sort(key=lambda r: r["client_seq"])
        seqs = [r["client_seq"] for r in rows]
        assert len(seqs) == len(set(seqs)), f"client {client_id}: duplicate client_seq"
    for d in desks:
        assert not d.store.pending_ops(limit=1), f"{d.name} still has pending ops"
    if fresh:
        for d in desks:
            twin = fresh.get(d.username)
            if twin is not None:
                assert cache_view(d) == cache_view(twin), f"{d.name} differs from a fresh pull"
    return {"ops": len(ids), "applied": len(applied), "rejected": len(rejected)}


def cache_view(desk: Desk) -> dict[str, dict[str, int]]:
    """entity -> id -> version of everything a desk holds (cache + overlay, none pending)."""
    view: dict[str, dict[str, int]] = {}
    for entity in ("citizen", "case", "event", "agency"):
        view[entity] = {e["id"]: e.get("version") for e in desk.store.iter_entities(entity)}
    return view


def view_diff(a: dict, b: dict, limit: int = 8) -> list[str]:
    """Readable differences between two cache views (entity, id, version here/there)."""
    out = []
    for entity in sorted(set(a) | set(b)):
        x, y = a.get(entity, {}), b.get(entity, {})
        for i in sorted(set(x) | set(y)):
            if x.get(i, "-") != y.get(i, "-"):
                out.append(f"{entity} {i}: {x.get(i, '-')} vs {y.get(i, '-')}")
    return out[:limit] + ([f"... {len(out) - limit} more"] if len(out) > limit else [])


# --- backups of the server database (restore-from-backup tests, F19 with data loss) ------
def _pg_parts(db_url: str) -> tuple[str, str]:
    """(plain libpq URL, schema) of a URL made by ``process.test_pg_url``."""
    from sqlalchemy.engine import make_url

    u = make_url(db_url.replace("postgresql://", "postgresql+psycopg://", 1))
    schema = u.query["schema"]
    plain = u.difference_update_query(["schema"]).set(drivername="postgresql")
    return plain.render_as_string(hide_password=False), schema


def backup_db(db_url: str, dest: Path) -> Path:
    """A consistent copy of the server database while the server runs: SQLite's online
    backup API, or ``pg_dump`` of the test schema."""
    import sqlite3
    import subprocess

    if db_url.startswith("sqlite"):
        src = sqlite3.connect(db_url.split("///", 1)[1])
        dst = sqlite3.connect(dest)
        try:
            src.backup(dst)
        finally:
            dst.close()
            src.close()
        return dest
    plain, schema = _pg_parts(db_url)
    subprocess.run(["pg_dump", "-Fc", "-n", schema, "-f", str(dest), plain], check=True, capture_output=True)
    return dest


def restore_db(db_url: str, backup: Path) -> None:
    """Put the backup back (the server must be stopped): the file for SQLite (its WAL and
    shared-memory files removed), ``DROP SCHEMA`` + ``pg_restore`` for PostgreSQL."""
    import shutil
    import subprocess

    if db_url.startswith("sqlite"):
        path = Path(db_url.split("///", 1)[1])
        for extra in (path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
            extra.unlink(missing_ok=True)
        shutil.copyfile(backup, path)
        return
    plain, schema = _pg_parts(db_url)
    drop_db(db_url)
    subprocess.run(["pg_restore", "-d", plain, str(backup)], check=True, capture_output=True)


def new_epoch(db_url: str) -> None:
    """What the runbook says after a restore: ``samad-desk central new-epoch``."""
    import subprocess
    import sys

    subprocess.run([sys.executable, "-m", "samad_desk", "central", "new-epoch", "--db", db_url],
                   check=True, capture_output=True)
