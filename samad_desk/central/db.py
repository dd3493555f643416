"""The central database: one schema, SQLAlchemy Core, on SQLite and on PostgreSQL alike.

``open_engine(url)`` accepts ``sqlite:///path`` (the zero-set-up default) and
``postgresql://…`` (mapped to psycopg 3). A ``?schema=name`` query parameter on a
PostgreSQL URL puts every table in that schema (created on demand) through
``search_path``: tests use it to get a fresh namespace per run without dropping anything.

``migrate(engine)`` is the migration runner: ``schema_version`` holds the applied
version; each entry of ``MIGRATIONS`` runs once, in order, in its own transaction.

SQLite runs with WAL and ``BEGIN IMMEDIATE`` for write transactions (a connection opened
with ``execution_options(write=True)``): a push takes the write lock at ``BEGIN``, so two
pushes never deadlock upgrading a read lock. Reads use a plain deferred ``BEGIN``.
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Engine,
    Float,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    create_engine,
    event,
    insert,
    inspect,
    select,
    text,
)
from sqlalchemy.engine import Connection, make_url

metadata = MetaData()

schema_version = Table(
    "schema_version",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("version", Integer, nullable=False),
)

server_meta = Table(
    "server_meta",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("value", Text, nullable=False),
)

# one row, id=1: the global change sequence (store-and-sync.md §3.6)
change_counter = Table(
    "change_counter",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("v", BigInteger, nullable=False),
)

operators = Table(
    "operators",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("username", String(64), nullable=False, unique=True),
    Column("name", Text, nullable=False),
    Column("role", String(16), nullable=False),
    Column("agency_id", String(64)),
    Column("office_id", String(64)),
    Column("province", String(64), nullable=False),
    Column("password_hash", Text, nullable=False),
    Column("active", Boolean, nullable=False, default=True),
    Column("created_at", String(32), nullable=False),
)

devices = Table(
    "devices",
    metadata,
    Column("id", String(128), primary_key=True),
    Column("client_no", Integer, nullable=False, unique=True),
    Column("office_id", String(64)),
    Column("first_operator_id", String(64)),
    Column("created_at", String(32), nullable=False),
    Column("revoked", Boolean, nullable=False, default=False),
)

refresh_tokens = Table(
    "refresh_tokens",
    metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("operator_id", String(64), nullable=False),
    Column("device_id", String(128), nullable=False),
    Column("expires_at", Integer, nullable=False),
    Column("revoked", Boolean, nullable=False, default=False),
    # when a refresh rotated it (migration 3): it is still accepted for a short grace
    Column("rotated_at", Integer),
)

sync_clients = Table(
    "sync_clients",
    metadata,
    Column("client_id", String(128), primary_key=True),
    Column("device_id", String(128), nullable=False, index=True),
    Column("last_client_seq", Integer, nullable=False, default=0),
    Column("created_at", String(32), nullable=False),
)

# the public halves of operators' op-signing keys, one per online login (migration 5):
# an op whose actor is not the pushing operator counts only when signed by one of its
# author's keys that is not revoked (docs/threat-model.md)
operator_keys = Table(
    "operator_keys",
    metadata,
    Column("key_id", String(64), primary_key=True),
    Column("operator_id", String(64), nullable=False, index=True),
    Column("device_id", String(128), nullable=False),
    Column("public_key", String(64), nullable=False),
    Column("created_at", String(32), nullable=False),
    Column("revoked_at", String(32)),
)

# SSH public keys an administrator registered for operators (migration 7): ``samad-desk
# serve ssh`` lets a key in as its operator while it is not revoked (docs/serve.md)
operator_ssh_keys = Table(
    "operator_ssh_keys",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("operator_id", String(64), nullable=False, index=True),
    Column("fingerprint", String(64), nullable=False, unique=True),
    Column("public_key", Text, nullable=False),
    Column("comment", Text, nullable=False, default=""),
    Column("created_at", String(32), nullable=False),
    Column("revoked_at", String(32)),
)

# saved report specs (migration 8, docs/reports.md): one operator's own by name; a
# supervisor's (or admin's) may be shared with everyone of its province
report_specs = Table(
    "report_specs",
    metadata,
    Column("owner_id", String(64), primary_key=True),
    Column("name", String(200), primary_key=True),
    Column("province", String(100), nullable=False, default=""),
    Column("spec", Text, nullable=False),
    Column("shared", Boolean, nullable=False, default=False),
    Column("updated_at", String(32), nullable=False),
    Index("ix_report_specs_shared", "province", "shared"),
)

# the dedup table and audit log; kept forever (§3.5 step 7)
sync_ops = Table(
    "sync_ops",
    metadata,
    Column("op_id", String(64), primary_key=True),
    Column("client_id", String(128), nullable=False),
    Column("client_seq", Integer, nullable=False),
    Column("type", String(64), nullable=False),
    Column("entity_id", String(64)),
    Column("operator_id", String(64)),
    Column("status", String(16), nullable=False),
    Column("code", String(64)),
    Column("message", Text),
    Column("current", Text),
    Column("seq", BigInteger),
    Column("entity_version", Integer),
    Column("received_at", String(32), nullable=False),
    Index("ix_sync_ops_client", "client_id", "client_seq"),
)

# unexpected exceptions per op, committed outside the failed push (§3.5 step 6)
poison_ops = Table(
    "poison_ops",
    metadata,
    Column("op_id", String(64), primary_key=True),
    Column("attempts", Integer, nullable=False),
    Column("last_error", Text),
    Column("updated_at", String(32), nullable=False),
)

# current state of every synced entity (citizen, case, event, agency, operator, …)
entities = Table(
    "entities",
    metadata,
    Column("entity", String(32), primary_key=True),
    Column("id", String(64), primary_key=True),
    Column("version", Integer, nullable=False),
    Column("deleted", Boolean, nullable=False, default=False),
    Column("data", Text),
    # scope and lookup columns, extracted from data
    Column("case_id", String(64)),
    Column("citizen_id", String(64)),
    Column("agency_id", String(64)),
    Column("office_id", String(64)),
    Column("operator_id", String(64)),
    Column("province", String(64)),
    Column("national_id", String(16)),
    Column("tracking_code", String(32)),
    Index("ix_entities_case", "case_id"),
    Index("ix_entities_citizen", "citizen_id"),
    Index("ix_entities_agency", "agency_id"),
    Index("ix_entities_nid", "national_id"),
    Index("ix_entities_tracking", "tracking_code"),
)

# the global change log; seq is assigned at commit (§3.6)
changes = Table(
    "changes",
    metadata,
    Column("seq", BigInteger, primary_key=True, autoincrement=False),
    Column("entity", String(32), nullable=False),
    Column("id", String(64), nullable=False),
    Column("op", String(8), nullable=False),
    Column("version", Integer),
    Column("data", Text),
    Column("op_id", String(64)),
    # who may see it: "|*|a:<agency>|o:<office>|u:<operator>|p:<province>|" (migration 2)
    Column("scopes", Text),
    Index("ix_changes_entity", "entity", "id"),
)

# login and lookup throttles, shared by every server process on this database
# (migration 4): one row per counted event, ``key`` a digest of "<limiter>|<key>"
throttle_events = Table(
    "throttle_events",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("key", String(64), nullable=False),
    Column("at", Float, nullable=False),
    Index("ix_throttle_key_at", "key", "at"),
)


# the hash chain of each case's history (migration 6, docs/audit.md): one row per event
# of a case, ``n`` its place (1, 2, …), ``hash`` covering the previous hash and the
# canonical event (``domain/chain.py``), ``seq`` the change seq of the event's put (0 for
# events chained by the migration). The primary key makes a fork impossible: two
# pushes that both append place n+1 collide and one retries.
event_chain = Table(
    "event_chain",
    metadata,
    Column("case_id", String(64), primary_key=True),
    Column("n", Integer, primary_key=True, autoincrement=False),
    Column("event_id", String(64), nullable=False, unique=True),
    Column("hash", String(64), nullable=False),
    Column("seq", BigInteger, nullable=False),
)

# signed checkpoints (migration 6): ``body`` is the canonical JSON that ``sig`` signs;
# each names the previous one's digest, so they form a chain of their own
audit_checkpoints = Table(
    "audit_checkpoints",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("at", String(32), nullable=False),
    Column("body", Text, nullable=False),
    Column("sig", String(128), nullable=False),
)

# the heads a checkpoint signed: the cases whose head moved since the one before,
# each head signed on its own too (what a desk checks a pulled case against)
audit_heads = Table(
    "audit_heads",
    metadata,
    Column("checkpoint_id", Integer, primary_key=True, autoincrement=False),
    Column("case_id", String(64), primary_key=True),
    Column("n", Integer, nullable=False),
    Column("head", String(64), nullable=False),
    Column("sig", String(128), nullable=False),
    Index("ix_audit_heads_case", "case_id", "checkpoint_id"),
)


def _v1(conn: Connection) -> None:
    metadata.create_all(conn)
    conn.execute(insert(change_counter).values(id=1, v=0))
    conn.execute(
        insert(server_meta),
        [
            {"key": "epoch", "value": str(secrets.randbelow(1_000_000) + 1)},
            {"key": "jwt_secret", "value": secrets.token_urlsafe(48)},
            {"key": "min_seq", "value": "0"},
        ],
    )


def _v2(conn: Connection) -> None:
    """Scope keys move from the ``change_scopes`` side table into ``changes.scopes``: a
    pull then walks the change log in seq order with a plain filter, a plan that needs no
    table statistics (the join picked hash plans over the whole table on fresh data)."""
    cols = {c["name"] for c in inspect(conn).get_columns("changes")}
    if "scopes" not in cols:
        conn.execute(text("ALTER TABLE changes ADD COLUMN scopes TEXT"))
    if inspect(conn).has_table("change_scopes"):
        agg = ("group_concat(s.key, '|')" if conn.dialect.name == "sqlite"
               else "string_agg(s.key, '|' ORDER BY s.key)")
        conn.execute(text(
            f"UPDATE changes SET scopes = '|' || (SELECT {agg} FROM change_scopes s "
            "WHERE s.seq = changes.seq) || '|' WHERE scopes IS NULL"
        ))
        conn.execute(text("DROP TABLE change_scopes"))


def _v3(conn: Connection) -> None:
    """``refresh_tokens.rotated_at``: a rotated token is accepted for a short grace."""
    cols = {c["name"] for c in inspect(conn).get_columns("refresh_tokens")}
    if "rotated_at" not in cols:
        conn.execute(text("ALTER TABLE refresh_tokens ADD COLUMN rotated_at INTEGER"))


def _v4(conn: Connection) -> None:
    """The server id (made once per database: every process and every URL of this
    central sends the same one, a restored backup keeps it, a new database gets a new
    one) and the shared throttle table."""
    if get_meta(conn, "server_id") is None:
        conn.execute(insert(server_meta).values(key="server_id", value=f"srv-{uuid.uuid4().hex}"))
    throttle_events.create(conn, checkfirst=True)


def _v5(conn: Connection) -> None:
    """``operator_keys``: op-signing keys registered at login."""
    operator_keys.create(conn, checkfirst=True)


def _v6(conn: Connection) -> None:
    """The hash chains of case histories and the signed checkpoints; the events already
    there are chained now, each case's in the order it was written (docs/audit.md)."""
    from samad_desk.central.audit import chain_existing

    for t in (event_chain, audit_checkpoints, audit_heads):
        t.create(conn, checkfirst=True)
    chain_existing(conn)


def _v7(conn: Connection) -> None:
    """``operator_ssh_keys``: SSH login keys of ``samad-desk serve ssh`` (number 7: 6 is
    another change made at the same time)."""
    operator_ssh_keys.create(conn, checkfirst=True)


def _v8(conn: Connection) -> None:
    """``report_specs``: saved report specs (own, or shared in a province)."""
    report_specs.create(conn, checkfirst=True)


MIGRATIONS: list[tuple[int, Callable[[Connection], None]]] = [(1, _v1), (2, _v2), (3, _v3), (4, _v4),
                                                             (5, _v5), (6, _v6), (7, _v7), (8, _v8)]
SCHEMA_VERSION = MIGRATIONS[-1][0]


def normalize_url(url: str) -> tuple[str, str | None]:
    """Return (SQLAlchemy URL, PostgreSQL schema or None)."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    schema = None
    if url.startswith("postgresql"):
        u = make_url(url)
        given = u.query.get("schema")
        if isinstance(given, tuple):  # ?schema=a&schema=b
            raise ValueError(f"one schema name, not {given!r}")
        schema = given
        if schema:
            if not schema.replace("_", "").isalnum():
                raise ValueError(f"bad schema name {schema!r}")
            u = u.difference_update_query(["schema"])
            url = u.render_as_string(hide_password=False)
    elif not url.startswith("sqlite"):
        # a bare path means a SQLite file
        url = f"sqlite:///{Path(url).expanduser()}"
    return url, schema


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


def open_engine(url: str) -> Engine:
    sa_url, schema = normalize_url(url)
    if sa_url.startswith("sqlite"):
        path = make_url(sa_url).database
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            sa_url, connect_args={"timeout": 30, "check_same_thread": False}, pool_size=8
        )

        @event.listens_for(engine, "connect")
        def _connect(dbapi_conn, _rec):  # noqa: ANN001
            dbapi_conn.isolation_level = None  # we issue BEGIN ourselves
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=FULL")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.close()

        @event.listens_for(engine, "begin")
        def _begin(conn):  # noqa: ANN001
            if conn.get_execution_options().get("write"):
                conn.exec_driver_sql("BEGIN IMMEDIATE")
            else:
                conn.exec_driver_sql("BEGIN")

        return engine

    engine = create_engine(sa_url, pool_size=10, max_overflow=20, pool_pre_ping=True)
    if schema:
        with engine.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{schema}"'))

        @event.listens_for(engine, "connect")
        def _search_path(dbapi_conn, _rec):  # noqa: ANN001
            cur = dbapi_conn.cursor()
            cur.execute(f'SET search_path TO "{schema}"')
            cur.close()
            dbapi_conn.commit()

        engine.dispose()  # connections made before the listener lack the search_path
    return engine


def writer(engine: Engine) -> Engine:
    """The same engine, whose transactions take SQLite's write lock at BEGIN."""
    return engine.execution_options(write=True)


def migrate(engine: Engine) -> int:
    """Create or upgrade the schema; return the version now in place."""
    w = writer(engine)
    with w.begin() as conn:
        if not is_sqlite(engine):
            # one migrating process at a time
            conn.execute(text("SELECT pg_advisory_xact_lock(1110111)"))
        if not engine.dialect.has_table(conn, "schema_version"):
            current = 0
        else:
            current = conn.execute(select(schema_version.c.version)).scalar() or 0
        for version, step in MIGRATIONS:
            if version > current:
                step(conn)
                current = version
                if conn.execute(select(schema_version.c.id)).first() is None:
                    conn.execute(insert(schema_version).values(id=1, version=version))
                else:
                    conn.execute(schema_version.update().values(version=version))
    return current


#: the last change the report tables folded in (central/reports.py); unset until the first
#: report, so a server that never reports does not fold after each push (central/push.py)
REPORT_SEQ = "report_seq"


def get_meta(conn: Connection, key: str) -> str | None:
    return conn.execute(select(server_meta.c.value).where(server_meta.c.key == key)).scalar()


def set_meta(conn: Connection, key: str, value: str) -> None:
    if get_meta(conn, key) is None:
        conn.execute(insert(server_meta).values(key=key, value=value))
    else:
        conn.execute(server_meta.update().where(server_meta.c.key == key).values(value=value))
