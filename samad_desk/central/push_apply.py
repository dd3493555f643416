"""One pushed op on the server: who its author is (:meth:`OpApplyMixin._actor`, from the
server's operators table, never the op), the server's own authorization
(``reach.guard``), the shared reducer, and its effects written with their change rows,
including the tombstones and copies a case moving to another agency needs."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from samad_desk.central.changes import ChangeBuffer, Pending
from samad_desk.central.entities import Ctx, Repo
from samad_desk.central.keys import KeyRing
from samad_desk.central.push_batch import CURRENT_OP_VERSION, upcast
from samad_desk.central.reach import guard
from samad_desk.central.scopes import visible
from samad_desk.domain.ids import is_safe_id
from samad_desk.domain.ops import dict_or_empty

MSG_FORBIDDEN_ACTOR = "این عملیات به نام کاربری ثبت شده که به این دستگاه تعلق ندارد."
MSG_UNSUPPORTED_VERSION = "نسخه این عملیات برای سرور ناشناخته است؛ سرور باید به‌روز شود."
MSG_UNKNOWN_TYPE = "نوع عملیات ناشناخته است."


class OpApplyMixin:
    # attributes provided by Central
    calendar: Any
    faults: Any

    def _actor(self, principal: Any, op: dict, ring: KeyRing) -> dict | None:
        """The op's author as the server knows them: the token's operator, or the operator
        whose registered, unrevoked key signed the op. Role, agency, office and province
        always come from the server's operators table, never from the op."""
        claimed = dict_or_empty(op.get("actor"))
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
