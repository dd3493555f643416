"""The hash chain of a case's history, and the checks both the server and a desk run on it.

Every event of a case gets a position ``n`` (1, 2, …, in the order the server applied
the ops) and a hash::

    hash_n = sha256(CONTEXT || hash_{n-1} (hex) || "\\n" || canonical(event))

with ``hash_0 = GENESIS``. ``canonical`` is the event dict as sorted-key UTF-8 JSON
without whitespace (orjson, the same form ``domain/signing.py`` signs). The last hash is
the case's *head*: whoever holds a head can tell whether a history handed to them is
the one that led to it. The server signs the heads it has seen in checkpoints
(``central/audit.py``); a signed head (a *mark*) lets a desk or an auditor detect a
history rewritten from scratch, which a bare chain cannot.

:func:`check_case` is THE check (``samad-desk central audit verify`` and the desk's
pull both call it): it names what happened to a history: ``edited``, ``deleted``,
``inserted``, ``reordered`` or ``rewritten``. Pure: no I/O.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import orjson
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from samad_desk.text.digits import fa

CONTEXT = b"samad-desk chain v1\n"
MARK_CONTEXT = b"samad-desk head v1\n"
CHECKPOINT_CONTEXT = b"samad-desk checkpoint v1\n"
GENESIS = "0" * 64
SHORT = 12

#: kind -> Persian words for what happened to a case's history
KINDS = {
    "edited": "متن رویدادی پس از ثبت تغییر کرده است",
    "deleted": "رویدادی از تاریخچه حذف شده است",
    "inserted": "رویدادی بیرون از روال سرور به تاریخچه افزوده شده است",
    "reordered": "ترتیب رویدادهای تاریخچه جابه‌جا شده است",
    "rewritten": "تاریخچه با سرآمد امضاشده سرور نمی‌خواند (بازنویسی)",
}


def canonical(data: dict) -> bytes:
    """Sorted keys, UTF-8, no whitespace."""
    return orjson.dumps(data, option=orjson.OPT_SORT_KEYS)


def link_hash(prev: str, data: dict) -> str:
    return hashlib.sha256(CONTEXT + prev.encode() + b"\n" + canonical(data)).hexdigest()


def short(head: str | None) -> str:
    """What a citizen quotes: the first 12 hex digits of a head ('' for no history)."""
    return (head or "")[:SHORT]


def b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def mark_message(server_id: str, case_id: str, n: int, head: str, checkpoint: int) -> bytes:
    """The bytes the server signs for one case's head in checkpoint ``checkpoint``."""
    return MARK_CONTEXT + canonical({"server": server_id, "case": case_id, "n": n, "head": head,
                                     "cp": checkpoint})


def checkpoint_message(body: dict) -> bytes:
    return CHECKPOINT_CONTEXT + canonical(body)


def verify_sig(public: bytes, message: bytes, sig_b64: str) -> bool:
    try:
        Ed25519PublicKey.from_public_bytes(public).verify(unb64(sig_b64), message)
    except (InvalidSignature, ValueError, TypeError):
        return False
    return True


@dataclass(frozen=True)
class Link:
    n: int
    event_id: str
    hash: str


@dataclass(frozen=True)
class Mark:
    """A head the server signed: the first ``n`` events hashed to ``head``."""

    n: int
    head: str


@dataclass(frozen=True)
class Break:
    case_id: str
    kind: str  # a key of KINDS
    detail: str = ""

    @property
    def text(self) -> str:
        return f"پرونده {self.case_id}: {KINDS[self.kind]}" + (f" ({self.detail})" if self.detail else "")

    def as_dict(self) -> dict:
        return {"case_id": self.case_id, "kind": self.kind, "detail": self.detail, "text": self.text}


def check_case(case_id: str, links: list[Link], events: Mapping[str, dict | None],
               mark: Mark | None = None, unlinked: Iterable[str] = ()) -> list[Break]:
    """What is wrong with one case's history; ``[]`` when nothing is.

    ``links``: the stored chain in position order; ``events``: event id -> the event as
    held now (``None`` or absent: gone); ``mark``: the newest head the server signed for
    this case (checked only when its signature was); ``unlinked``: ids of events of this
    case that have no place in the chain."""
    out: list[Break] = [Break(case_id, "inserted", f"رویداد {eid}") for eid in sorted(unlinked)]
    expect = 1
    after_gap = set()
    for link in links:
        if link.n != expect:
            out.append(Break(case_id, "deleted", f"جایگاه {fa(expect)}"))
            after_gap.add(link.n)  # its stored predecessor is gone: not an edit of its own
            expect = link.n
        expect += 1
    # each link against the stored hash of the one before it: an edit breaks exactly one
    # link, a swap breaks two whose events fit each other's places
    prev_of = {}
    stored_prev = GENESIS
    for link in links:
        prev_of[link.n] = stored_prev
        stored_prev = link.hash
    bad: list[Link] = []
    for link in links:
        data = events.get(link.event_id)
        if data is None:
            out.append(Break(case_id, "deleted", f"جایگاه {fa(link.n)}"))
        elif link.n not in after_gap and link_hash(prev_of[link.n], data) != link.hash:
            bad.append(link)
    # a moved event still fits: either its own hash follows another link's hash (the
    # links were moved with their hashes), or it fits another place's hash (the events
    # were moved between places)
    places = {(prev_of[k.n], k.hash): k.n for k in links} if bad else {}
    hashes = {GENESIS, *(k.hash for k in links)} if bad else set()
    for link in bad:
        data = events[link.event_id]
        assert data is not None  # (only links whose event is held are in ``bad``)
        moved = any(p != prev_of[link.n] and link_hash(p, data) == link.hash for p in hashes) or any(
            n != link.n and link_hash(p, data) == h for (p, h), n in places.items())
        out.append(Break(case_id, "reordered" if moved else "edited", f"جایگاه {fa(link.n)}"))
    if mark is not None and not out:
        # every link checked against its predecessor from GENESIS on: the stored hashes
        # are the recomputed chain, so a consistent rewrite shows only against the mark
        at_mark = next((link.hash for link in links if link.n == mark.n), None)
        if len(links) < mark.n:
            out.append(Break(case_id, "deleted", f"{fa(len(links))} رویداد، {fa(mark.n)} امضاشده"))
        elif at_mark != mark.head:
            out.append(Break(case_id, "rewritten", f"سرآمد امضاشده {short(mark.head)}"))
    return out


def head_of(events_in_order: Iterable[dict]) -> str:
    """The head of a history given in chain order (GENESIS for none)."""
    h = GENESIS
    for data in events_in_order:
        h = link_hash(h, data)
    return h
