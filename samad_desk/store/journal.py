"""The outbox journal: append-only, one CRC-checked JSON record per line.

A line is ``%08x <json>\\n`` (CRC-32 of the JSON bytes). A save is **one** record
(``{"k":"ops","ops":[…]}``) written with a single ``write()`` on an ``O_APPEND``
descriptor and fsynced before the caller hears "saved". The first record of every file
is a header carrying the schema version.

Recovery (owner only, under the journal lock):

* a torn **last** record is trimmed (it was never acknowledged); a valid last record
  missing its newline is re-terminated;
* a bad record **followed by valid ones** is corruption: the caller quarantines the
  file (``.corrupt``) and salvages every valid record.

Other processes read journals as streams, tolerating an incomplete last line (the owner
may be mid-write), and never modify them.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import orjson

from samad_desk.store import fileio
from samad_desk.store.errors import StoreError, from_os_error
from samad_desk.text.digits import fa

JOURNAL_SCHEMA = 1
STATUS_SCHEMA = 1


def encode(record: dict) -> bytes:
    return fileio.crc_line(orjson.dumps(record))


@dataclass
class Scan:
    records: list[dict] = field(default_factory=list)
    good_end: int = 0          # offset just after the last valid record (before any bad one)
    size: int = 0
    torn_tail: bool = False    # bad/incomplete bytes after good_end and nothing valid after
    missing_newline: bool = False  # the last valid record lacks its "\n"
    corrupt_at: int | None = None  # a bad record followed by valid ones
    salvaged: list[dict] = field(default_factory=list)  # valid records after the corruption

    @property
    def header(self) -> dict | None:
        if self.records and self.records[0].get("k") == "header":
            return self.records[0]
        return None


def scan_bytes(data: bytes, *, start: int = 0) -> Scan:
    """Parse journal bytes, classifying damage (see module docstring)."""
    scan = Scan(size=start + len(data), good_end=start)
    pos = 0
    n = len(data)
    bad_seen_at: int | None = None
    while pos < n:
        nl = data.find(b"\n", pos)
        complete = nl >= 0
        end = nl if complete else n
        payload = fileio.parse_crc_line(data[pos:end])
        rec = None
        if payload is not None:
            try:
                rec = orjson.loads(payload)
            except orjson.JSONDecodeError:
                rec = None
            if not isinstance(rec, dict):
                rec = None
        if rec is None:
            if bad_seen_at is None:
                bad_seen_at = start + pos
        else:
            if bad_seen_at is not None:
                if scan.corrupt_at is None:
                    scan.corrupt_at = bad_seen_at
                scan.salvaged.append(rec)
            else:
                scan.records.append(rec)
                scan.good_end = start + (nl + 1 if complete else n)
                if not complete:
                    scan.missing_newline = True
        if not complete:
            break
        pos = nl + 1
    if bad_seen_at is not None and scan.corrupt_at is None:
        scan.torn_tail = True
    return scan


def read_stream(path: Path, offset: int) -> tuple[list[dict], int]:
    """Complete valid records from ``offset``; stops at the first incomplete or bad line.

    Used for other processes' journals and the status log: never modifies the file.
    Returns the records and the offset to continue from next time.
    """
    recs, off, _ino = read_stream_of(path, offset)
    return recs, off


def read_stream_of(path: Path, offset: int) -> tuple[list[dict], int, int | None]:
    """:func:`read_stream` plus the inode read (``None``: no file). A file replaced by a
    compaction has a new inode: its reader starts again from 0."""
    try:
        with open(path, "rb") as fh:
            ino = os.fstat(fh.fileno()).st_ino
            fh.seek(offset)
            data = fh.read()
    except FileNotFoundError:
        return [], offset, None
    out: list[dict] = []
    pos = 0
    while True:
        nl = data.find(b"\n", pos)
        if nl < 0:
            break
        payload = fileio.parse_crc_line(data[pos:nl])
        if payload is None:
            break
        try:
            rec = orjson.loads(payload)
        except orjson.JSONDecodeError:
            break
        out.append(rec)
        pos = nl + 1
    return out, offset + pos, ino


class AppendFile:
    """An append-only CRC-line file opened by one writer (journal or status log)."""

    def __init__(self, path: Path, *, what: str = "ذخیره") -> None:
        self.path = path
        self.what = what
        try:
            self.fd = fileio.IO.open_append(path)
        except OSError as exc:
            raise from_os_error(exc, what) from exc
        self.size = os.fstat(self.fd).st_size

    def append(self, records: list[dict]) -> int:
        """Append records with one write + fsync. Returns the offset they start at.

        On any error the file is cut back to its previous length, so nothing half-written
        stays behind, and a Persian StoreError is raised: nothing was acknowledged.
        """
        data = b"".join(encode(r) for r in records)
        start = self.size
        try:
            fileio.write_all(self.fd, data)
            fileio.IO.crash_point("after_journal_write")
            fileio.IO.fsync(self.fd)
        except OSError as exc:
            self._cut_back(start)
            raise from_os_error(exc, self.what) from exc
        self.size = start + len(data)
        return start

    def _cut_back(self, size: int) -> None:
        try:
            fileio.IO.truncate(self.fd, size)
            fileio.IO.fsync(self.fd)
        except OSError:
            # Could not cut back: re-read the real size so the next append is after
            # whatever reached the file; recovery at next open trims a torn tail.
            pass
        try:
            self.size = os.fstat(self.fd).st_size
        except OSError:
            self.size = size

    def repair_tail(self, scan: Scan) -> None:
        """Trim a torn tail / re-terminate a last record (owner, under lock)."""
        try:
            if scan.torn_tail:
                fileio.IO.truncate(self.fd, scan.good_end)
                fileio.IO.fsync(self.fd)
                self.size = scan.good_end
            if scan.missing_newline:
                fileio.write_all(self.fd, b"\n")
                fileio.IO.fsync(self.fd)
                self.size = os.fstat(self.fd).st_size
        except OSError as exc:
            raise from_os_error(exc, "بازیابی دفتر") from exc

    def close(self) -> None:
        try:
            os.close(self.fd)
        except OSError:
            pass


def check_schema(header: dict | None, path: Path, expected: int) -> int:
    """The file's schema version; refuses (without touching it) a newer one."""
    version = int((header or {}).get("schema", 1))
    if version > expected:
        raise StoreError(
            f"فایل «{path.name}» با نسخهٔ جدیدتری از سامانه (طرح {fa(version)}) ساخته شده و این نسخه"
            f" (طرح {fa(expected)}) نمی‌تواند آن را بخواند. برنامه را به‌روز کنید؛ فایل دست‌نخورده ماند.",
            code="newer_schema",
            detail=str(path),
        )
    return version


# Journal migrations: MIGRATIONS[v] upcasts one record of schema v to schema v + 1.
# A journal of an older schema is rewritten at open by its owner (the original bytes are
# kept as ``<name>.v<old>.bak``); other processes upcast in memory when they read it.
MIGRATIONS: dict[int, Callable[[dict], dict]] = {}


def upcast(records: list[dict], version: int) -> list[dict]:
    for v in range(version, JOURNAL_SCHEMA):
        fn = MIGRATIONS.get(v)
        if fn is None:
            raise StoreError(
                f"مسیر ارتقای دفتر ثبت از طرح {fa(v)} وجود ندارد؛ با پشتیبانی تماس بگیرید. فایل دست‌نخورده ماند.",
                code="no_migration",
            )
        records = [fn(r) if r.get("k") != "header" else r for r in records]
    if records and records[0].get("k") == "header":
        records[0] = dict(records[0], schema=JOURNAL_SCHEMA, migrated_from=version)
    return records


def migrate_file(path: Path, scan: Scan, version: int) -> None:
    """Rewrite an older journal in the current schema; keep the original as ``.v<old>.bak``."""
    records = upcast(list(scan.records), version)  # raises before anything is touched
    bak = path.with_name(f"{path.name}.v{version}.bak")
    try:
        fileio.atomic_write(bak, path.read_bytes())
        fileio.atomic_write(path, b"".join(encode(r) for r in records))
    except OSError as exc:
        raise from_os_error(exc, "ارتقای دفتر ثبت") from exc
