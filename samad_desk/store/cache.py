"""The derived cache: TinyDB tables in sharded files, with indexes readable without parsing.

Layout under ``<data_dir>/cache/``::

    CURRENT                 name of the live generation directory (atomic replace)
    g000003/meta.json       schema, cursor, epoch, shard generations — written LAST
    g000003/case.07.json    one shard of one entity (TinyDB database, custom storage)

A shard file::

    {"samad_cache":1,"entity":"case","shard":7,"gen":"…","count":N}\\n   header
    <document JSON>\\n                                                  N lines
    #F <footer JSON>\\n         ids, packed (offset,length) and secondary index columns
    #T <footer offset:12> <footer length:10> <crc32 of all bytes before:08x>\\n   trailer

Only the sync leader writes shards (``ShardStorage`` under TinyDB: temp file, fsync,
rename, directory fsync). Readers never parse documents to open: they read the
footers, build in-memory indexes (id → packed location, tracking code → id, …) and
fetch a document with one ``pread`` when a query needs it. A reader keeps its shard
descriptors open, so a shard replaced under it still reads consistently until it
notices the new generation in ``meta.json``.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import threading
import time
import uuid
import zlib
from collections import OrderedDict
from collections.abc import Iterable, Iterator
from pathlib import Path

import orjson
from tinydb import TinyDB
from tinydb.storages import Storage
from tinydb.table import Document, Table

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
    "event": {"case": ("m", lambda d: d.get("case_id"))},
}


def shard_count(entity: str) -> int:
    return SHARD_COUNTS.get(entity, 1)


def shard_of(entity: str, entity_id: str) -> int:
    n = shard_count(entity)
    return 0 if n == 1 else zlib.crc32(entity_id.encode()) % n


def shard_name(entity: str, shard: int) -> str:
    return f"{entity}.{shard:02d}"


# --- encoding ---------------------------------------------------------------------------


def encode_shard(entity: str, shard: int, docs: Iterable[dict | bytes]) -> tuple[list[bytes], dict]:
    """Serialize documents into shard-file chunks; returns (chunks, footer)."""
    gen = uuid.uuid4().hex
    body: list[bytes] = []
    ids: list[str] = []
    pos: list[int] = []
    specs = INDEXES.get(entity, {})
    cols: dict[str, list] = {name: [] for name in specs}
    docs = list(docs)
    header = orjson.dumps(
        {"samad_cache": CACHE_SCHEMA, "entity": entity, "shard": shard, "gen": gen, "count": len(docs)}
    ) + b"\n"
    body.append(header)
    off = len(header)
    for item in docs:
        if isinstance(item, bytes | bytearray):
            raw = bytes(item)
            doc = orjson.loads(raw)
        else:
            doc = item
            raw = orjson.dumps(doc)
        ids.append(doc["id"])
        pos.append((off << 24) | len(raw))
        for name, (_kind, fn) in specs.items():
            cols[name].append(fn(doc))  # type: ignore[operator]
        body.append(raw + b"\n")
        off += len(raw) + 1
    footer = {"gen": gen, "ids": ids, "pos": pos, "cols": cols}
    fbytes = b"#F " + orjson.dumps(footer) + b"\n"
    body.append(fbytes)
    crc = 0
    for chunk in body:
        crc = zlib.crc32(chunk, crc)
    body.append(b"#T %012d %010d %08x\n" % (off, len(fbytes), crc & 0xFFFFFFFF))
    return body, footer


class ShardCorrupt(Exception):
    pass


def read_footer(fd: int, size: int, *, full: bool = False) -> tuple[dict, dict]:
    """(header, footer) of an open shard file; raises ShardCorrupt on any damage."""
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
    if foff + flen != size - TRAILER_LEN:
        raise ShardCorrupt("trailer does not match size")
    fbytes = os.pread(fd, flen, foff)
    if not fbytes.startswith(b"#F ") or not fbytes.endswith(b"\n"):
        raise ShardCorrupt("bad footer")
    first = os.pread(fd, min(4096, foff), 0)
    nl = first.find(b"\n")
    if nl < 0:
        raise ShardCorrupt("bad header")
    try:
        header = orjson.loads(first[:nl])
        footer = orjson.loads(fbytes[3:-1])
    except orjson.JSONDecodeError as exc:
        raise ShardCorrupt("unparsable header/footer") from exc
    if not isinstance(header, dict) or header.get("gen") != footer.get("gen"):
        raise ShardCorrupt("header/footer generation mismatch")
    if int(header.get("samad_cache", 0)) > CACHE_SCHEMA:
        raise StoreError(
            "حافظهٔ محلی با نسخهٔ جدیدتری از برنامه ساخته شده است؛ برنامه را به‌روز کنید.",
            code="newer_schema",
        )
    if len(footer.get("ids", ())) != header.get("count"):
        raise ShardCorrupt("count mismatch")
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
    return header, footer


# --- in-memory index of one shard --------------------------------------------------------


class ShardIndex:
    """Locations and secondary indexes of one shard, built from its footer."""

    __slots__ = ("entity", "shard", "gen", "fd", "loc", "idx", "path")

    def __init__(self, entity: str, shard: int, path: Path | None, fd: int | None, footer: dict | None) -> None:
        self.entity = entity
        self.shard = shard
        self.path = path
        self.fd = fd
        self.gen = footer.get("gen") if footer else None
        self.loc: dict[str, int] = {}
        self.idx: dict[str, dict] = {}
        if footer is None:
            for name in INDEXES.get(entity, {}):
                self.idx[name] = {}
            return
        ids = footer["ids"]
        self.loc = dict(zip(ids, footer["pos"], strict=True))
        for name, (kind, _fn) in INDEXES.get(entity, {}).items():
            col = footer["cols"][name]
            d: dict = {}
            if kind == "u":
                for i, key in zip(ids, col, strict=True):
                    if key is not None:
                        d[key] = i
            else:
                for i, key in zip(ids, col, strict=True):
                    if key is not None:
                        lst = d.get(key)
                        if lst is None:
                            d[key] = [i]
                        else:
                            lst.append(i)
            self.idx[name] = d

    def read(self, entity_id: str) -> dict | None:
        p = self.loc.get(entity_id)
        if p is None or self.fd is None:
            return None
        raw = os.pread(self.fd, p & 0xFFFFFF, p >> 24)
        try:
            doc = orjson.loads(raw)
        except orjson.JSONDecodeError as exc:
            raise ShardCorrupt(f"bad document in {self.entity}.{self.shard:02d}") from exc
        if not isinstance(doc, dict) or doc.get("id") != entity_id:
            raise ShardCorrupt(f"document mismatch in {self.entity}.{self.shard:02d}")
        return doc

    def close(self) -> None:
        if self.fd is not None:
            with contextlib.suppress(OSError):
                os.close(self.fd)
            self.fd = None


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
                _header, footer = read_footer(fd, size)
                for i, p in zip(footer["ids"], footer["pos"], strict=True):
                    out[i] = orjson.loads(os.pread(fd, p & 0xFFFFFF, p >> 24))
            except (ShardCorrupt, orjson.JSONDecodeError):
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
            chunks, footer = encode_shard(self.entity, self.shard, docs)
            fileio.atomic_write(self.path, chunks)
        except BaseException:
            self._data = None
            raise
        self._dirty = False
        if self.on_written is not None:
            self.on_written(self.entity, self.shard, footer)

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
            return ShardIndex(entity, shard, path, None, None)
        try:
            size = os.fstat(fd).st_size
            _h, footer = read_footer(fd, size, full=full_check)
            return ShardIndex(entity, shard, path, fd, footer)
        except ShardCorrupt as exc:
            os.close(fd)
            self.problems.append(f"{path.name}: {exc}")
            return ShardIndex(entity, shard, path, None, None)
        except BaseException:
            os.close(fd)
            raise

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

    def get(self, entity: str, entity_id: str) -> dict | None:
        key = (entity, entity_id)
        doc = self._docs.get(key)
        if doc is not None:
            self._docs.move_to_end(key)
            return doc
        lst = self.shards.get(entity)
        if not lst:
            return None
        si = lst[shard_of(entity, entity_id)]
        try:
            doc = si.read(entity_id)
        except (ShardCorrupt, OSError) as exc:
            self.problems.append(str(exc))
            return None
        if doc is not None:
            self._docs[key] = doc
            if len(self._docs) > self._doc_cache_size:
                self._docs.popitem(last=False)
        return doc

    def has(self, entity: str, entity_id: str) -> bool:
        lst = self.shards.get(entity)
        return bool(lst) and entity_id in lst[shard_of(entity, entity_id)].loc

    def lookup(self, entity: str, index: str, key: str) -> list[str]:
        kind = INDEXES[entity][index][0]
        out: list[str] = []
        for si in self.shards.get(entity, ()):
            hit = si.idx.get(index, {}).get(key)
            if hit is None:
                continue
            if kind == "u":
                out.append(hit)
            else:
                out.extend(hit)
        return out

    def count(self, entity: str) -> int:
        return sum(len(si.loc) for si in self.shards.get(entity, ()))

    def ids(self, entity: str) -> Iterator[str]:
        for si in list(self.shards.get(entity, ())):
            yield from list(si.loc)

    def iter_docs(self, entity: str) -> Iterator[dict]:
        for si in list(self.shards.get(entity, ())):
            if si.fd is None:
                continue
            for i in list(si.loc):
                try:
                    doc = si.read(i)
                except (ShardCorrupt, OSError):
                    continue
                if doc is not None:
                    yield doc

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

    def _on_written(self, entity: str, shard: int, footer: dict) -> None:
        lst = self.shards.setdefault(entity, [ShardIndex(entity, s, None, None, None) for s in range(shard_count(entity))])
        assert self.dir is not None
        path = self.dir / f"{shard_name(entity, shard)}.json"
        fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
        new = ShardIndex(entity, shard, path, fd, footer)
        old = lst[shard]
        lst[shard] = new
        old.close()
        self.meta.setdefault("shards", {})[shard_name(entity, shard)] = footer["gen"]
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
            for key in touched:
                self._docs.pop(key, None)
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
                        chunks, footer = encode_shard(entity, s, docs.values())
                        del docs
                        fileio.atomic_write(tmp / f"{shard_name(entity, s)}.json", chunks)
                        shard_gens[shard_name(entity, s)] = footer["gen"]
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
