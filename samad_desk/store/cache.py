"""The derived cache: TinyDB tables in sharded files, with indexes readable without parsing.

``Cache`` reads the live generation (every process) and writes it (the sync leader only,
under ``sync.lock``). The file format is in ``cache_format.py``, the reading of one shard
in ``shard_index.py``, the TinyDB storage of one shard in ``shard_db.py``; their public
names are importable from here too.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import threading
from collections import OrderedDict
from collections.abc import Iterable, Iterator
from pathlib import Path

import orjson

from samad_desk.store import fileio
from samad_desk.store.cache_format import (
    CACHE_SCHEMA,
    INDEXES,
    SHARD_COUNTS,
    TABLE,
    TRAILER_LEN,
    Built,
    ShardCorrupt,
    document_lines,
    encode_shard,
    key_hash,
    mobile_key,
    read_footer,
    shard_count,
    shard_name,
    shard_of,
)
from samad_desk.store.cache_format import _has_key as _has_key
from samad_desk.store.errors import StoreError, from_os_error
from samad_desk.store.shard_db import ShardStorage, ShardTinyDB, StrIdTable, open_shard_db
from samad_desk.store.shard_index import FrozenRow, ShardIndex

__all__ = [
    "CACHE_SCHEMA", "INDEXES", "SHARD_COUNTS", "TABLE", "TRAILER_LEN", "Built", "Cache", "FrozenRow",
    "ShardCorrupt", "ShardIndex", "ShardStorage", "ShardTinyDB", "StrIdTable", "encode_shard", "key_hash",
    "mobile_key", "open_shard_db", "read_footer", "shard_count", "shard_name", "shard_of",
]


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
        self._docs: OrderedDict[tuple[str, int, int], dict] = OrderedDict()  # (entity, shard, location)
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
                if doc is not None and _has_key(fn(doc), key):
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
                for _line, doc in document_lines(body):
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
                            cur = final[eid] if eid in final else table.get_doc(eid)
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
                        existing = [i for i in final if table.has_doc(i)]
                        remove.extend(existing)
                        if remove:
                            table.remove_docs(remove)
                        table.insert_docs({k: v for k, v in final.items() if v is not None})
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
            for line, doc in document_lines(data):
                if isinstance(doc.get("id"), str):
                    yield entity, line
