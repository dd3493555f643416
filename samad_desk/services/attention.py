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
        """Re-issue a rejected op against the current state, then dismiss the old one."""
        entity_id = op.get("entity_id", "")
        base = None
        entity = op.get("type", "").split(".")[0]
        current = self.store.get(entity, entity_id) if entity in ("case", "citizen") else None
        if current is not None:
            base = current.get("version")
            if entity == "case":
                action = op.get("type", "").split(".", 1)[1]
                reason = check_transition(current, action, self.actor)
                if reason:
                    raise ServiceError(reason)
        new = domain_ops.make_op(
            op["type"], entity_id, dict(op.get("payload") or {}), self.actor, base_version=base, now=self.now()
        )
        saved = self._save([new])[0]
        self.store.dismiss(op["op_id"])
        return saved

    def stats(self) -> dict[str, Any]:
        try:
            return dict(self.store.stats())
        except Exception:
            return {}


def op_summary(op: dict[str, Any]) -> str:
    """A one-line Persian description of an op for the needs-attention list."""
    from samad_desk.sync.attention import OP_LABELS

    kind = OP_LABELS.get(str(op.get("type")), str(op.get("type")))
    code = (op.get("payload") or {}).get("tracking_code")
    if code:
        return f"{kind} {tracking_label(str(code))}"
    return kind
