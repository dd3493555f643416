"""Time-ordered identifiers (UUIDv7, RFC 9562) generated on the desk and the server.

``uuid7()`` is monotonic within a process: ids made in the same millisecond use a
counter in ``rand_a`` so they still sort in creation order. ``derived_id(base, tag)``
makes a deterministic UUIDv7-shaped id from another id (same timestamp, hashed random
bits): the reducer uses it so that re-applying an op produces the same event ids.
"""

from __future__ import annotations

import hashlib
import os
import threading
import time
import uuid
from datetime import UTC, datetime
from functools import lru_cache
from typing import TypeGuard

_lock = threading.Lock()
_last_ms = 0
_counter = 0


def _format(value: int) -> str:
    h = f"{value:032x}"
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def uuid7(now_ms: int | None = None) -> str:
    """A new UUIDv7 string (lower-case, hyphenated)."""
    global _last_ms, _counter
    with _lock:
        ms = int(time.time() * 1000) if now_ms is None else int(now_ms)
        if ms <= _last_ms:
            # same millisecond (or clock stepped back): keep ordering with the counter
            ms = _last_ms
            _counter += 1
            if _counter > 0xFFF:
                ms += 1
                _counter = int.from_bytes(os.urandom(2), "big") & 0x3FF
        else:
            _counter = int.from_bytes(os.urandom(2), "big") & 0x3FF
        _last_ms = ms
        rand_a = _counter
    rand_b = int.from_bytes(os.urandom(8), "big") & ((1 << 62) - 1)
    value = (ms & ((1 << 48) - 1)) << 80 | 0x7 << 76 | rand_a << 64 | 0b10 << 62 | rand_b
    return _format(value)


def uuid7_from_parts(ms: int, seed: bytes) -> str:
    """A UUIDv7 with the given millisecond timestamp and random bits taken from ``seed``
    (used by the deterministic demo generator)."""
    h = hashlib.blake2b(seed, digest_size=10).digest()
    rand_a = int.from_bytes(h[:2], "big") & 0xFFF
    rand_b = int.from_bytes(h[2:], "big") & ((1 << 62) - 1)
    value = (ms & ((1 << 48) - 1)) << 80 | 0x7 << 76 | rand_a << 64 | 0b10 << 62 | rand_b
    return _format(value)


def uuid7_ms(id_: str) -> int | None:
    """The millisecond timestamp inside a UUIDv7, or None for another kind of id."""
    if isinstance(id_, str) and len(id_) == 36 and id_[14] == "7" and id_[8] == "-" and id_[13] == "-":
        try:
            return int(id_[:8] + id_[9:13], 16)
        except ValueError:
            return None
    try:
        u = uuid.UUID(id_)
    except (ValueError, TypeError, AttributeError):
        return None
    if u.version != 7:
        return None
    return u.int >> 80


def uuid7_time(id_: str) -> datetime | None:
    ms = uuid7_ms(id_)
    return None if ms is None else datetime.fromtimestamp(ms / 1000, UTC)


_MASK74 = (1 << 74) - 1
_MIX = 0x2545F4914F6CDD1D_3B  # odd: multiplication is a bijection modulo 2**74


@lru_cache(maxsize=64)
def _tag_key(tag: str) -> int:
    return int.from_bytes(hashlib.blake2b(tag.encode(), digest_size=10).digest(), "big") & _MASK74


def uuid7_from_rand(ms: int, rand74: int) -> str:
    """A UUIDv7 from a millisecond timestamp and 74 random bits (``rand_a`` + ``rand_b``)."""
    rand74 &= _MASK74
    value = (ms & ((1 << 48) - 1)) << 80 | 0x7 << 76 | (rand74 >> 62) << 64 | 0b10 << 62 | (rand74 & ((1 << 62) - 1))
    return _format(value)


def derived_id(base: str, tag: str = "") -> str:
    """Deterministic id derived from ``base`` (an op id) and a tag ("event", "event:2").

    Keeps the timestamp of ``base`` when it is a UUIDv7, so derived ids sort with it;
    distinct bases give distinct ids for one tag (the random bits are mixed bijectively).
    """
    try:
        value = int(base.replace("-", ""), 16) if len(base) == 36 else None
    except ValueError:
        value = None
    if value is None or (value >> 76) & 0xF != 7:
        return uuid7_from_parts(0, f"{base}|{tag}".encode())
    ms = value >> 80
    rand74 = ((value >> 64) & 0xFFF) << 62 | (value & ((1 << 62) - 1))
    return uuid7_from_rand(ms, ((rand74 ^ _tag_key(tag)) * _MIX) & _MASK74)


#: the longest op id anything takes: the desk's are UUIDs (36 characters); the server's op
#: tables hold 64. THE limit of the reducer (an op's id, an unmerge's merge op id) and of
#: the server's push (a longer one applied on the desk was refused by the push as a whole
#: batch, and the queue behind it stuck)
MAX_OP_ID = 64
_SAFE_ID_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.:@")


def is_safe_id(text: object, max_len: int = 64) -> TypeGuard[str]:
    """True for an identifier that is safe to store, log and print: 1..``max_len``
    ASCII letters, digits and ``- _ . : @`` (UUIDs, ``water-qazvin``, ``op-agent1``,
    ``d-…`` device ids). No spaces, controls, escapes, bidi marks, slashes or quotes."""
    return isinstance(text, str) and 0 < len(text) <= max_len and _SAFE_ID_CHARS.issuperset(text)


def is_uuid(text: object) -> bool:
    if not isinstance(text, str):
        return False
    try:
        uuid.UUID(text)
    except ValueError:
        return False
    return True
