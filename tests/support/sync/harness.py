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
from samad_desk.sync.clones import adopt_client_no
from samad_desk.sync.engine import RecordingReporter, SyncEngine
from samad_desk.sync.tokens import TokenStore

# --- what each saved op should come to (the system oracle, issue 19) ------------------------
#: the op must be applied
APPLIED = "applied"
#: applied, or rejected because another desk changed the entity first (the desk acted on a
#: stale view): a rejection with a code of STALE_CODES that the server's history explains
STALE = "stale"
STALE_CODES = frozenset({"invalid_transition", "conflict", "forbidden"})


def rejected(code: str) -> str:
    """The op must be rejected with ``code`` (a test that sends an op it knows is refused)."""
    return f"rejected:{code}"


def allows(expect: str, status: str, code: str | None) -> bool:
    """Whether an outcome agrees with an expectation, before the history is consulted."""
    if status == "applied":
        return expect in (APPLIED, STALE)
    if expect == STALE:
        return code in STALE_CODES
    return expect == rejected(code or "")


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
    expect: dict[str, str] = field(default_factory=dict)  # op_id -> APPLIED / STALE / rejected(code)
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
        # as the desk does (launch.build_sync, then the engine's start): every op saved while
        # logged in is signed, and codes carry the number of this login
        self.store.signer = self.client.sign_op
        adopt_client_no(self.store, self.client.tokens)
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

    def save(self, ops: list[dict], expect: str = APPLIED) -> list[dict]:
        """Save through the store, remembering what each op should come to on the server
        (``APPLIED`` unless the test says the desk acts on a possibly stale view)."""
        saved = self.store.save(ops)
        self.saved.extend(saved)
        self.expect.update({op["op_id"]: expect for op in saved})
        return saved

    def sync(self) -> dict:
        return self.engine.sync_once()

    def sync_until_quiet(self, attempts: int = 20) -> dict:
        """Sync until nothing is pending, then insist that every rejection this desk got was
        expected (a server refusing good ops is a failure, not "quiet")."""
        stats: dict = {}
        for _ in range(attempts):
            stats = self.sync()
            if stats["ok"] and not self.store.pending_ops(limit=1):
                self.check_rejections()
                return stats
        raise AssertionError(f"{self.name} did not drain: {stats}")

    def check_rejections(self) -> None:
        bad = [(op["type"], op.get("code"), self.expect.get(op["op_id"], APPLIED), op.get("message"))
               for op in self.store.needs_attention()
               if not allows(self.expect.get(op["op_id"], APPLIED), "rejected", op.get("code"))]
        assert not bad, f"{self.name}: {len(bad)} ops rejected unexpectedly, e.g. {bad[:3]}"

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
                type="complaint", subject="water.outage", city="قزوین",
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
    """``sync_ops`` rows by op_id (with ``entity_id`` and ``entity_version``), and the number
    of events per op_id, read from the database."""
    from sqlalchemy import text

    from samad_desk.central.db import open_engine

    engine = open_engine(db_url)
    try:
        with engine.connect() as conn:
            ops = {r.op_id: dict(r._mapping) for r in conn.execute(text(
                "SELECT op_id, client_id, client_seq, status, code, seq, entity_id, entity_version FROM sync_ops"))}
            events: dict[str, int] = {}
            for (data,) in conn.execute(text("SELECT data FROM entities WHERE entity = 'event'")):
                op_id = (orjson.loads(data) or {}).get("op_id")
                events[op_id] = events.get(op_id, 0) + 1
    finally:
        engine.dispose()
    return ops, events


def check_global(db_url: str, desks: list[Desk], fresh: bool = True) -> dict:
    """Every op any desk saved is on the server exactly once with the outcome its desk
    expected (see :func:`unexpected_outcomes`); every case a desk registered is on the server;
    events = applied ops; per-client order holds; no desk has anything pending; and (unless
    ``fresh=False``) every desk, after one more pull, equals a fresh pull of its scope by a
    new desk of the same user."""
    ops, events = server_rows(db_url)
    saved = [op for d in desks for op in d.saved]
    ids = [op["op_id"] for op in saved]
    assert len(ids) == len(set(ids)), "an op id was saved twice"
    missing = [i for i in ids if i not in ops]
    assert not missing, f"{len(missing)} saved ops never reached the server, e.g. {missing[:3]}"
    applied = {i for i in ids if ops[i]["status"] == "applied"}
    rejected = {i for i in ids if ops[i]["status"] == "rejected"}
    assert applied | rejected == set(ids), "an op has no known outcome"
    unexpected = unexpected_outcomes(desks, ops)
    assert not unexpected, (f"{len(unexpected)} of {len(ids)} ops did not come to what was expected "
                            f"(type, status, code, expected), e.g. {unexpected[:5]}")
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
    on_server = server_ids(db_url, "case")
    lost = [op["entity_id"] for op in saved
            if op["type"] == "case.register" and op["op_id"] in applied and op["entity_id"] not in on_server]
    assert not lost, f"{len(lost)} registered cases are not on the server, e.g. {lost[:3]}"
    if fresh:
        for d in desks:
            d.sync_until_quiet()  # pull what the others did since this desk last synced
            here, there = cache_view(d), fresh_view(d)
            assert here == there, f"{d.name} differs from a fresh pull: {view_diff(here, there)}"
    return {"ops": len(ids), "applied": len(applied), "rejected": len(rejected)}


def server_ids(db_url: str, entity: str) -> set[str]:
    from sqlalchemy import text

    from samad_desk.central.db import open_engine

    engine = open_engine(db_url)
    try:
        with engine.connect() as conn:
            return {r.id for r in conn.execute(text("SELECT id FROM entities WHERE entity = :e"), {"e": entity})}
    finally:
        engine.dispose()


def fresh_view(desk: Desk) -> dict[str, dict[str, int]]:
    """The cache view of a brand-new desk of the same user after one full pull."""
    n = sum(1 for _ in desk.root.parent.glob(f"{desk.root.name}-fresh*"))
    twin = Desk(f"{desk.name}-fresh", desk.root.parent / f"{desk.root.name}-fresh{n}", desk.server_url,
                desk.username, desk.password, timeout=max(desk.timeout, 5.0)).open()
    try:
        twin.sync_until_quiet()
        return cache_view(twin)
    finally:
        twin.close()


def unexpected_outcomes(desks: list[Desk], ops: dict[str, dict]) -> list[tuple]:
    """Every saved op whose server outcome disagrees with what its desk expected. A STALE
    op's rejection counts only when explained: another client's op on the same entity was
    applied with a version above the one this op was based on, or an earlier op of the same
    desk on that entity was itself rejected (the later one was built on it)."""
    newer: dict[str, list[tuple[str, int]]] = {}  # entity_id -> [(client_id, version)] applied
    for row in ops.values():
        if row["status"] == "applied" and row.get("entity_id") and row.get("entity_version") is not None:
            newer.setdefault(row["entity_id"], []).append((row["client_id"], row["entity_version"]))
    out = []
    for d in desks:
        failed_entities: set[str] = set()
        for op in sorted(d.saved, key=lambda o: o.get("client_seq") or 0):
            row = ops.get(op["op_id"])
            if row is None:
                continue
            expect = d.expect.get(op["op_id"], APPLIED)
            status, code = row["status"], row.get("code")
            ok = allows(expect, status, code)
            if ok and status == "rejected" and expect == STALE:
                base = op.get("base_version") or 0
                ok = op["entity_id"] in failed_entities or any(
                    client != row["client_id"] and version > base
                    for client, version in newer.get(op["entity_id"], []))
            if status == "rejected":
                failed_entities.add(op["entity_id"])
            if not ok:
                out.append((op["type"], status, code, expect))
    return out


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
