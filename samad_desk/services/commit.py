"""The one way an action of the desk reaches the journal: check → dry-run → journal → wake.

1. **check**: the caller's own rules first (role, transition, payload, the form's fields),
   each refusal a Persian :class:`~samad_desk.services.errors.ServiceError`;
2. **dry-run**: the ops through the shared reducer over the local state
   (:func:`samad_desk.domain.reducer.dry_run`), what the server will check checked here
   first, so an op the reducer refuses never reaches the journal as if it were saved (it
   would vanish from the overlay with no word to the operator);
3. **journal**: appended as one record, fsynced; a :class:`samad_desk.store.StoreError`
   (disk full, read-only window …) becomes a ``ServiceError`` with the store's message;
4. **wake sync**: best effort, the ops are durable and sync retries by itself.
"""

from __future__ import annotations

from typing import Any

from samad_desk.domain.reducer import StoreReader, dry_run
from samad_desk.services.errors import ServiceError
from samad_desk.services.session import DeskSession

REFUSED = "این کار با قواعد سامانه سازگار نیست."


def refusal(session: DeskSession, ops: list[dict[str, Any]]) -> str | None:
    """Step 2 alone: the reducer's Persian reason if it would refuse ``ops`` now, else None."""
    refused = dry_run(ops, StoreReader(session.store), now=session.now(), calendar=session.calendar)
    if refused is None:
        return None
    return refused.message or REFUSED


def commit(
    session: DeskSession, ops: list[dict[str, Any]], *, refused: str = REFUSED, dry_run: bool = True
) -> list[dict[str, Any]]:
    """Dry-run ``ops``, save them as one journal record and wake sync; returns them as
    saved (with ``client_seq``). ``refused`` is the message when the reducer gives none.
    ``dry_run=False`` only for a caller that ran :func:`refusal` itself just before (or,
    for an unmerge of a merge still pending in this journal, cannot: see ``merges``)."""
    from samad_desk.store import StoreError

    reason = refusal(session, ops) if dry_run else None
    if reason is not None:
        raise ServiceError(reason if reason != REFUSED else refused)
    try:
        saved = session.store.save(ops)
    except StoreError as exc:
        raise ServiceError(str(exc)) from exc
    session.wake_sync()
    return saved
