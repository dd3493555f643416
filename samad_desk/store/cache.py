"""The derived cache: TinyDB tables in sharded files, with indexes readable without parsing.

Layout under ``<data_dir>/cache/``::

    CURRENT                 name of the live generation directory (atomic replace)
    g000003/meta.json       schema, cursor, epoch, shard generations — written LAST
    g000003/case.07.json    one shard of one entity (TinyDB database, custom storage)

A shard file::

    {"samad_cache":1,"entity":"case","shard":7,"gen":"…","count":N}\\n   header
    <document JSON>\\n                                                  N lines
    #F {"gen","count","order","ix":{name:[n,off_h,off_p]}}\\n  then binary index arrays:
       per index (id, tc, cit, cart | nid, mob | case, cit, ckind) n×uint32 CRC-32 of the key, sorted,
       and n×uint64 packed (offset << 24 | length) of the document line
    #T <footer offset:12> <footer length:10> <crc32 of all bytes before:08x>\\n   trailer

Only the sync leader writes shards (``ShardStorage`` under TinyDB: temp file, fsync,
rename, directory fsync). Readers never parse documents to open: they read the
footers' binary arrays straight into memory (12 bytes an index entry) and
fetch a document with one ``pread`` when a query needs it. A reader keeps its shard
descriptors open, so a shard replaced under it still reads consistently until it
notices the new generation in ``meta.json``.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sys
import threading
import time
import uuid
import zlib
from array import array
from bisect import bisect_left
from collections import OrderedDict
from collections.abc import Iterable, Iterator
from pathlib import Path

import orjson
from tinydb import TinyDB
from tinydb.storages import Storage
from tinydb.table import Document, Table

from samad_desk.domain.models import event_citizen_ids
from samad_desk.store import fileio
from samad_desk.store.errors import StoreError, from_os_error

CACHE_SCHEMA = 1
SHARD_COUNTS = {"case": 32, "citizen": 32, "event": 32}
TRAILER_LEN = 36  # b"#T " + 12 + b" " + 10 + b" " + 8 + b"\n"
TABLE = "_default"

# entity -> {index name: (kind, field extractor)}; kind "u" unique key -> id, "m" key -> [ids]


def _mobile_key(doc: dict) -> str | None:
    m = doc.get("mobile")
    if not m:
        return None
    digits = "".join(ch for ch in str(m) if ch.isdigit())
    return digits[-10:] if len(digits) >= 10 else None


def _cart_key(doc: dict) -> str | None:
    ag = doc.get("agency_id")
    if not ag:
        return None
    return f"{ag}\x1f{doc.get('state')}"


INDEXES: dict[str, dict[str, tuple[str, object]]] = {
    "case": {
        "tc": ("u", lambda d: d.get("tracking_code")),
        "cit": ("m", lambda d: d.get("citizen_id")),
        "cart": ("m", _cart_key),
    },
    "citizen": {
        "nid": ("u", lambda d: d.get("national_id") or None),
        "mob": ("m", _mobile_key),
    },
    # citizen-level events by every citizen they concern (a key list: one entry per id)
    "event": {
        "case": ("m", lambda d: d.get("case_id")),
        "cit": ("m", lambda d: event_citizen_ids(d) or None),
        # citizen-level events by kind (every merge of the desk, for the merge history)
        "ckind": ("m", lambda d: d.get("kind") if not d.get("case_id") else None),
    },
}


def shard_count(entity: str) -> int:
    return SHARD_COUNTS.get(entity, 1)


def shard_of(entity: str, entity_id: str) -> int:
    n = shard_count(entity)
    return 0 if n == 1 else zlib.crc32(entity_id.encode()) % n


def shard_name(entity: str, shard: int) -> str:
    return f"{entity}.{shard:02d}"


# --- encoding ---------------------------------------------------------------------------


def key_hash(key: str) -> int:
    return zlib.crc32(key.encode("utf-8", "surrogatepass"))


def _index_keys(entity: str, doc: dict) -> Iterator[tuple[str, str]]:
    yield "id", doc["id"]
    for name, (_kind, fn) in INDEXES.get(entity, {}).items():
        k = fn(doc)  # type: ignore[operator]
        if isinstance(k, list):
            for one in k:
                yield name, str(one)
        elif k is not None:
            yield name, str(k)


def _has_key(value: object, key: str) -> bool:
    return key in value if isinstance(value, list) else value == key


class Built:
    """What ``encode_shard`` produced: the file chunks and the in-memory index arrays."""

    __slots__ = ("chunks", "gen", "count", "arrays", "body_end")

    def __init__(self, chunks: list[bytes], gen: str, count: int, arrays: dict[str, tuple[array, array]],
                 body_end: int = 0):
        self.body_end = body_end
        self.chunks = chunks
        self.gen = gen
        self.count = count
        self.arrays = arrays


def encode_shard(entity: str, shard: int, docs: Iterable[dict | bytes]) -> Built:
    """Serialize documents into a shard file (see the module docstring)."""
    gen = uuid.uuid4().hex
    docs = list(docs)
    header = orjson.dumps(
        {"samad_cache": CACHE_SCHEMA, "entity": entity, "shard": shard, "gen": gen, "count": len(docs)}
    ) + b"\n"
    body: list[bytes] = [header]
    entries: dict[str, list[tuple[int, int]]] = {"id": []}
    for name in INDEXES.get(entity, {}):
        entries[name] = []
    off = len(header)
    for item in docs:
        if isinstance(item, bytes | bytearray):
            raw = bytes(item)
            doc = orjson.loads(raw)
        else:
            doc = item
            raw = orjson.dumps(doc)
        loc = (off << 24) | len(raw)
        for name, key in _index_keys(entity, doc):
            entries[name].append((key_hash(key), loc))
        body.append(raw + b"\n")
        off += len(raw) + 1
    arrays: dict[str, tuple[array, array]] = {}
    blob: list[bytes] = []
    layout: dict[str, list[int]] = {}
    boff = 0
    for name, lst in entries.items():
        lst.sort()
        h = array("I", (x for x, _ in lst))
        p = array("Q", (y for _, y in lst))
        arrays[name] = (h, p)
        hb, pb = h.tobytes(), p.tobytes()
        layout[name] = [len(lst), boff, boff + len(hb)]
        blob += [hb, pb]
        boff += len(hb) + len(pb)
    meta = orjson.dumps({"gen": gen, "count": len(docs), "order": sys.byteorder, "ix": layout})
    fbytes = b"#F " + meta + b"\n" + b"".join(blob)
    body.append(fbytes)
    crc = 0
    for chunk in body:
        crc = zlib.crc32(chunk, crc)
    body.append(b"#T %012d %010d %08x\n" % (off, len(fbytes), crc & 0xFFFFFFFF))
    return Built(body, gen, len(docs), arrays, off)


class ShardCorrupt(Exception):
    pass


def read_footer(fd: int, size: int, *, full: bool = False) -> tuple[dict, dict, dict[str, tuple[array, array]], int]:
    """(header, footer meta, index arrays, body end) of an open shard; ShardCorrupt on damage."""
    if size < TRAILER_LEN + 10:
        raise ShardCorrupt("too short")
    trailer = os.pread(fd, TRAILER_LEN, size - TRAILER_LEN)
    if len(trailer) != TRAILER_LEN or not trailer.startswith(b"#T ") or not trailer.endswith(b"\n"):
        raise ShardCorrupt("bad trailer")
    try:
        foff = int(trailer[3:15])
        flen = int(trailer[16:26])
        crc = int(trailer[27:35], 16)
    except ValueError as exc:
        raise ShardCorrupt("bad trailer numbers") from exc
    if foff + flen != size - TRAILER_LEN or foff <= 0:
        raise ShardCorrupt("trailer does not match size")
    fbytes = os.pread(fd, flen, foff)
    nl = fbytes.find(b"\n")
    if not fbytes.startswith(b"#F ") or nl < 0:
        raise ShardCorrupt("bad footer")
    first = os.pread(fd, min(4096, foff), 0)
    hnl = first.find(b"\n")
    if hnl < 0:
        raise ShardCorrupt("bad header")
    try:
        header = orjson.loads(first[:hnl])
        meta = orjson.loads(fbytes[3:nl])
    except orjson.JSONDecodeError as exc:
        raise ShardCorrupt("unparsable header/footer") from exc
    if not isinstance(header, dict) or not isinstance(meta, dict) or header.get("gen") != meta.get("gen"):
        raise ShardCorrupt("header/footer generation mismatch")
    if int(header.get("samad_cache", 0)) > CACHE_SCHEMA:
        raise StoreError(
            "حافظهٔ محلی با نسخهٔ جدیدتری از برنامه ساخته شده است؛ برنامه را به‌روز کنید.",
            code="newer_schema",
        )
    if meta.get("count") != header.get("count") or meta.get("order") != sys.byteorder:
        raise ShardCorrupt("count/byte order mismatch")
    if full:
        c = 0
        pos = 0
        while pos < size - TRAILER_LEN:
            chunk = os.pread(fd, min(1 << 22, size - TRAILER_LEN - pos), pos)
            if not chunk:
                raise ShardCorrupt("short read")
            c = zlib.crc32(chunk, c)
            pos += len(chunk)
        if c & 0xFFFFFFFF != crc:
            raise ShardCorrupt("checksum mismatch")
    blob = memoryview(fbytes)[nl + 1 :]
    arrays: dict[str, tuple[array, array]] = {}
    try:
        for name, (n, ho, po) in meta["ix"].items():
            h = array("I")
            h.frombytes(blob[ho : ho + 4 * n])
            p = array("Q")
            p.frombytes(blob[po : po + 8 * n])
            if len(h) != n or len(p) != n:
                raise ShardCorrupt("short index")
            arrays[name] = (h, p)
    except (KeyError, ValueError, TypeError) as exc:
        raise ShardCorrupt("bad index layout") from exc
    if len(arrays.get("id", ((), ()))[0]) != header.get("count"):
        raise ShardCorrupt("count mismatch")
    return header, meta, arrays, foff


# --- in-memory index of one shard --------------------------------------------------------


class ShardIndex:
    """Sorted (key hash, packed location) arrays of one shard: 12 bytes an entry.

    A lookup bisects the hash array, reads the candidate documents with ``pread`` and
    keeps those whose key really matches (CRC-32 collisions are checked, not assumed).
    """

    __slots__ = ("entity", "shard", "gen", "fd", "arrays", "path", "body_end")

    def __init__(self, entity: str, shard: int, path: Path | None, fd: int | None, gen: str | None = None,
                 arrays: dict[str, tuple[array, array]] | None = None, body_end: int = 0) -> None:
        self.entity = entity
        self.shard = shard
        self.path = path
        self.fd = fd
        self.gen = gen
        self.arrays = arrays or {}
        self.body_end = body_end

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

    __setitem__ = __delitem__ = update = pop = popitem = setdefault = clear = __ior__ = _ro  # type: ignore[assignment]

    def copy(self) -> dict:  # type: ignore[override]
        return dict(self)

    def __reduce__(self):
        return (dict, (dict(self),))


# --- TinyDB storage for one shard --------------------------------------------------------


class StrIdTable(Table):
    """TinyDB table keyed by the entity's own string id."""

    document_id_class = str


class ShardTinyDB(TinyDB):
    table_class = StrIdTable
    default_table_name = TABLE


class ShardStorage(Storage):
    """TinyDB storage of one shard: orjson, atomic replace, batched writes.

    ``read()`` parses the shard once and keeps it while the storage is open (the leader
    opens a shard only for one batch of changes). Inside ``batch()`` TinyDB's writes
    only update memory; leaving the batch writes the file once. If a write fails the
    in-memory copy is dropped (TinyDB mutated it before ``write``).
    """

    def __init__(self, path: str, entity: str = "", shard: int = 0, on_written=None) -> None:
        self.path = Path(path)
        self.entity = entity
        self.shard = shard
        self.on_written = on_written
        self._data: dict | None = None
        self._batch = 0
        self._dirty = False

    def read(self) -> dict | None:
        if self._data is None:
            self._data = {TABLE: self._parse()}
        return self._data

    def _parse(self) -> dict:
        try:
            fd = os.open(self.path, os.O_RDONLY | os.O_CLOEXEC)
        except FileNotFoundError:
            return {}
        try:
            size = os.fstat(fd).st_size
            out: dict = {}
            try:
                _header, _meta, _arrays, body_end = read_footer(fd, size)
                for line in os.pread(fd, body_end, 0).split(b"\n")[1:-1]:
                    doc = orjson.loads(line)
                    out[doc["id"]] = doc
            except (ShardCorrupt, orjson.JSONDecodeError, KeyError, TypeError):
                # damaged shard: keep every readable document; the cursor reset done by
                # the rebuild makes the next pull bring back the rest
                out = {}
                for line in os.pread(fd, size, 0).split(b"\n")[1:]:
                    with contextlib.suppress(orjson.JSONDecodeError):
                        doc = orjson.loads(line)
                        if isinstance(doc, dict) and isinstance(doc.get("id"), str):
                            out[doc["id"]] = doc
            return out
        finally:
            os.close(fd)

    def write(self, data: dict) -> None:
        self._data = data
        if self._batch:
            self._dirty = True
            return
        self._flush()

    def _flush(self) -> None:
        assert self._data is not None
        docs = self._data.get(TABLE, {}).values()
        try:
            built = encode_shard(self.entity, self.shard, docs)
            fileio.atomic_write(self.path, built.chunks)
        except BaseException:
            self._data = None
            raise
        self._dirty = False
        if self.on_written is not None:
            self.on_written(self.entity, self.shard, built)

    @contextlib.contextmanager
    def batch(self):
        self._batch += 1
        try:
            yield self
        except BaseException:
            self._batch -= 1
            self._data = None
            self._dirty = False
            raise
        self._batch -= 1
        if self._batch == 0 and self._dirty:
            self._flush()

    def close(self) -> None:
        self._data = None


def open_shard_db(path: Path, entity: str, shard: int, on_written=None) -> tuple[ShardTinyDB, StrIdTable, ShardStorage]:
    db = ShardTinyDB(str(path), storage=ShardStorage, entity=entity, shard=shard, on_written=on_written)
    table = db.table(TABLE, cache_size=0)
    return db, table, db.storage  # type: ignore[return-value]


# --- the cache directory -------------------------------------------------------------------


def _meta_default() -> dict:
    return {
        "schema": CACHE_SCHEMA,
        "gen": 0,
        "cursor": None,
        "epoch": None,
        "last_sync": None,
        "needs_resync": False,
        "shards": {},
        "entities": [],
    }


class Cache:
    """Reader of the cache (every process) plus the writer methods (sync leader only)."""

    def __init__(self, root: Path, *, doc_cache_size: int = 30000) -> None:
        self.root = root
        self.dir: Path | None = None
        self.meta: dict = _meta_default()
        self._meta_stat: tuple | None = None
        self.shards: dict[str, list[ShardIndex]] = {}
        self.problems: list[str] = []
        self._docs: OrderedDict[tuple[str, str], dict] = OrderedDict()
        self._doc_cache_size = doc_cache_size
        self._lock = threading.RLock()
        self.version = 0  # bumped whenever what the cache shows may have changed

    # ---- opening and refreshing ----

    def current_dir(self) -> Path | None:
        try:
            name = (self.root / "CURRENT").read_text(encoding="ascii").strip()
        except (FileNotFoundError, UnicodeDecodeError):
            return None
        if not name or "/" in name or not (self.root / name).is_dir():
            return None
        return self.root / name

    def load(self, *, full_check: bool = False) -> list[str]:
        """(Re)load everything; returns problems found (corrupt shards, bad meta)."""
        with self._lock:
            self.version += 1
            self.problems = []
            self._close_all()
            self._docs.clear()
            d = self.current_dir()
            self.dir = d
            self.meta = _meta_default()
            self._meta_stat = None
            if d is None:
                if (self.root / "CURRENT").exists():
                    self.problems.append("CURRENT: invalid")
                return self.problems
            self._read_meta()
            for entity in self.meta.get("entities", []):
                self.shards[entity] = [self._open_shard(entity, s, full_check) for s in range(shard_count(entity))]
            return self.problems

    def _read_meta(self) -> None:
        assert self.dir is not None
        p = self.dir / "meta.json"
        try:
            st = p.stat()
            meta = orjson.loads(p.read_bytes())
            if not isinstance(meta, dict):
                raise ValueError("meta not an object")
        except FileNotFoundError:
            self.problems.append("meta.json: missing")
            meta = _meta_default()
            st = None
        except (orjson.JSONDecodeError, ValueError, OSError):
            self.problems.append("meta.json: corrupt")
            meta = _meta_default()
            st = None
        if int(meta.get("schema", 1)) > CACHE_SCHEMA:
            raise StoreError(
                "حافظهٔ محلی (کش) با نسخهٔ جدیدتری از برنامه ساخته شده است؛ برنامه را به‌روز کنید."
                " فایل‌ها دست‌نخورده ماندند.",
                code="newer_schema",
            )
        if not meta.get("entities"):
            # recover the entity list from the files themselves
            ents = sorted({f.name.split(".")[0] for f in self.dir.glob("*.*.json") if f.name != "meta.json"})
            meta["entities"] = ents
        self.meta = meta
        self._meta_stat = (st.st_ino, st.st_mtime_ns, st.st_size) if st else None

    def _open_shard(self, entity: str, shard: int, full_check: bool) -> ShardIndex:
        assert self.dir is not None
        path = self.dir / f"{shard_name(entity, shard)}.json"
        try:
            fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
        except FileNotFoundError:
            if self.meta.get("shards", {}).get(shard_name(entity, shard)):
                self.problems.append(f"{path.name}: missing")
            return ShardIndex(entity, shard, path, None)
        try:
            size = os.fstat(fd).st_size
            header, _meta, arrays, body_end = read_footer(fd, size, full=full_check)
            return ShardIndex(entity, shard, path, fd, header["gen"], arrays, body_end)
        except ShardCorrupt as exc:
            os.close(fd)
            self.problems.append(f"{path.name}: {exc}")
            return ShardIndex(entity, shard, path, None)
        except BaseException:
            os.close(fd)
            raise

    def missing_indexes(self) -> list[str]:
        """Shards written before an index existed (an older version's cache), as
        ``"event.03: cit, ckind"``: :meth:`add_missing_indexes` re-encodes them."""
        return [f"{shard_name(si.entity, si.shard)}: {', '.join(missing)}" for si, missing in self._lacking()]

    def _lacking(self) -> list[tuple[ShardIndex, list[str]]]:
        out = []
        for entity, lst in self.shards.items():
            want = {"id", *INDEXES.get(entity, {})}
            for si in lst:
                if si.fd is not None and si.count and not want <= set(si.arrays):
                    out.append((si, sorted(want - set(si.arrays))))
        return out

    def add_missing_indexes(self) -> int:
        """Re-encode, in place, only the shards that lack an index of this version (the
        documents are copied as they are; the cursor and everything else stay). Caller
        holds ``sync.lock``. Returns the shards rewritten. Readers in other processes
        keep their open descriptors and reload on the new ``meta.json``."""
        with self._lock:
            lacking = self._lacking()
            for si, _missing in lacking:
                assert self.dir is not None and si.fd is not None
                body = os.pread(si.fd, si.body_end, 0)
                raws = [line for line in body.split(b"\n")[1:] if line]
                built = encode_shard(si.entity, si.shard, raws)
                fileio.atomic_write(self.dir / f"{shard_name(si.entity, si.shard)}.json", built.chunks)
                self._on_written(si.entity, si.shard, built)
            if lacking:
                self.commit_meta()
            return len(lacking)

    def changed_on_disk(self) -> bool:
        d = self.current_dir()
        if d != self.dir:
            return True
        if d is None:
            return False
        try:
            st = (d / "meta.json").stat()
        except FileNotFoundError:
            return self._meta_stat is not None
        return (st.st_ino, st.st_mtime_ns, st.st_size) != self._meta_stat

    def refresh(self) -> bool:
        """Pick up the leader's changes. Returns True when something changed."""
        with self._lock:
            if not self.changed_on_disk():
                return False
            self.version += 1
            d = self.current_dir()
            if d != self.dir:
                self.load()
                return True
            old_shards = dict(self.meta.get("shards", {}))
            self._read_meta()
            new_shards = self.meta.get("shards", {})
            for entity in self.meta.get("entities", []):
                lst = self.shards.setdefault(entity, [])
                if not lst:
                    self.shards[entity] = [self._open_shard(entity, s, False) for s in range(shard_count(entity))]
                    continue
                for s in range(shard_count(entity)):
                    name = shard_name(entity, s)
                    if new_shards.get(name) != old_shards.get(name) or new_shards.get(name) != lst[s].gen:
                        old = lst[s]
                        lst[s] = self._open_shard(entity, s, False)
                        old.close()
            self._docs.clear()
            return True

    def _close_all(self) -> None:
        for lst in self.shards.values():
            for si in lst:
                si.close()
        self.shards = {}

    def close(self) -> None:
        with self._lock:
            self._close_all()
            self._docs.clear()

    # ---- queries ----

    def _read(self, si: ShardIndex, loc: int) -> dict | None:
        key = (si.entity, si.shard, loc)
        doc = self._docs.get(key)
        if doc is not None:
            self._docs.move_to_end(key)
            return doc
        try:
            doc = FrozenRow(si.read_at(loc))
        except (ShardCorrupt, OSError) as exc:
            self.problems.append(str(exc))
            return None
        self._docs[key] = doc
        if len(self._docs) > self._doc_cache_size:
            self._docs.popitem(last=False)
        return doc

    def get(self, entity: str, entity_id: str) -> dict | None:
        lst = self.shards.get(entity)
        if not lst:
            return None
        si = lst[shard_of(entity, entity_id)]
        for loc in si.locs("id", entity_id):
            doc = self._read(si, loc)
            if doc is not None and doc.get("id") == entity_id:
                return doc
        return None

    def has(self, entity: str, entity_id: str) -> bool:
        return self.get(entity, entity_id) is not None

    def find(self, entity: str, index: str, key: str) -> list[dict]:
        """Documents whose ``index`` key equals ``key`` (hash hits verified)."""
        fn = INDEXES[entity][index][1]
        out: list[dict] = []
        for si in self.shards.get(entity, ()):
            for loc in si.locs(index, key):
                doc = self._read(si, loc)
                if doc is not None and _has_key(fn(doc), key):  # type: ignore[operator]
                    out.append(doc)
        return out

    def lookup(self, entity: str, index: str, key: str) -> list[str]:
        return [d["id"] for d in self.find(entity, index, key)]

    def count(self, entity: str) -> int:
        return sum(si.count for si in self.shards.get(entity, ()))

    def iter_docs(self, entity: str) -> Iterator[dict]:
        """Every document of an entity, reading each shard sequentially (not via the LRU).

        The shard descriptors are duplicated first, so a refresh in another thread (which
        closes and replaces them) cannot make this iteration read the wrong file.
        """
        with self._lock:
            snap = []
            for si in self.shards.get(entity, ()):
                if si.fd is not None and si.count and si.body_end:
                    snap.append((os.dup(si.fd), si.body_end))
        try:
            while snap:
                fd, end = snap.pop(0)
                try:
                    body = os.pread(fd, end, 0)
                except OSError:
                    continue
                finally:
                    os.close(fd)
                for line in body.split(b"\n")[1:]:
                    if not line:
                        continue
                    try:
                        doc = orjson.loads(line)
                    except orjson.JSONDecodeError:
                        continue
                    if isinstance(doc, dict):
                        yield doc
        finally:
            for fd, _ in snap:
                os.close(fd)

    def entities(self) -> list[str]:
        return list(self.shards)

    # ---- writing (sync leader only; caller holds sync.lock) ----

    def _ensure_dir(self) -> Path:
        if self.dir is None:
            self.root.mkdir(parents=True, exist_ok=True)
            d = self.root / "g000001"
            d.mkdir(exist_ok=True)
            fileio.atomic_write(d / "meta.json", orjson.dumps(_meta_default()))
            fileio.atomic_write(self.root / "CURRENT", d.name.encode())
            self.dir = d
            self.meta = _meta_default()
        return self.dir

    def _on_written(self, entity: str, shard: int, built: Built) -> None:
        self.version += 1
        lst = self.shards.setdefault(entity, [ShardIndex(entity, s, None, None) for s in range(shard_count(entity))])
        assert self.dir is not None
        path = self.dir / f"{shard_name(entity, shard)}.json"
        fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
        new = ShardIndex(entity, shard, path, fd, built.gen, built.arrays, built.body_end)
        old = lst[shard]
        lst[shard] = new
        old.close()
        self.meta.setdefault("shards", {})[shard_name(entity, shard)] = built.gen
        # the LRU keys on (entity, shard, loc): locations of this shard changed
        for k in [k for k in self._docs if k[0] == entity and k[1] == shard]:
            del self._docs[k]
        if entity not in self.meta.setdefault("entities", []):
            self.meta["entities"].append(entity)

    def apply(self, changes: list[dict]) -> set[tuple[str, str]]:
        """Write server changes into the shards (version-checked). Returns touched keys.

        Meta is NOT written here; call :meth:`commit_meta` after (cursor last).
        """
        with self._lock:
            d = self._ensure_dir()
            groups: dict[tuple[str, int], list[dict]] = {}
            for ch in changes:
                entity = ch.get("entity")
                eid = ch.get("id") or (ch.get("data") or {}).get("id")
                if not entity or not eid:
                    continue
                groups.setdefault((entity, shard_of(entity, eid)), []).append(ch)
            touched: set[tuple[str, str]] = set()
            for (entity, shard), chs in sorted(groups.items()):
                path = d / f"{shard_name(entity, shard)}.json"
                db, table, storage = open_shard_db(path, entity, shard, self._on_written)
                try:
                    with storage.batch():
                        remove: list[str] = []
                        final: dict[str, dict | None] = {}
                        for ch in chs:
                            eid = ch.get("id") or ch["data"]["id"]
                            cur = final[eid] if eid in final else table.get(doc_id=eid)
                            new_v = ch.get("version")
                            if new_v is None and ch.get("data"):
                                new_v = ch["data"].get("version")
                            if cur is not None and new_v is not None and int(cur.get("version") or 0) > int(new_v):
                                continue  # older than what we have: ignore
                            if ch.get("op") == "delete":
                                final[eid] = None
                            else:
                                data = dict(ch["data"])
                                data.setdefault("id", eid)
                                if new_v is not None:
                                    data["version"] = new_v
                                final[eid] = data
                            touched.add((entity, eid))
                        if not final:
                            continue
                        existing = [i for i in final if table.contains(doc_id=i)]
                        remove.extend(existing)
                        if remove:
                            table.remove(doc_ids=remove)
                        puts = [Document(v, doc_id=k) for k, v in final.items() if v is not None]
                        if puts:
                            table.insert_multiple(puts)
                finally:
                    storage.close()
            return touched

    def commit_meta(self, **updates) -> None:
        with self._lock:
            d = self._ensure_dir()
            self.meta.update(updates)
            self.meta["gen"] = int(self.meta.get("gen", 0)) + 1
            self.meta["schema"] = CACHE_SCHEMA
            fileio.atomic_write(d / "meta.json", orjson.dumps(self.meta))
            st = (d / "meta.json").stat()
            self._meta_stat = (st.st_ino, st.st_mtime_ns, st.st_size)

    def build_new(self, items: Iterable[tuple[str, dict | bytes]], meta: dict) -> Path:
        """Write a complete new generation from (entity, doc) items and switch to it.

        Documents are spooled per shard to temporary files so memory stays bounded.
        """
        with self._lock:
            self.root.mkdir(parents=True, exist_ok=True)
            n = 1
            for p in self.root.glob("g*"):
                with contextlib.suppress(ValueError):
                    n = max(n, int(p.name[1:].split(".")[0]) + 1)
            new = self.root / f"g{n:06d}"
            tmp = self.root / f"g{n:06d}.building-{os.getpid()}"
            shutil.rmtree(tmp, ignore_errors=True)
            tmp.mkdir()
            spools: dict[tuple[str, int], object] = {}
            try:
                for entity, doc in items:
                    if isinstance(doc, dict):
                        eid = doc["id"]
                        raw = orjson.dumps(doc)
                    else:
                        raw = bytes(doc)
                        eid = orjson.loads(raw)["id"]
                    key = (entity, shard_of(entity, eid))
                    fh = spools.get(key)
                    if fh is None:
                        fh = open(tmp / f"{shard_name(*key)}.spool", "wb")  # noqa: SIM115
                        spools[key] = fh
                    fh.write(raw + b"\n")  # type: ignore[attr-defined]
                for fh in spools.values():
                    fh.close()  # type: ignore[attr-defined]
                entities = sorted({e for e, _ in spools})
                shard_gens: dict[str, str] = {}
                for entity in entities:
                    for s in range(shard_count(entity)):
                        sp = tmp / f"{shard_name(entity, s)}.spool"
                        docs: dict[str, bytes] = {}
                        if sp.exists():
                            with open(sp, "rb") as fh:
                                for line in fh:
                                    raw = line.rstrip(b"\n")
                                    docs[orjson.loads(raw)["id"]] = raw  # last one wins
                            sp.unlink()
                        built = encode_shard(entity, s, docs.values())
                        del docs
                        fileio.atomic_write(tmp / f"{shard_name(entity, s)}.json", built.chunks)
                        shard_gens[shard_name(entity, s)] = built.gen
                        del built
                m = _meta_default()
                m.update(meta)
                m["entities"] = entities
                m["shards"] = shard_gens
                m["gen"] = 1
                fileio.atomic_write(tmp / "meta.json", orjson.dumps(m))
                fileio.IO.fsync_dir(tmp)
                fileio.IO.replace(tmp, new)
                fileio.IO.fsync_dir(self.root)
                fileio.atomic_write(self.root / "CURRENT", new.name.encode())
            except OSError as exc:
                shutil.rmtree(tmp, ignore_errors=True)
                raise from_os_error(exc, "بازسازی حافظهٔ محلی") from exc
            except BaseException:
                shutil.rmtree(tmp, ignore_errors=True)
                raise
            old = self.dir
            self.load()
            self.remove_old_generations(keep=new)
            _ = old
            return new

    def remove_old_generations(self, keep: Path | None = None) -> None:
        keep = keep or self.current_dir()
        for p in self.root.glob("g*"):
            if keep is not None and p == keep:
                continue
            if ".building-" in p.name:
                pid = p.name.rsplit("-", 1)[-1]
                if pid.isdigit() and fileio._pid_alive(int(pid)) and int(pid) != os.getpid():
                    continue
            # readers holding descriptors keep reading the unlinked files
            shutil.rmtree(p, ignore_errors=True)

    def salvage_items(self) -> Iterator[tuple[str, bytes]]:
        """Every readable document line of the current generation (for rebuild)."""
        d = self.current_dir()
        if d is None:
            return
        for f in sorted(d.glob("*.*.json")):
            entity = f.name.split(".")[0]
            try:
                data = f.read_bytes()
            except OSError:
                continue
            for line in data.split(b"\n")[1:]:
                if not line or line.startswith(b"#"):
                    continue
                try:
                    doc = orjson.loads(line)
                except orjson.JSONDecodeError:
                    continue
                if isinstance(doc, dict) and isinstance(doc.get("id"), str):
                    yield entity, line


def wait_ms(ms: float) -> None:  # small helper for tests/benches
    time.sleep(ms / 1000)
