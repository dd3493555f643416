"""``POST /v1/sync/push``: exactly-once application of a batch of ops (store-and-sync.md §3.5).

One push is one transaction:

1. the client's ``sync_clients`` row is locked (``FOR UPDATE`` on PostgreSQL; SQLite's
   ``BEGIN IMMEDIATE`` holds the single write lock), so pushes of one client serialize;
2. each op, in ``client_seq`` order: a known ``op_id`` answers ``duplicate`` with the
   stored outcome; an unknown op at or below ``last_client_seq`` rolls everything back with
   ``409 client_reset_required``; an op beyond ``last + 1`` stops the batch with a ``gap``
   result; otherwise the op goes through the server's own authorization check and the
   shared reducer ``samad_desk.domain.reducer.apply_op``;
3. the dedup rows, the effects and the client counter are written in the same
   transaction, the change rows get their ``seq`` from the one-row counter as the last
   step, and the transaction commits.

Per-op rollback without a SAVEPOINT per op: the reducer is pure and an op's effects are
written only after it answered ``applied``, so a rejected op has touched nothing (its
reads and locks are harmless); an exception inside an op rolls the whole batch back.
The effects of the applied ops are buffered in the :class:`Repo` cache and written in
bulk (one INSERT and one UPDATE, on PostgreSQL ``unnest`` of binary arrays) before the
counter step, or earlier when a lookup by something other than the primary key needs
them in the database. A database error in such a bulk write names no op: the batch is
then run again with each op's writes issued as it applies (``deferred=False``), so a
failing op is attributed and counted as poison as before.

An unexpected exception inside one op rolls the batch back, counts the op in
``poison_ops`` (its own small transaction) and answers 503; after ``poison_attempts``
failures the op is recorded ``rejected`` / ``server_error`` so later ops move on.
"""

from __future__ import annotations

import logging
import random
import time
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError

from samad_desk.central import audit, db
from samad_desk.central.bulk import insert_many, rows_by_key
from samad_desk.central.changes import ChangeBuffer, flush
from samad_desk.central.entities import FlushError, Repo, dumps, loads
from samad_desk.central.errors import ApiError, unavailable
from samad_desk.central.keys import KeyRing
from samad_desk.central.push_apply import OpApplyMixin
from samad_desk.central.push_batch import (
    check_body,
    claimed_operator,
    journal_device,
    prefetch_keys,
    prefetch_national_ids,
    register_codes,
)
from samad_desk.central.scopes import principal_keys
from samad_desk.domain.ids import is_safe_id

log = logging.getLogger("samad_desk.central.push")

SYNC_OP_COLS = ("op_id", "client_id", "client_seq", "type", "entity_id", "operator_id", "status", "code",
                "message", "current", "seq", "entity_version", "received_at")

MSG_SERVER_ERROR = "اجرای این عملیات روی سرور بارها با خطا روبه‌رو شد؛ به پشتیبانی اطلاع داده شد."


class ClientReset(Exception):
    pass


class PoisonError(Exception):
    def __init__(self, op_id: str, exc: BaseException):
        super().__init__(f"{op_id}: {exc!r}")
        self.op_id = op_id
        self.exc = exc


def _iso(dt: datetime) -> str:
    from samad_desk.central.service import iso

    return iso(dt)


class PushMixin(OpApplyMixin):
    # attributes provided by Central
    engine: Any
    w: Any
    sqlite: bool
    faults: Any
    hooks: dict
    poison_attempts: int
    clock: Any

    # -- entry point ----------------------------------------------------------------------
    def push(self, principal: Any, body: Any) -> dict:
        return self.push_and_fold(principal, body)[0]

    def push_and_fold(self, principal: Any, body: Any) -> tuple[dict, bool]:
        """The push's answer, and whether the report tables are to fold it in (an op was
        applied and the server keeps them: ``report_seq`` is set). That is read in the
        push's own transaction, so the fold after the answer needs no connection to ask."""
        client_id, ops = check_body(principal, body)
        last_error: BaseException | None = None
        deferred = True
        for attempt in range(5):
            try:
                return self._push_tx(principal, client_id, ops, deferred=deferred)
            except FlushError as exc:
                # a bulk write of several ops' effects failed
                last_error = exc.exc
                if self._db_error_kind(exc.exc) == "other":
                    # not a race: run the batch again writing op by op, which names the op
                    log.warning("bulk write failed; retrying op by op: %r", exc.exc)
                    deferred = False
                    continue
                log.info("push retry", extra={"attempt": attempt, "error": type(exc.exc).__name__})
                time.sleep(random.uniform(0, 0.05 * (attempt + 1)))
            except PoisonError as exc:
                kind = self._db_error_kind(exc.exc)
                if kind != "other" and attempt < 4:
                    # lost a race inside the op (the same op_id applied meanwhile by a
                    # reset client, a deadlock…): retry before calling the op poisonous
                    last_error = exc.exc
                    time.sleep(random.uniform(0, 0.05 * (attempt + 1)))
                    continue
                if kind == "transient":  # the database is struggling, not the op
                    raise unavailable(2) from None
                self._count_poison(exc)
                raise unavailable(1) from None
            except Exception as exc:
                if self._db_error_kind(exc) == "other":
                    raise
                # lost a race (concurrent first push of a client, same op_id from a reset
                # client, deadlock, lock timeout, SQLite busy): retry the whole batch
                last_error = exc
                log.info("push retry", extra={"attempt": attempt, "error": type(exc).__name__})
                time.sleep(random.uniform(0, 0.05 * (attempt + 1)))
        log.warning("push gave up: %r", last_error)
        raise unavailable(2)

    def _db_error_kind(self, exc: BaseException) -> str:
        """"integrity" (a unique key raced), "transient" (deadlock, lock timeout, busy,
        connection lost) or "other". Covers SQLAlchemy's wrappers and the driver's own
        exceptions (the hot path runs on the driver cursor)."""
        dbapi = self.engine.dialect.dbapi
        if isinstance(exc, IntegrityError) or isinstance(exc, dbapi.IntegrityError):
            return "integrity"
        if isinstance(exc, OperationalError) or isinstance(exc, dbapi.OperationalError):
            return "transient"
        if isinstance(exc, DBAPIError) and exc.connection_invalidated:
            return "transient"
        return "other"

    # -- poison ops -----------------------------------------------------------------------
    def _poison_counts(self, conn, op_ids: list[str]) -> dict[str, int]:
        return {r["op_id"]: r["attempts"] for r in rows_by_key(conn, "poison_ops", ("op_id", "attempts"),
                                                                 "op_id", op_ids)}

    def _count_poison(self, exc: PoisonError) -> None:
        t = db.poison_ops
        now = _iso(self.clock())
        log.error("op raised", extra={"op_id": exc.op_id, "error": repr(exc.exc)})
        for _ in range(3):
            try:
                with self.w.begin() as conn:
                    row = conn.execute(select(t).where(t.c.op_id == exc.op_id)).first()
                    if row is None:
                        conn.execute(insert(t).values(op_id=exc.op_id, attempts=1,
                                                      last_error=repr(exc.exc)[:2000], updated_at=now))
                    else:
                        conn.execute(update(t).where(t.c.op_id == exc.op_id).values(
                            attempts=row.attempts + 1, last_error=repr(exc.exc)[:2000], updated_at=now))
                return
            except (IntegrityError, OperationalError):
                continue

    # -- the transaction ------------------------------------------------------------------
    def _push_tx(self, principal: Any, client_id: str, ops: list[dict], *,
                 deferred: bool = True) -> tuple[dict, bool]:
        now = self.clock()
        received = _iso(now)
        keys = principal_keys(principal.operator)
        fold = False
        with self.w.connect() as conn:
            tx = conn.begin()
            try:
                c = db.sync_clients
                stmt = select(c).where(c.c.client_id == client_id)
                if not self.sqlite:
                    stmt = stmt.with_for_update()
                crow = conn.execute(stmt).first()
                last = 0
                if crow is not None:
                    last = crow.last_client_seq
                start_last = last
                op_ids = [op["op_id"] for op in ops]
                known = {r["op_id"]: r for r in rows_by_key(conn, "sync_ops", SYNC_OP_COLS, "op_id", op_ids)}
                ring = KeyRing(conn)
                owner = journal_device(principal, crow, ops, known, ring)
                if crow is None:
                    conn.execute(insert(c).values(client_id=client_id, device_id=owner,
                                                  last_client_seq=0, created_at=received))
                poison = self._poison_counts(conn, op_ids)
                repo = Repo(conn, lock=not self.sqlite, deferred=deferred)
                repo.prefetch(prefetch_keys(ops, known))
                repo.canonical_nids = prefetch_national_ids(ops, known)
                repo.prefetch_national_ids(list(repo.canonical_nids.values()))
                repo.prefetch_tracking_codes(register_codes(ops, known))
                buf = ChangeBuffer()
                results: list[dict] = []
                records: list[dict] = []
                spans: list[tuple[int, int]] = []  # buffer index range per record
                seen: set[str] = set()
                for op in ops:
                    op_id = op["op_id"]
                    cseq = op["client_seq"]
                    prior = known.get(op_id)
                    if prior is not None or op_id in seen:
                        results.append(self._dup_result(repo, prior, op, records, keys, owner))
                        if cseq == last + 1:
                            last += 1
                        continue
                    if cseq <= last:
                        raise ClientReset()
                    if cseq > last + 1:
                        results.append({"status": "gap", "expected_seq": last + 1})
                        break
                    if records:
                        self.faults.point("between_ops")
                    mark = buf.mark()
                    if poison.get(op_id, 0) >= self.poison_attempts:
                        res = {"status": "rejected", "code": "server_error", "message": MSG_SERVER_ERROR,
                               "current": None}
                        log.error("poison op rejected", extra={"op_id": op_id})
                    else:
                        # no SAVEPOINT: a rejected op wrote nothing (effects are written
                        # only after "applied"), and an exception ends the whole batch
                        try:
                            res = self._apply_one(repo, buf, principal, op, now, keys, ring)
                        except FlushError:
                            raise  # an earlier op's deferred write failed
                        except Exception as exc:
                            buf.rollback_to(mark)
                            raise PoisonError(op_id, exc) from exc
                        if res["status"] != "applied":
                            buf.rollback_to(mark)
                    seen.add(op_id)
                    last = cseq
                    records.append({
                        "op_id": op_id,
                        "client_id": client_id,
                        "client_seq": cseq,
                        "type": op["type"][:64],
                        "entity_id": op.get("entity_id") if is_safe_id(op.get("entity_id")) else None,
                        "operator_id": claimed_operator(op),
                        "status": res["status"],
                        "code": res.get("code"),
                        "message": res.get("message"),
                        "current": dumps(res["current"]) if res.get("current") is not None else None,
                        "seq": None,
                        "entity_version": res.get("entity_version"),
                        "received_at": received,
                    })
                    spans.append((mark, buf.mark()))
                    out = {"op_id": op_id, "client_seq": cseq, **{k: v for k, v in res.items() if v is not None}}
                    results.append(out)
                repo.flush_writes()  # the effects, before the counter lock is taken
                if last != start_last or crow is None:
                    conn.execute(update(c).where(c.c.client_id == client_id).values(last_client_seq=last))
                # the last step before COMMIT: take the seq range from the one-row counter
                # (its row lock is held to COMMIT, so commits happen in seq order) and
                # write the change rows and the dedup rows that carry those seqs
                first, _top = flush(conn, buf)
                # the history's hash chain, in this transaction (docs/audit.md)
                audit.append(conn, [(case_id, eid, data, first + i) for i, case_id, eid, data in repo.chain_new
                                    if i < len(buf.items) and buf.items[i].id == eid])
                by_id = {}
                for rec, (a, b) in zip(records, spans, strict=True):
                    if b > a:
                        rec["seq"] = first + b - 1
                    by_id[rec["op_id"]] = rec
                if records:
                    insert_many(conn, "sync_ops", SYNC_OP_COLS, records)
                for out in results:
                    stored = by_id.get(out.get("op_id"))
                    if stored is not None and out.get("status") != "duplicate" and stored["seq"] is not None:
                        out["seq"] = stored["seq"]
                if any(r["status"] == "applied" for r in records):
                    fold = db.get_meta(conn, db.REPORT_SEQ) is not None
                hook = self.hooks.get("before_commit")
                if hook is not None:
                    hook(client_id, ops)
                self.faults.point("before_commit")
                tx.commit()
            except ClientReset:
                tx.rollback()
                raise ApiError(
                    409,
                    "client_reset_required",
                    "این میز کار باید شناسه کلاینت تازه بگیرد (نسخه پشتیبان یا رونوشت دفتر عملیات).",
                    last_client_seq=last,
                ) from None
            except BaseException:
                tx.rollback()
                raise
        self.faults.point("after_commit_before_response")
        n_applied = sum(1 for r in records if r["status"] == "applied")
        log.info("push", extra={"client_id": client_id, "ops": len(ops), "applied": n_applied,
                                "last_client_seq": last, "operator": principal.id})
        return {"results": results, "last_client_seq": last, "server_time": received}, fold

    def _dup_result(self, repo: Repo, prior: Any, op: dict, records: list[dict], keys: Any,
                    owner: str) -> dict:
        """The stored outcome of an op already seen (``owner``: the device of the journal
        being pushed). Resent under a client of another device (someone replaying another
        desk's op_id) only its status is told: its message, code and position belong to
        that other desk. A reset or restored desk re-sending its own ops under a new
        client of the same device gets the whole outcome; ``current`` only when the asker
        may read it."""
        if prior is None:  # the same op twice in one batch
            rec = next(r for r in records if r["op_id"] == op["op_id"])
            prior_d = dict(rec)
        else:
            prior_d = prior
        out = {
            "op_id": op["op_id"],
            "client_seq": op["client_seq"],
            "status": "duplicate",
            "original": prior_d["status"],
        }
        if self._client_device(repo, prior_d.get("client_id")) == owner:
            current = loads(prior_d.get("current")) if prior_d.get("current") else None
            if current is not None and not self._may_see(repo, keys, op, current):
                current = None
            out.update(seq=prior_d.get("seq"), entity_version=prior_d.get("entity_version"),
                       code=prior_d.get("code"), message=prior_d.get("message"), current=current)
        return {k: v for k, v in out.items() if v is not None}

    @staticmethod
    def _client_device(repo: Repo, client_id: Any) -> str | None:
        """The device a client belongs to (looked up once per push)."""
        memo = repo.client_devices
        if client_id not in memo:
            c = db.sync_clients
            memo[client_id] = repo.conn.execute(
                select(c.c.device_id).where(c.c.client_id == client_id)).scalar() if isinstance(client_id, str) else None
        return memo[client_id]
