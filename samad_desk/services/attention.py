"""Needs attention: the ops the server refused, dismissed or re-issued by the operator."""

from __future__ import annotations

from typing import Any

from samad_desk.domain import ops as domain_ops
from samad_desk.domain.workflow import check_transition
from samad_desk.services.core import ServiceBase
from samad_desk.services.display import tracking_label
from samad_desk.services.errors import ServiceError


class AttentionMixin(ServiceBase):
    """The needs-attention list of this desk's journal."""

    # -- needs attention
    def attention(self) -> list[dict[str, Any]]:
        return list(self.store.needs_attention())

    def dismiss(self, op_id: str) -> None:
        self.store.dismiss(op_id)

    def reissue(self, op: dict[str, Any]) -> dict[str, Any]:
        """Save a new op in place of a rejected one, then dismiss the old one; returns the new op.

        The new op (new ``op_id``, same type and payload) is built against the current state
        and goes through the commit path like any action: the transition checked against
        the cached entity, dry-run, journaled, sync woken. Its ``base_version`` is the cached
        entity's (a pull since the refusal makes it newer than the server's answer), else
        the server's answer's ``current``, else the old op's. It is saved *before* the old one
        is dismissed: if the desk dies in between, both are visible, never neither.

        (This is the one re-issue: ``sync/attention.py`` had a second, which the tests used,
        trusting the server's answer over the cache and skipping the checks; this one, the
        desk's, wins.)"""
        from samad_desk.sync.attention import current_state

        entity_id = op.get("entity_id", "")
        kind = str(op.get("type", ""))
        entity = kind.split(".")[0]
        current = self.store.get(entity, entity_id) if entity in ("case", "citizen") else None
        base = (current or {}).get("version")
        if base is None:
            base = (current_state(op) or {}).get("version", op.get("base_version"))
        if current is not None and entity == "case":
            reason = check_transition(current, kind.split(".", 1)[1], self.actor)
            if reason:
                raise ServiceError(reason)
        new = domain_ops.make_op(
            kind, entity_id, dict(op.get("payload") or {}), self.actor, base_version=base, now=self.now()
        )
        saved = self.commit([new], refused="این عملیات با قواعد سامانه سازگار نیست")[0]
        self.store.dismiss(op["op_id"])
        return saved


def op_summary(op: dict[str, Any]) -> str:
    """A one-line Persian description of an op for the needs-attention list."""
    from samad_desk.sync.attention import OP_LABELS

    kind = OP_LABELS.get(str(op.get("type")), str(op.get("type")))
    code = (op.get("payload") or {}).get("tracking_code")
    if code:
        return f"{kind} {tracking_label(str(code))}"
    return kind
