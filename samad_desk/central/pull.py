"""``pull``, ``snapshot`` and ``status`` (store-and-sync.md §3.3–3.4, §3.10).

The cursor is opaque to the desk: base64url of ``{"e": epoch, "s": seq, "h": scope}``.
A pull first reads the committed top of the one-row change counter (``hwm``) and then the
changes in the operator's scope with ``cursor < seq <= hwm``. Because seq ranges are
allocated under the counter's row lock as the last step before COMMIT, every seq up to
``hwm`` is committed when ``hwm`` is visible, so the cursor can move to ``hwm`` without
skipping anything (§3.6).

``410 resync_required`` when the epoch changed (restore from backup), the cursor is older
than the compaction horizon (``min_seq``), or the operator's scope changed since the
cursor was issued (role or agency moved).
"""

from __future__ import annotations

import base64
import hashlib
from typing import Any

import orjson
from sqlalchemy import and_, delete, exists, func, or_, select
from sqlalchemy.orm import aliased
from sqlalchemy.sql.elements import ColumnElement

from samad_desk.central import audit, db
from samad_desk.central.errors import ApiError, bad_request
from samad_desk.central.scopes import PUBLIC, PUBLIC_ENTITIES, principal_keys
from samad_desk.domain.ids import is_safe_id

MAX_PULL = 2000
PULL_BYTES = 1_000_000
SNAPSHOT_PAGE = 1000
SNAPSHOT_KINDS = ("agency", "operator", "citizen", "case", "event", "*")


def encode_token(obj: dict) -> str:
    return base64.urlsafe_b64encode(orjson.dumps(obj)).decode().rstrip("=")


def decode_token(token: str) -> dict:
    try:
        pad = "=" * (-len(token) % 4)
        obj = orjson.loads(base64.urlsafe_b64decode(token + pad))
    except (ValueError, orjson.JSONDecodeError, TypeError):
        raise bad_request("نشانگر همگام‌سازی (cursor) معتبر نیست.", "bad_cursor") from None
    if not isinstance(obj, dict):
        raise bad_request("نشانگر همگام‌سازی (cursor) معتبر نیست.", "bad_cursor")
    return obj


def scope_hash(keys: set[str]) -> str:
    return hashlib.sha256("|".join(sorted(keys)).encode()).hexdigest()[:12]


def resync(reason: str) -> ApiError:
    return ApiError(
        410,
        "resync_required",
        "داده‌های این میز کار باید از نو از سرور گرفته شود.",
        reason=reason,
    )


def _page_cases(rows: list) -> set[str]:
    """The cases a pull page touches: its case rows and the cases of its event rows."""
    out = set()
    for r in rows:
        if r.entity == "case":
            out.add(r.id)
        elif r.entity == "event" and r.data is not None:
            case_id = orjson.loads(r.data).get("case_id")
            if isinstance(case_id, str):
                out.add(case_id)
    return out


class PullMixin:
    # provided by Central
    engine: Any
    w: Any
    clock: Any
    server_id: str
    audit_public_key: Any

    def _audit_info(self) -> dict:
        """Who signs the heads a desk checks (it keeps the first key it sees)."""
        return {"server": self.server_id, "key": self.audit_public_key()}

    def _hwm(self, conn) -> int:
        return conn.execute(select(db.change_counter.c.v).where(db.change_counter.c.id == 1)).scalar_one()

    def _check_cursor(self, conn, cursor: str | None, keys: set[str]) -> tuple[int, int]:
        """(seq after which to serve, current epoch); raises 410/400."""
        meta = dict(conn.execute(select(db.server_meta.c.key, db.server_meta.c.value)).all())
        epoch = int(meta.get("epoch") or 1)
        min_seq = int(meta.get("min_seq") or 0)
        if not cursor:
            seq = 0
        else:
            obj = decode_token(cursor)
            if obj.get("e") != epoch:
                raise resync("epoch_changed")
            if obj.get("h") != scope_hash(keys):
                raise resync("scope_changed")
            s = obj.get("s")
            if not isinstance(s, int) or s < 0:
                raise bad_request("نشانگر همگام‌سازی (cursor) معتبر نیست.", "bad_cursor")
            seq = s
        if seq < min_seq:
            raise resync("cursor_too_old")
        return seq, epoch

    def _cursor(self, conn, seq: int, keys: set[str], epoch: int | None = None) -> str:
        if epoch is None:
            epoch = int(db.get_meta(conn, "epoch") or 1)
        return encode_token({"e": epoch, "s": seq, "h": scope_hash(keys)})

    def acks(self, conn, device_id: str) -> dict[str, int]:
        c = db.sync_clients
        rows = conn.execute(select(c.c.client_id, c.c.last_client_seq).where(c.c.device_id == device_id)).all()
        return {r.client_id: r.last_client_seq for r in rows}

    def pull(self, principal: Any, cursor: str | None, limit: int = 500) -> bytes:
        """The pull answer, already serialized (entity data is embedded as stored)."""
        limit = max(1, min(int(limit), MAX_PULL))
        keys = principal_keys(principal.operator)
        ch = db.changes
        with self.engine.connect() as conn:
            after, epoch = self._check_cursor(conn, cursor, keys)
            hwm = self._hwm(conn)
            # walk the change log in seq order (primary key) and keep the changes whose
            # scope text holds one of the operator's keys; stops after limit + 1
            find = func.instr if conn.dialect.name == "sqlite" else func.strpos
            in_scope = or_(*(find(ch.c.scopes, f"|{k}|") > 0 for k in sorted(keys)))
            rows = conn.execute(
                select(ch.c.seq, ch.c.entity, ch.c.id, ch.c.version, ch.c.op, ch.c.data)
                .where(and_(ch.c.seq > after, ch.c.seq <= hwm, in_scope))
                .order_by(ch.c.seq)
                .limit(limit + 1)
            ).all()
            out = []
            size = 0
            has_more = len(rows) > limit
            next_seq = hwm
            for i, r in enumerate(rows[:limit]):
                item = {"seq": r.seq, "entity": r.entity, "id": r.id, "version": r.version, "op": r.op}
                if r.data is not None:
                    item["data"] = orjson.Fragment(r.data)
                    size += len(r.data)
                out.append(item)
                if size >= PULL_BYTES and i < len(rows) - 1:
                    has_more = True
                    break
            if has_more and out:
                next_seq = out[-1]["seq"]
            answer = {
                "changes": out,
                # the hash chains of the page's cases up to its cursor (docs/audit.md)
                "chains": audit.proofs(conn, _page_cases(rows[: len(out)]), next_seq),
                "audit": self._audit_info(),
                "next_cursor": self._cursor(conn, next_seq, keys, epoch),
                "has_more": has_more,
                "acks": self.acks(conn, principal.device_id),
                "server_time": self._now_iso(),
            }
        return orjson.dumps(answer)

    def _now_iso(self) -> str:
        from samad_desk.central.service import iso

        return iso(self.clock())

    # -- snapshot -------------------------------------------------------------------------
    def _case_cond(self, keys: set[str]):
        e = db.entities
        conds = []
        for k in keys:
            kind, _, val = k.partition(":")
            if kind == "a":
                conds.append(e.c.agency_id == val)
            elif kind == "o":
                conds.append(e.c.office_id == val)
            elif kind == "u":
                conds.append(e.c.operator_id == val)
            elif kind == "p":
                conds.append(e.c.province == val)
        return or_(*conds) if conds else None

    def _snapshot_where(self, kind: str, keys: set[str]) -> list:
        """The conditions of one entity kind of the operator's snapshot (without paging)."""
        e = db.entities
        cond = self._case_cond(keys)
        c2 = aliased(e)
        base: list[ColumnElement[bool]] = [e.c.deleted.is_(False)]
        if kind == "*":
            base.append(e.c.entity.notin_(("agency", "operator", "citizen", "case", "event")))
        else:
            base.append(e.c.entity == kind)
        if kind in PUBLIC_ENTITIES:
            pass
        elif cond is None:
            base.append(e.c.id.is_(None))  # nothing
        elif kind == "case":
            base.append(cond)
        else:
            case_sel = select(c2.c.id).where(and_(c2.c.entity == "case", self._case_cond_alias(c2, keys)))
            if kind == "citizen":
                cit_sel = select(c2.c.citizen_id).where(and_(c2.c.entity == "case", self._case_cond_alias(c2, keys)))
                base.append(or_(e.c.id.in_(cit_sel), cond))
            else:
                base.append(or_(e.c.case_id.in_(case_sel), and_(e.c.case_id.is_(None), cond)))
        return base

    def _snapshot_total(self, conn, keys: set[str]) -> int:
        """Rows of the whole snapshot, counted once on its first page (the desk shows a
        download's progress); later pages carry it in their token."""
        e = db.entities
        return sum(
            conn.execute(select(func.count()).select_from(e).where(and_(*self._snapshot_where(kind, keys)))).scalar_one()
            for kind in SNAPSHOT_KINDS
        )

    def snapshot(self, principal: Any, page: str | None) -> bytes:
        """One NDJSON page: entity lines, then a control line (``next_page`` or ``cursor``).
        Every control line carries ``total``, the number of rows of the whole snapshot."""
        keys = principal_keys(principal.operator)
        e = db.entities
        with self.engine.connect() as conn:
            epoch = int(db.get_meta(conn, "epoch") or 1)
            if page:
                tok = decode_token(page)
                if tok.get("e") != epoch or tok.get("h") != scope_hash(keys):
                    raise resync("epoch_changed" if tok.get("e") != epoch else "scope_changed")
                hwm, kind_i, after = tok["w"], tok["k"], tok["a"]
                total = tok.get("t")
            else:
                hwm, kind_i, after = self._hwm(conn), 0, ""
                total = self._snapshot_total(conn, keys)
            lines: list[bytes] = []
            page_cases: set[str] = set()
            while kind_i < len(SNAPSHOT_KINDS) and len(lines) < SNAPSHOT_PAGE:
                kind = SNAPSHOT_KINDS[kind_i]
                rows = conn.execute(
                    select(e.c.entity, e.c.id, e.c.version, e.c.data, e.c.case_id)
                    .where(and_(e.c.id > after, *self._snapshot_where(kind, keys)))
                    .order_by(e.c.id)
                    .limit(SNAPSHOT_PAGE - len(lines))
                ).all()
                for r in rows:
                    lines.append(orjson.dumps({"entity": r.entity, "id": r.id, "version": r.version,
                                               "data": orjson.Fragment(r.data)}))
                    if r.entity in ("case", "event") and r.case_id:
                        page_cases.add(r.case_id)
                if len(lines) < SNAPSHOT_PAGE:
                    kind_i += 1
                    after = ""
                else:
                    after = rows[-1].id if rows else after
                    if not rows:
                        kind_i += 1
            if kind_i >= len(SNAPSHOT_KINDS):
                control = {"done": True, "cursor": self._cursor(conn, hwm, keys, epoch),
                           "acks": self.acks(conn, principal.device_id), "total": total}
            else:
                control = {"done": False, "total": total, "next_page": encode_token(
                    {"e": epoch, "h": scope_hash(keys), "w": hwm, "k": kind_i, "a": after, "t": total})}
            # the page's cases' chains up to the snapshot's cursor (later events come
            # again in the pull that follows, with their own chains)
            control["chains"] = audit.proofs(conn, page_cases, hwm)
            control["audit"] = self._audit_info()
        lines.append(orjson.dumps(control))
        return b"\n".join(lines) + b"\n"

    def _case_cond_alias(self, t, keys: set[str]):
        conds = []
        for k in keys:
            kind, _, val = k.partition(":")
            col = {"a": t.c.agency_id, "o": t.c.office_id, "u": t.c.operator_id, "p": t.c.province}.get(kind)
            if col is not None:
                conds.append(col == val)
        return or_(*conds)

    # -- status ---------------------------------------------------------------------------
    def status(self, principal: Any, body: Any) -> dict:
        if not isinstance(body, dict) or not isinstance(body.get("op_ids"), list):
            raise bad_request("فهرست شناسه عملیات (op_ids) لازم است.")
        op_ids = [x for x in body["op_ids"] if is_safe_id(x, 64)][:1000]
        from samad_desk.central.bulk import rows_by_key
        from samad_desk.central.push import SYNC_OP_COLS

        with self.engine.connect() as conn:
            # one primary-key probe per op_id (an IN list scanned all of sync_ops on
            # PostgreSQL without statistics); only ops of this device's clients
            found = rows_by_key(conn, "sync_ops", SYNC_OP_COLS, "op_id", op_ids)
            acks = self.acks(conn, principal.device_id)
            rows = {r["op_id"]: r for r in found if r["client_id"] in acks}
        results = []
        for op_id in op_ids:
            r = rows.get(op_id)
            if r is None:
                results.append({"op_id": op_id, "status": "unknown"})
                continue
            item = {"op_id": op_id, "status": r["status"], "client_id": r["client_id"],
                    "client_seq": r["client_seq"], "seq": r["seq"], "entity_version": r["entity_version"],
                    "code": r["code"], "message": r["message"],
                    "current": orjson.loads(r["current"]) if r["current"] else None}
            results.append({k: v for k, v in item.items() if v is not None})
        return {"results": results, "acks": acks, "server_time": self._now_iso()}

    # -- compaction -----------------------------------------------------------------------
    def compact(self, upto_seq: int | None = None) -> int:
        """Drop superseded changes and tombstones up to ``upto_seq`` (default: all) and
        raise the horizon: older cursors get ``410 cursor_too_old``. Returns rows removed."""
        ch = db.changes
        with self.w.begin() as conn:
            top = self._hwm(conn)
            upto = top if upto_seq is None else min(upto_seq, top)
            newer = aliased(ch)
            doomed = select(ch.c.seq).where(
                and_(
                    ch.c.seq <= upto,
                    or_(
                        ch.c.op == "delete",
                        exists().where(and_(newer.c.entity == ch.c.entity, newer.c.id == ch.c.id,
                                            newer.c.seq > ch.c.seq)),
                    ),
                )
            )
            seqs = [r[0] for r in conn.execute(doomed).all()]
            for i in range(0, len(seqs), 500):
                conn.execute(delete(ch).where(ch.c.seq.in_(seqs[i : i + 500])))
            db.set_meta(conn, "min_seq", str(upto))
        return len(seqs)


__all__ = ["PullMixin", "PUBLIC"]
