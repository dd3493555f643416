"""A host pushes every journal of its data directory, not only its own (issue 13).

On a shared office host each operator's desk writes its own journal into the one data
directory. An operator who saved offline and never logs in again would strand their
queue, so the host's sync leader also pushes the other journals, under its own login,
but only the ops their authors signed (``domain/signing.py``): the server counts such
an op as its author's and refuses a batch of another device's journal that holds
anything unsigned (docs/threat-model.md). Only the leading signed run of each journal
is sent (an unsigned op would leave a gap); the rest waits for its author's own login.

Kept apart from the engine's own push loop: one call per round, after it.
"""

from __future__ import annotations

import logging
from itertools import takewhile
from typing import Any

from samad_desk.sync.errors import Forbidden, ServerRejected

log = logging.getLogger("samad_desk.sync")

BATCH = 100


def push_other_journals(store: Any, client: Any, *, batch: int = BATCH) -> list[dict]:
    """Push the signed pending ops of every other journal in ``store``'s data directory;
    the answers recorded. Only the host's sync leader does it (one process per host).
    A journal the server refuses (a revoked key, ops signed elsewhere) is left as it
    is: it is still its author's to push; transient errors propagate like the engine's."""
    if not hasattr(store, "try_lead") or not (store.is_leader or store.try_lead()):
        return []
    answered: list[dict] = []
    for client_id in store.pending_clients():
        if client_id == store.client_id:
            continue
        sent: set[str] = set()
        while True:
            ops = list(takewhile(lambda o: isinstance(o.get("sig"), dict),
                                 store.pending_ops(limit=batch, client_id=client_id)))
            if not ops or ops[0]["op_id"] in sent:
                break
            try:
                response = client.push(client_id, ops)
            except (Forbidden, ServerRejected) as exc:
                log.warning("journal %s not pushed for its author: %s", client_id, exc)
                break
            outcomes = [r for r in response.get("results") or []
                        if r.get("status") in ("applied", "duplicate", "rejected")]
            if not outcomes:
                break  # a gap: the server expects ops this host does not hold signed
            store.record_results(outcomes)
            answered += outcomes
            sent.update(o["op_id"] for o in ops)
    return answered
