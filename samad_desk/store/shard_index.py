"""Reading one shard of the cache: the in-memory index of its keys (``ShardIndex``) and
the read-only rows it hands out (``FrozenRow``)."""

from __future__ import annotations

import contextlib
import os
from array import array
from bisect import bisect_left
from dataclasses import dataclass, field
from pathlib import Path

import orjson

from samad_desk.store.cache_format import ShardCorrupt, key_hash


@dataclass(slots=True, eq=False)
class ShardIndex:
    """Sorted (key hash, packed location) arrays of one shard: 12 bytes an entry.

    A lookup bisects the hash array, reads the candidate documents with ``pread`` and
    keeps those whose key really matches (CRC-32 collisions are checked, not assumed).
    ``fd`` is None for a shard missing or unreadable.
    """

    entity: str
    shard: int
    path: Path | None
    fd: int | None
    gen: str | None = None
    arrays: dict[str, tuple[array, array]] = field(default_factory=dict)
    body_end: int = 0

    @property
    def count(self) -> int:
        a = self.arrays.get("id")
        return len(a[0]) if a else 0

    def locs(self, index: str, key: str) -> list[int]:
        a = self.arrays.get(index)
        if not a:
            return []
        h_arr, p_arr = a
        h = key_hash(key)
        i = bisect_left(h_arr, h)
        out = []
        n = len(h_arr)
        while i < n and h_arr[i] == h:
            out.append(p_arr[i])
            i += 1
        return out

    def read_at(self, loc: int) -> dict:
        if self.fd is None:
            raise ShardCorrupt("shard not open")
        raw = os.pread(self.fd, loc & 0xFFFFFF, loc >> 24)
        try:
            doc = orjson.loads(raw)
        except orjson.JSONDecodeError as exc:
            raise ShardCorrupt(f"bad document in {self.entity}.{self.shard:02d}") from exc
        if not isinstance(doc, dict) or "id" not in doc:
            raise ShardCorrupt(f"bad document in {self.entity}.{self.shard:02d}")
        return doc

    def all_locs(self) -> list[int]:
        a = self.arrays.get("id")
        return sorted(a[1]) if a else []

    def close(self) -> None:
        if self.fd is not None:
            with contextlib.suppress(OSError):
                os.close(self.fd)
            self.fd = None


class FrozenRow(dict):
    """A read-only dict: cached documents and memoized view rows are shared between calls.

    Reading, ``json``/``orjson`` serialization and ``dict(row)`` (a mutable copy) work as
    for a dict; any mutation raises ``TypeError``.
    """

    __slots__ = ()

    def _ro(self, *args, **kwargs):
        raise TypeError("cached rows are read-only; use dict(row) for a mutable copy")

    __setitem__ = __delitem__ = update = pop = popitem = setdefault = clear = __ior__ = _ro

    def copy(self) -> dict:
        return dict(self)

    def __reduce__(self):
        return (dict, (dict(self),))
