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
from samad_desk.central.entities import (
    ChangeBuffer,
    Ctx,
    FlushError,
    Pending,
    Repo,
    dumps,
    flush,
    insert_many,
    loads,
    principal_keys,
    visible,
)
from samad_desk.central.errors import ApiError, bad_request, forbidden, unavailable
from samad_desk.central.keys import KeyRing
from samad_desk.central.reach import guard
from samad_desk.domain.ids import is_safe_id

log = logging.getLogger("samad_desk.central.push")

#: current version of each op type's arguments; older versions are upcast
CURRENT_OP_VERSION = 1
#: oldest op version still accepted (below: 426, keep the ops and upgrade the desk)
MIN_OP_VERSION = 1
#: (type, v) -> function returning the op at v + 1
UPCASTERS: dict[tuple[str, int], Any] = {}

MAX_BATCH = 1000
SYNC_OP_COLS = ("op_id", "client_id", "client_seq", "type", "entity_id", "operator_id", "status", "code",
                "message", "current", "seq", "entity_version", "received_at")

MSG_FORBIDDEN_ACTOR = "این عملیات به نام کاربری ثبت شده که به این دستگاه تعلق ندارد."
MSG_FOREIGN_JOURNAL = ("این دفتر عملیات از دستگاه دیگری است و همه عملیات آن امضای معتبر نویسنده‌شان را ندارند؛"
                       " چیزی ثبت نشد.")
MSG_SERVER_ERROR = "اجرای این عملیات روی سرور بارها با خطا روبه‌رو شد؛ به پشتیبانی اطلاع داده شد."
MSG_UNSUPPORTED_VERSION = "نسخه این عملیات برای سرور ناشناخته است؛ سرور باید به‌روز شود."
MSG_UNKNOWN_TYPE = "نوع عملیات ناشناخته است."


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


def upcast(op: dict) -> dict:
    v = int(op.get("v") or 1)
    while v < CURRENT_OP_VERSION:
        step = UPCASTERS.get((op["type"], v))
        if step is None:
            break
        op = step(op)
        v += 1
        op["v"] = v
    return op


def _prefetch_keys(ops: list[dict], known: dict) -> list[tuple[str, str]]:
    """The rows a batch will read: its cases and citizens (locked on PostgreSQL, in id
    order), the agencies cases are referred to and the events the reducer looks up to
    recognise an already applied op."""
    from samad_desk.domain.reducer import event_id_for

    keys: list[tuple[str, str]] = []
    for op in ops:
        if op["op_id"] in known:
            continue
        kind = op["type"]
        eid = op.get("entity_id")
        if not is_safe_id(eid):  # the reducer rejects the op; don't send it to the database
            continue
        if kind.startswith("case."):
            keys.append(("case", eid))
        elif kind.startswith("citizen."):
            keys.append(("citizen", eid))
        payload = op.get("payload") if isinstance(op.get("payload"), dict) else {}
        if kind == "case.register" and is_safe_id(payload.get("citizen_id")):
            keys.append(("citizen", payload["citizen_id"]))
        if kind == "case.refer" and is_safe_id(payload.get("agency_id")):
            keys.append(("agency", payload["agency_id"]))
        keys.append(("event", event_id_for(op["op_id"])))
    return keys


def _prefetch_national_ids(ops: list[dict], known: dict) -> dict[str, str]:
    """The national IDs the batch's ``citizen.upsert`` ops will look up, as typed ->
    as the reducer will canonicalize them; a miss only costs a query of its own later."""
    from samad_desk.text.national_id import parse_national_id

    nids = {}
    for op in ops:
        if op["type"] != "citizen.upsert" or op["op_id"] in known:
            continue
        payload = op.get("payload")
        raw = payload.get("national_id") if isinstance(payload, dict) else None
        if isinstance(raw, str) and raw:
            parsed = parse_national_id(raw)
            if parsed.ok and parsed.value:
                nids[raw] = parsed.value
    return nids


def _register_codes(ops: list[dict], known: dict) -> list[str]:
    """The tracking codes the batch's ``case.register`` ops will look up (canonical)."""
    from samad_desk.domain.tracking import parse_tracking_code

    codes = []
    for op in ops:
        if op["type"] != "case.register" or op["op_id"] in known:
            continue
        raw = op["payload"].get("tracking_code") if isinstance(op.get("payload"), dict) else None
        parsed = parse_tracking_code(raw) if isinstance(raw, str) else None
        if parsed is not None and parsed.ok and parsed.value:
            codes.append(parsed.value)
    return codes


def rows_by_key(conn: Any, table: str, cols: tuple[str, ...], key: str, values: list[str]) -> list[dict]:
    """Rows of ``table`` whose ``key`` column is one of ``values``, as dicts.

    On PostgreSQL one primary-key probe per value (``unnest`` + ``LATERAL``): with
    ``key IN (…)`` a table without statistics (``sync_ops`` grows by every op, and a
    fresh one has none) was scanned whole for every batch."""
    if not values:
        return []
    names = ", ".join(cols)
    if conn.dialect.name == "sqlite":
        out = []
        for i in range(0, len(values), 500):
            part = values[i : i + 500]
            res = conn.exec_driver_sql(f"SELECT {names} FROM {table} WHERE {key} IN ({', '.join('?' * len(part))})",
                                       tuple(part))
            out += [dict(zip(cols, r, strict=True)) for r in res.fetchall()]
        return out
    cur = conn.connection.driver_connection.cursor()
    try:
        cur.execute(f"SELECT s.* FROM unnest(%s::text[]) AS k(v) CROSS JOIN LATERAL "
                    f"(SELECT {names} FROM {table} WHERE {key} = k.v OFFSET 0) AS s", (list(values),))
        return [dict(zip(cols, r, strict=True)) for r in cur.fetchall()]
    finally:
        cur.close()


def _claimed_operator(op: dict) -> str | None:
    """The operator id the op claims, when it is a plausible id (recorded with the op)."""
    actor = op.get("actor")
    oid = actor.get("operator_id") if isinstance(actor, dict) else None
    return oid if is_safe_id(oid) else None


def journal_device(principal: Any, crow: Any, ops: list[dict], known: dict, ring: KeyRing) -> str:
    """The device a client's journal belongs to, after checking the pusher may push it.

    A client belongs to the device that first pushed it. A host pushes the journals of
    other operators of its data directory (docs/threat-model.md): such a client belongs
    to the device their author logged in on, and every op of it not yet known must be
    signed by a live key registered from that device, or the whole batch is refused and
    nothing is written (no one can burn another desk's ``client_seq``). A new client is
    another operator's journal when its first op is in another operator's name: it then
    belongs to the device of the key that signed it (and without one, it is refused)."""
    fresh = [op for op in ops if op["op_id"] not in known]
    if crow is not None:
        owner = crow.device_id
    elif fresh and _claimed_operator(fresh[0]) not in (None, principal.id):
        first = ring.signer_of(fresh[0])
        if first is None:
            raise forbidden(MSG_FOREIGN_JOURNAL)
        owner = first.device_id
    else:
        owner = principal.device_id
    if owner == principal.device_id:
        return owner
    for op in fresh:
        key = ring.signer_of(op)
        if key is None or key.device_id != owner:
            raise forbidden(MSG_FOREIGN_JOURNAL)
    return owner


class PushMixin:
    # attributes provided by Central
    engine: Any
    w: Any
    sqlite: bool
    faults: Any
    hooks: dict
    poison_attempts: int

    # -- entry point ----------------------------------------------------------------------
    def push(self, principal: Any, body: Any) -> dict:
        if not isinstance(body, dict):
            raise bad_request("بدنه درخواست باید یک شیء JSON باشد.")
        client_id = body.get("client_id")
        ops = body.get("ops")
        if not isinstance(client_id, str) or not 0 < len(client_id) <= 128:
            raise bad_request("شناسه کلاینت (client_id) لازم است.")
        if not is_safe_id(client_id, 128):  # NUL is an error on PostgreSQL; escapes reach logs
            raise bad_request("شناسه کلاینت (client_id) نامعتبر است.")
        if not isinstance(ops, list) or len(ops) > MAX_BATCH:
            raise bad_request(f"فهرست عملیات (ops) لازم است و حداکثر {MAX_BATCH} عملیات دارد.")
        if body.get("device_id") not in (None, principal.device_id):
            raise forbidden("این درخواست از دستگاهی غیر از دستگاه ورود آمده است.")
        prev = 0
        for op in ops:
            if not isinstance(op, dict):
                raise bad_request("هر عملیات باید یک شیء JSON باشد.")
            if not isinstance(op.get("op_id"), str) or not isinstance(op.get("type"), str):
                raise bad_request("هر عملیات باید op_id و type داشته باشد.")
            if not is_safe_id(op["op_id"], 64):
                raise bad_request("شناسه عملیات (op_id) معتبر نیست.")
            seq = op.get("client_seq")
            if not isinstance(seq, int) or isinstance(seq, bool) or seq < 1:
                raise bad_request("شماره ترتیب عملیات (client_seq) معتبر نیست.")
            if seq <= prev:
                raise bad_request("عملیات باید به ترتیب client_seq فرستاده شوند.")
            prev = seq
            if op.get("client_id") not in (None, client_id):
                raise bad_request("همه عملیات یک دسته باید از یک کلاینت باشند.")
            v = op.get("v", 1)
            if not isinstance(v, int) or v < MIN_OP_VERSION:
                raise ApiError(
                    426,
                    "upgrade_required",
                    "نسخه میز کار قدیمی است؛ عملیات نگه داشته می‌شوند، میز کار را به‌روز کنید.",
                    min_op_version=MIN_OP_VERSION,
                )
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
    def _push_tx(self, principal: Any, client_id: str, ops: list[dict], *, deferred: bool = True) -> dict:
        now = self.clock()
        received = _iso(now)
        keys = principal_keys(principal.operator)
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
                repo.prefetch(_prefetch_keys(ops, known))
                repo.canonical_nids = _prefetch_national_ids(ops, known)
                repo.prefetch_national_ids(list(repo.canonical_nids.values()))
                repo.prefetch_tracking_codes(_register_codes(ops, known))
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
                        "operator_id": _claimed_operator(op),
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
                    rec = by_id.get(out.get("op_id"))
                    if rec is not None and out.get("status") != "duplicate" and rec["seq"] is not None:
                        out["seq"] = rec["seq"]
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
        return {"results": results, "last_client_seq": last, "server_time": received}

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

    # -- one op ---------------------------------------------------------------------------
    def _actor(self, principal: Any, op: dict, ring: KeyRing) -> dict | None:
        """The op's author as the server knows them: the token's operator, or the operator
        whose registered, unrevoked key signed the op. Role, agency, office and province
        always come from the server's operators table, never from the op."""
        claimed = op.get("actor") if isinstance(op.get("actor"), dict) else {}
        oid = claimed.get("operator_id") or principal.id
        if not is_safe_id(oid):  # a dict, a number, a control character: not an operator
            return None
        if oid == principal.id:
            o = principal.operator
        else:
            # another operator's op (a host pushing every journal of its data directory):
            # it counts only when its author signed it
            key = ring.signer_of(op)
            if key is None:
                return None
            row = ring.operator(oid)
            if row is None or not row.active:
                return None
            o = {"id": row.id, "name": row.name, "role": row.role, "agency_id": row.agency_id,
                 "office_id": row.office_id, "province": row.province}
        return {
            "operator_id": o["id"],
            "name": o["name"],
            "role": o["role"],
            "agency_id": o.get("agency_id"),
            "office_id": o.get("office_id"),
            "province": o.get("province"),
        }

    def _apply_one(self, repo: Repo, buf: ChangeBuffer, principal: Any, op: dict, now: datetime,
                   keys: Any, ring: KeyRing) -> dict:
        from samad_desk.domain.ops import OP_TYPES, OP_VERSIONS
        from samad_desk.domain.reducer import apply_op

        if op["type"] not in OP_TYPES:
            return {"status": "rejected", "code": "unknown_op", "message": MSG_UNKNOWN_TYPE}
        if int(op.get("v") or 1) > OP_VERSIONS.get(op["type"], CURRENT_OP_VERSION):
            return {"status": "rejected", "code": "unsupported_version", "message": MSG_UNSUPPORTED_VERSION}
        actor = self._actor(principal, op, ring)
        if actor is None:
            return {"status": "rejected", "code": "forbidden", "message": MSG_FORBIDDEN_ACTOR}
        op = upcast(dict(op, actor=actor))
        denied = guard(repo, actor, op)
        if denied is not None:
            return {"status": "rejected", "code": denied[0], "message": denied[1]}
        marker = self.faults.poison_marker
        if marker and isinstance(op.get("payload"), dict) and op["payload"].get(marker):
            raise RuntimeError("injected poison op")
        outcome = apply_op(op, repo, now=now, calendar=self.calendar)
        if outcome.status != "applied":
            current = outcome.current
            if current is not None and not self._may_see(repo, keys, op, current):
                current = None
            return {"status": "rejected", "code": outcome.code or "rejected",
                    "message": outcome.message, "current": current}
        self._write_changes(repo, buf, op, actor, outcome.changes)
        version = None
        for ch in outcome.changes:
            if ch.id == op.get("entity_id") and ch.data is not None:
                version = ch.data.get("version")
        return {"status": "applied", "entity_version": version}

    def _may_see(self, repo: Repo, keys: Any, op: dict, current: dict) -> bool:
        cid = current.get("id") if isinstance(current, dict) else None
        for entity in ("case", "citizen"):
            row = repo.row(entity, cid) if cid else None
            if row is not None:
                return visible(keys, repo.scope_of(entity, row))
        return False

    def _write_changes(self, repo: Repo, buf: ChangeBuffer, op: dict, actor: dict, changes: list) -> None:
        ctx = Ctx(actor["operator_id"], actor.get("office_id"), actor.get("province"))
        written: list[tuple[Any, Any, Any]] = []  # (change, old row, new row)
        for ch in changes:
            old = repo.row(ch.entity, ch.id)
            if ch.op == "delete":
                if old is None:
                    continue
                version = repo.delete(ch.entity, ch.id, old)
                written.append((ch, old, version))
            else:
                new = repo.put(ch.entity, ch.id, ch.data, ctx, old=old)
                written.append((ch, old, new))
        # scopes are computed after all writes of the op, so an event sees its case's
        # new agency and a citizen sees its new case
        emitted = {(ch.entity, ch.id) for ch, _, _ in written}
        for ch, old, new in written:
            if ch.op == "delete":
                scopes = repo.scope_of(ch.entity, old)
                buf.items.append(Pending(ch.entity, ch.id, "delete", new, None, op["op_id"], scopes))
                continue
            if ch.entity == "event" and old is None and isinstance(ch.data.get("case_id"), str):
                repo.chain_new.append((len(buf.items), ch.data["case_id"], ch.id, ch.data))
            buf.items.append(Pending(ch.entity, ch.id, "put", new.version, new.data, op["op_id"],
                                     repo.scope_of(ch.entity, new)))
        for ch, old, new in written:
            if ch.entity != "case" or ch.op == "delete":
                continue
            old_agency = old.agency_id if old is not None else None
            if new.agency_id != old_agency:
                self._rescope_case(repo, buf, new, old_agency, op["op_id"], emitted)

    def _rescope_case(self, repo: Repo, buf: ChangeBuffer, case: Any, old_agency: str | None,
                      op_id: str, emitted: set) -> None:
        """A case moved to another agency: the new agency receives its citizen and its
        history; the old agency receives tombstones for the case and its events."""
        scope = repo.scope_of("case", case)
        events = repo.events_of_case(case.id)
        if case.agency_id:
            if case.citizen_id and ("citizen", case.citizen_id) not in emitted:
                cit = repo.row("citizen", case.citizen_id)
                if cit is not None and not cit.deleted:
                    buf.items.append(Pending("citizen", cit.id, "put", cit.version, cit.data, op_id,
                                             {f"a:{case.agency_id}"}))
            for ev in events:
                if ("event", ev.id) not in emitted and not ev.deleted:
                    buf.items.append(Pending("event", ev.id, "put", ev.version, ev.data, op_id, scope))
        if old_agency:
            gone = {f"a:{old_agency}"}
            buf.items.append(Pending("case", case.id, "delete", case.version, None, op_id, gone))
            for ev in events:
                buf.items.append(Pending("event", ev.id, "delete", ev.version, None, op_id, gone))
            # the citizen too, unless the old agency still works another of their cases
            if case.citizen_id and not any(
                c.id != case.id and c.agency_id == old_agency
                for c in repo.cases_of_citizen(case.citizen_id)
            ):
                cit = repo.row("citizen", case.citizen_id)
                if cit is not None and not cit.deleted:
                    buf.items.append(Pending("citizen", cit.id, "delete", cit.version, None, op_id, gone))
