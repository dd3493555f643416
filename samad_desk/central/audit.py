"""Tamper-evident case histories on the server (docs/audit.md, ``domain/chain.py``).

- :func:`append` chains the events a push (or an import) wrote, in the same
  transaction, after the change rows got their seqs;
- :func:`chain_head` is a case's current head (the tracking page shows its short form);
- :class:`AuditKey` is the server's Ed25519 checkpoint key, made on first start and kept
  in a 0600 file beside the server's data (never in the database: whoever can edit the
  database must not be able to sign);
- :func:`make_checkpoint` signs the heads that moved since the last checkpoint, each on
  its own and all together, chained to the checkpoint before;
- :func:`proofs` is what a pull or snapshot page carries so a desk can check the
  histories it holds.

``central/audit_verify.py`` recomputes everything (``samad-desk central audit verify``).
"""

from __future__ import annotations

import hashlib
import logging
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import orjson
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    PublicFormat,
)
from sqlalchemy import and_, func, insert, select, text
from sqlalchemy.engine import Connection

from samad_desk import paths
from samad_desk.central import db
from samad_desk.domain import chain

log = logging.getLogger("samad_desk.central.audit")

#: seconds between the server's automatic checkpoints (``SAMAD_CENTRAL_AUDIT_INTERVAL``)
DEFAULT_INTERVAL = 300.0
_IN_CHUNK = 500


# -- chaining -------------------------------------------------------------------------------
def _heads(conn: Any, case_ids: list[str]) -> dict[str, tuple[int, str]]:
    """case id -> (n, hash) of its last link, for the cases that have one."""
    t = db.event_chain
    out: dict[str, tuple[int, str]] = {}
    for i in range(0, len(case_ids), _IN_CHUNK):
        part = case_ids[i : i + _IN_CHUNK]
        top = (select(t.c.case_id, func.max(t.c.n).label("n")).where(t.c.case_id.in_(part))
               .group_by(t.c.case_id).subquery())
        rows = conn.execute(select(t.c.case_id, t.c.n, t.c.hash).select_from(
            t.join(top, and_(t.c.case_id == top.c.case_id, t.c.n == top.c.n)))).all()
        out.update({r.case_id: (r.n, r.hash) for r in rows})
    return out


def append(conn: Any, items: Iterable[tuple[str, str, dict, int]]) -> None:
    """Chain new events: ``(case_id, event_id, event dict, change seq)`` in the order they
    were applied. Two transactions appending to one case collide on the primary key
    ``(case_id, n)`` and the push retries: a chain never forks (on PostgreSQL the push's
    ``FOR UPDATE`` on the case row already makes them wait for each other)."""
    items = list(items)
    if not items:
        return
    heads = _heads(conn, sorted({c for c, *_ in items}))
    rows = []
    for case_id, event_id, data, seq in items:
        n, prev = heads.get(case_id, (0, chain.GENESIS))
        h = chain.link_hash(prev, data)
        heads[case_id] = (n + 1, h)
        rows.append({"case_id": case_id, "n": n + 1, "event_id": event_id, "hash": h, "seq": seq})
    from samad_desk.central.bulk import insert_many

    insert_many(conn, "event_chain", CHAIN_COLS, rows)


CHAIN_COLS = ("case_id", "n", "event_id", "hash", "seq")


def append_imported(conn: Any, rows: list[tuple[int, Any]], first_seq: int) -> None:
    """Chain the case events an import wrote (``(change buffer index, entity row)``, in
    the order written; the change seqs start at ``first_seq``), skipping those already
    chained (an import run again)."""
    have = chained_ids(conn, [row.id for _, row in rows])
    append(conn, [(row.case_id, row.id, orjson.loads(row.data), first_seq + i) for i, row in rows
                  if row.id not in have])


def chained_ids(conn: Any, event_ids: list[str]) -> set[str]:
    """Which of these events have a place in a chain already."""
    t = db.event_chain
    out: set[str] = set()
    for i in range(0, len(event_ids), _IN_CHUNK):
        out |= {r[0] for r in conn.execute(select(t.c.event_id).where(t.c.event_id.in_(event_ids[i : i + _IN_CHUNK])))}
    return out


def chain_existing(conn: Any) -> int:
    """Chain every event of a case not chained yet (migration 6): each case's events in
    the order they were written (server time ``at``, then first change seq, then id).
    Returns the number chained."""
    e, ch, t = db.entities, db.changes, db.event_chain
    first_seq = dict(conn.execute(select(ch.c.id, func.min(ch.c.seq)).where(ch.c.entity == "event")
                                  .group_by(ch.c.id)).all())
    chained = {r[0] for r in conn.execute(select(t.c.event_id)).all()}
    by_case: dict[str, list[tuple[str, int, str, dict]]] = {}
    for r in conn.execute(select(e.c.id, e.c.case_id, e.c.data).where(and_(
            e.c.entity == "event", e.c.case_id.is_not(None), e.c.deleted.is_(False)))):
        if r.id in chained or r.data is None:
            continue
        data = orjson.loads(r.data)
        by_case.setdefault(r.case_id, []).append((str(data.get("at") or ""), first_seq.get(r.id) or 0, r.id, data))
    items = []
    for case_id in sorted(by_case):
        for _at, _seq, eid, data in sorted(by_case[case_id], key=lambda x: x[:3]):
            items.append((case_id, eid, data, 0))
    append(conn, items)
    return len(items)


def chain_head(source: Any, case_id: str) -> str:
    """The case's current head (64 hex digits; ``""`` when it has no history).
    ``source``: a SQLAlchemy connection or anything with an ``engine`` (``Central``).
    The tracking page shows :func:`domain.chain.short` of it."""
    if not isinstance(source, Connection):
        with source.engine.connect() as conn:
            return chain_head(conn, case_id)
    got = _heads(source, [case_id]).get(case_id)
    return got[1] if got else ""


def chain_head_short(source: Any, case_id: str) -> str:
    """The first 12 hex digits of :func:`chain_head` (what a citizen quotes)."""
    return chain.short(chain_head(source, case_id))


# -- the server's key -------------------------------------------------------------------------
def default_key_path(db_url: str, server_id: str) -> Path:
    """``SAMAD_CENTRAL_AUDIT_KEY``, else beside a SQLite database file, else under the data
    directory's ``central/``; one file per database (its server id in the name)."""
    env = os.environ.get("SAMAD_CENTRAL_AUDIT_KEY")
    if env:
        return Path(env).expanduser()
    name = f"audit-{server_id}.key"
    sa_url, _schema = db.normalize_url(db_url)
    if sa_url.startswith("sqlite"):
        from sqlalchemy.engine import make_url

        file = make_url(sa_url).database
        if file and file != ":memory:":
            return Path(file).expanduser().resolve().parent / name
    return paths.data_dir() / "central" / name


class AuditKey:
    """The Ed25519 key that signs checkpoints; its public half is ``public_b64``."""

    def __init__(self, secret: bytes) -> None:
        self._key = Ed25519PrivateKey.from_private_bytes(secret)
        self.public = self._key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
        self.public_b64 = chain.b64(self.public)

    def sign(self, message: bytes) -> str:
        return chain.b64(self._key.sign(message))

    @classmethod
    def load_or_create(cls, path: Path) -> AuditKey:
        """Read the key file, or make it (mode 0600, created whole or not at all: two
        server processes starting at once end up with the same key)."""
        for _ in range(3):
            try:
                return cls(chain.unb64(path.read_text().strip()))
            except FileNotFoundError:
                pass
            path.parent.mkdir(parents=True, exist_ok=True)
            raw = Ed25519PrivateKey.generate().private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
            tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            try:
                os.write(fd, (chain.b64(raw) + "\n").encode())
                os.fsync(fd)
            finally:
                os.close(fd)
            try:
                os.link(tmp, path)  # fails when another process made it first
            except FileExistsError:
                pass
            finally:
                tmp.unlink(missing_ok=True)
        raise OSError(f"cannot read the audit key {path}")


def public_from_b64(value: str) -> bytes | None:
    try:
        raw = chain.unb64(value)
        Ed25519PublicKey.from_public_bytes(raw)
    except (ValueError, TypeError):
        return None
    return raw


def pin_public_key(conn: Any, key: AuditKey) -> bool:
    """Record the key's public half in the database on first start; False when the
    database names another key (then this process must not sign: docs/audit.md)."""
    known = db.get_meta(conn, "audit_public_key")
    if known is None:
        db.set_meta(conn, "audit_public_key", key.public_b64)
        return True
    return known == key.public_b64


# -- checkpoints ---------------------------------------------------------------------------------
def current_heads(conn: Any) -> dict[str, tuple[int, str]]:
    t = db.event_chain
    top = select(t.c.case_id, func.max(t.c.n).label("n")).group_by(t.c.case_id).subquery()
    rows = conn.execute(select(t.c.case_id, t.c.n, t.c.hash).select_from(
        t.join(top, and_(t.c.case_id == top.c.case_id, t.c.n == top.c.n))))
    return {r.case_id: (r.n, r.hash) for r in rows}


def signed_heads(conn: Any, upto: int | None = None) -> dict[str, tuple[int, str]]:
    """The newest signed head of every case (as of checkpoint ``upto``, default all)."""
    h = db.audit_heads
    cond = [] if upto is None else [h.c.checkpoint_id <= upto]
    top = (select(h.c.case_id, func.max(h.c.checkpoint_id).label("c")).where(*cond)
           .group_by(h.c.case_id).subquery())
    rows = conn.execute(select(h.c.case_id, h.c.n, h.c.head).select_from(
        h.join(top, and_(h.c.case_id == top.c.case_id, h.c.checkpoint_id == top.c.c))))
    return {r.case_id: (r.n, r.head) for r in rows}


def heads_digest(heads: dict[str, tuple[int, str]]) -> str:
    d = hashlib.sha256()
    for case_id in sorted(heads):
        n, head = heads[case_id]
        d.update(f"{case_id} {n} {head}\n".encode())
    return d.hexdigest()


def body_digest(body: str) -> str:
    return hashlib.sha256(body.encode()).hexdigest()


def last_checkpoint(conn: Any) -> Any:
    t = db.audit_checkpoints
    return conn.execute(select(t).order_by(t.c.id.desc()).limit(1)).first()


def make_checkpoint(conn: Any, key: AuditKey, server_id: str, now: str, *, force: bool = False) -> dict | None:
    """Sign the heads that moved since the last checkpoint (inside the caller's write
    transaction). ``None`` when nothing moved and not ``force``."""
    if conn.dialect.name != "sqlite":
        conn.execute(text("SELECT pg_advisory_xact_lock(1110112)"))  # one checkpointer at a time
    last = last_checkpoint(conn)
    state = signed_heads(conn)
    delta = {c: v for c, v in current_heads(conn).items() if state.get(c) != v}
    if not delta and not force:
        return None
    cp_id = (last.id if last is not None else 0) + 1
    marks = [{"checkpoint_id": cp_id, "case_id": c, "n": n, "head": h,
              "sig": key.sign(chain.mark_message(server_id, c, n, h, cp_id))}
             for c, (n, h) in sorted(delta.items())]
    state.update(delta)
    body = {
        "v": 1, "server": server_id, "id": cp_id, "at": now,
        "prev": body_digest(last.body) if last is not None else chain.GENESIS,
        "cases": len(state), "events": sum(n for n, _ in state.values()),
        "changed": len(delta), "delta": heads_digest(delta), "state": heads_digest(state),
        "key": key.public_b64,
    }
    text_body = chain.canonical(body).decode()
    sig = key.sign(chain.checkpoint_message(body))
    conn.execute(insert(db.audit_checkpoints).values(id=cp_id, at=now, body=text_body, sig=sig))
    for i in range(0, len(marks), _IN_CHUNK):
        conn.execute(insert(db.audit_heads), marks[i : i + _IN_CHUNK])
    return exported(body, sig)


def exported(body: dict, sig: str) -> dict:
    """A checkpoint as published outside the server (``audit checkpoint --out``)."""
    return {"checkpoint": body, "sig": sig, "digest": body_digest(chain.canonical(body).decode())}


# -- what a page carries --------------------------------------------------------------------------
def proofs(conn: Any, case_ids: Iterable[str], upto_seq: int) -> dict[str, dict]:
    """For each case: its links with ``seq <= upto_seq`` (a prefix of its chain: the page's
    data goes no further) and the newest signed head within them."""
    ids = sorted({c for c in case_ids if isinstance(c, str)})
    t, h = db.event_chain, db.audit_heads
    out: dict[str, dict] = {c: {"links": [], "mark": None} for c in ids}
    for i in range(0, len(ids), _IN_CHUNK):
        part = ids[i : i + _IN_CHUNK]
        for r in conn.execute(select(t.c.case_id, t.c.n, t.c.event_id, t.c.hash)
                              .where(and_(t.c.case_id.in_(part), t.c.seq <= upto_seq))
                              .order_by(t.c.case_id, t.c.n)):
            out[r.case_id]["links"].append([r.n, r.event_id, r.hash])
        for r in conn.execute(select(h.c.case_id, h.c.checkpoint_id, h.c.n, h.c.head, h.c.sig)
                              .where(h.c.case_id.in_(part)).order_by(h.c.case_id, h.c.checkpoint_id)):
            if r.n <= len(out[r.case_id]["links"]):
                out[r.case_id]["mark"] = {"cp": r.checkpoint_id, "n": r.n, "head": r.head, "sig": r.sig}
    return {c: v for c, v in out.items() if v["links"]}

