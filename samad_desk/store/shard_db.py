"""The TinyDB side of the cache: one shard file as a TinyDB database keyed by the
entity's own string id, written whole and atomically (the sync leader's writes)."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import cast

import orjson
from tinydb import TinyDB
from tinydb.storages import Storage
from tinydb.table import Document, Table

from samad_desk.store import fileio
from samad_desk.store.cache_format import (
    TABLE,
    ShardCorrupt,
    document_lines,
    encode_shard,
    read_footer,
)


class StrIdTable(Table):
    """TinyDB table keyed by the entity's own string id.

    TinyDB types document ids as ``int``; this table's are ``str`` (``document_id_class``),
    so these methods are the one place they cross TinyDB's signatures (``cast``).
    """

    document_id_class = cast(type[int], str)

    def get_doc(self, doc_id: str) -> Document | None:
        doc = self.get(doc_id=cast(int, doc_id))
        return doc if isinstance(doc, Document) else None

    def has_doc(self, doc_id: str) -> bool:
        return self.contains(doc_id=cast(int, doc_id))

    def remove_docs(self, doc_ids: list[str]) -> None:
        self.remove(doc_ids=cast(list[int], doc_ids))

    def insert_docs(self, docs: dict[str, dict]) -> None:
        """Insert ``docs`` (id -> document) as new documents; nothing when empty."""
        if docs:
            self.insert_multiple([Document(v, doc_id=cast(int, k)) for k, v in docs.items()])


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
                for _line, doc in document_lines(os.pread(fd, size, 0)):
                    if isinstance(doc.get("id"), str):
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
