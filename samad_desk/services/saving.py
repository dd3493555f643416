"""Saving operations from the desk's services: one place for "append to the journal
(fsynced), then wake the sync engine".

A :class:`samad_desk.store.StoreError` (disk full, read-only, …) becomes the caller's own
error type with the store's Persian message, so each screen shows it as it shows its other
refusals. Waking sync is best effort: the ops are durable, and sync retries by itself.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def save_ops(store: Any, ops: list[dict[str, Any]], *, wake: Callable[[], Any] | None,
             error: type[Exception]) -> list[dict[str, Any]]:
    """Save ``ops`` as one journal record; returns them as saved (with ``client_seq``)."""
    from samad_desk.store import StoreError

    try:
        saved = store.save(ops)
    except StoreError as exc:
        raise error(str(exc)) from exc
    if wake is not None:
        try:
            wake()
        except Exception:  # noqa: BLE001 - the save is durable; sync retries on its own
            pass
    return saved
