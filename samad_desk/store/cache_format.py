"""The cache's file format: shards with indexes readable without parsing.

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

import os
import sys
import uuid
import zlib
from array import array
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

import orjson

from samad_desk.domain.models import event_citizen_ids
from samad_desk.store.errors import StoreError

CACHE_SCHEMA = 1
SHARD_COUNTS = {"case": 32, "citizen": 32, "event": 32}
TRAILER_LEN = 36  # b"#T " + 12 + b" " + 10 + b" " + 8 + b"\n"
TABLE = "_default"


# entity -> {index name: (kind, field extractor)}; kind "u" unique key -> id, "m" key -> [ids]


def mobile_key(doc: dict) -> str | None:
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


INDEXES: dict[str, dict[str, tuple[str, Callable[[dict], object]]]] = {
    "case": {
        "tc": ("u", lambda d: d.get("tracking_code")),
        "cit": ("m", lambda d: d.get("citizen_id")),
        "cart": ("m", _cart_key),
    },
    "citizen": {
        "nid": ("u", lambda d: d.get("national_id") or None),
        "mob": ("m", mobile_key),
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
        k = fn(doc)
        if isinstance(k, list):
            for one in k:
                yield name, str(one)
        elif k is not None:
            yield name, str(k)


def _has_key(value: object, key: str) -> bool:
    return key in value if isinstance(value, list) else value == key


@dataclass(slots=True, eq=False)
class Built:
    """What ``encode_shard`` produced: the file chunks and the in-memory index arrays."""

    chunks: list[bytes]
    gen: str
    count: int
    arrays: dict[str, tuple[array, array]]
    body_end: int = 0


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


def document_lines(body: bytes) -> Iterator[tuple[bytes, dict]]:
    """(line, document) of every line after a shard's header that parses as a JSON object
    (the footer and damaged lines are skipped)."""
    for line in body.split(b"\n")[1:]:
        if not line:
            continue
        try:
            doc = orjson.loads(line)
        except orjson.JSONDecodeError:
            continue
        if isinstance(doc, dict):
            yield line, doc


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

