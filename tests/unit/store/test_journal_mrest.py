"""The journal's file format and recovery rules at the level of ``store/journal.py``,
exactly: the record line, how ``scan_bytes`` classifies damage (and at which offsets),
what a stream reader takes from another process's journal, the append that is cut back
on a failed write or fsync, the tail repair, the schema check and the migration path.

Written against the survivors of the first mutmut run of the ``journal`` target
(docs/mutation.md); the store tests reach these functions only through ``Store.open``."""

from __future__ import annotations

import errno
import os
import zlib

import orjson
import pytest

from samad_desk.store import fileio, journal
from samad_desk.store.errors import StoreError
from samad_desk.store.journal import (
    AppendFile,
    Scan,
    check_schema,
    encode,
    read_stream,
    read_stream_of,
    scan_bytes,
)

A, B, C = {"k": "header", "schema": 1}, {"k": "ops", "ops": [1]}, {"k": "ops", "ops": [2]}


def line(rec) -> bytes:
    payload = orjson.dumps(rec)
    return b"%08x " % zlib.crc32(payload) + payload + b"\n"


# -- the record line ----------------------------------------------------------------------


def test_a_record_is_its_crc_a_space_its_json_and_a_newline():
    assert encode({"k": "ops"}) == b"%08x " % zlib.crc32(b'{"k":"ops"}') + b'{"k":"ops"}\n'
    assert encode({"k": "ops"}) == line({"k": "ops"})


# -- scan_bytes -----------------------------------------------------------------------------


def _scan(scan: Scan) -> tuple:
    return (scan.records, scan.good_end, scan.size, scan.torn_tail, scan.missing_newline, scan.corrupt_at,
            scan.salvaged)


def test_a_clean_journal_scans_whole():
    data = line(A) + line(B)
    assert _scan(scan_bytes(data)) == ([A, B], len(data), len(data), False, False, None, [])
    assert _scan(scan_bytes(data, start=100)) == ([A, B], 100 + len(data), 100 + len(data), False, False, None, [])


def test_nothing_scans_empty():
    assert _scan(scan_bytes(b"")) == ([], 0, 0, False, False, None, [])
    assert _scan(scan_bytes(b"", start=7)) == ([], 7, 7, False, False, None, [])


@pytest.mark.parametrize("tail", [line(C)[:20], b"\0" * 64, b"garbage\n", line(C)[:-2] + b"\n"])
def test_a_bad_last_line_is_a_torn_tail_after_the_last_good_record(tail):
    good = line(A) + line(B)
    for start in (0, 50):
        assert _scan(scan_bytes(good + tail, start=start)) == (
            [A, B], start + len(good), start + len(good + tail), True, False, None, [])


def test_several_bad_lines_at_the_end_are_one_torn_tail():
    good = line(A)
    scan = scan_bytes(good + b"bad\n" + b"worse\n" + line(B)[:9])
    assert _scan(scan) == ([A], len(good), len(good) + 4 + 6 + 9, True, False, None, [])


def test_a_valid_last_record_without_its_newline_is_kept_and_flagged():
    data = line(A) + line(B)[:-1]
    for start in (0, 30):
        assert _scan(scan_bytes(data, start=start)) == ([A, B], start + len(data), start + len(data), False, True,
                                                          None, [])


def test_a_bad_record_followed_by_valid_ones_is_corruption_and_they_are_salvaged():
    head, bad = line(A) + line(B), b"deadbeef {not a record}\n"
    data = head + bad + line(C) + b"x\n" + line(B)
    for start in (0, 1000):
        assert _scan(scan_bytes(data, start=start)) == (
            [A, B], start + len(head), start + len(data), False, False, start + len(head), [C, B])


def test_corruption_at_the_first_line_is_at_offset_zero():
    assert _scan(scan_bytes(b"junk\n" + line(A))) == ([], 0, len(b"junk\n" + line(A)), False, False, 0, [A])


def test_an_empty_first_line_is_a_bad_record_not_the_end():
    data = b"\n" + line(A)
    assert _scan(scan_bytes(data)) == ([], 0, len(data), False, False, 0, [A])


@pytest.mark.parametrize("payload", [b"[1,2]", b'"text"', b"7", b"{not json", b"null"])
def test_a_line_whose_crc_holds_but_whose_json_is_no_object_is_bad(payload):
    bad = b"%08x " % zlib.crc32(payload) + payload + b"\n"
    assert _scan(scan_bytes(line(A) + bad)) == ([A], len(line(A)), len(line(A) + bad), True, False, None, [])
    assert scan_bytes(line(A) + bad + line(B)).corrupt_at == len(line(A))


def test_the_header_is_the_first_record_when_it_says_so():
    assert scan_bytes(line(A) + line(B)).header == A
    assert scan_bytes(line(B) + line(A)).header is None
    assert scan_bytes(b"").header is None


# -- stream readers ---------------------------------------------------------------------------


def test_a_stream_read_takes_complete_valid_lines_and_says_where_to_go_on(tmp_path):
    path = tmp_path / "j.jsonl"
    path.write_bytes(line(A) + line(B) + line(C)[:10])
    assert read_stream(path, 0) == ([A, B], len(line(A) + line(B)))
    assert read_stream(path, len(line(A))) == ([B], len(line(A) + line(B)))
    recs, off, ino = read_stream_of(path, 0)
    assert (recs, off, ino) == ([A, B], len(line(A) + line(B)), os.stat(path).st_ino)
    # the owner finishes the line: the reader goes on from where it stopped
    path.write_bytes(line(A) + line(B) + line(C))
    assert read_stream(path, off) == ([C], len(line(A) + line(B) + line(C)))


@pytest.mark.parametrize("bad", [b"junk\n", b"%08x [1\n" % zlib.crc32(b"[1")])
def test_a_stream_read_stops_at_a_bad_line_and_never_skips_it(tmp_path, bad):
    path = tmp_path / "j.jsonl"
    path.write_bytes(line(A) + bad + line(B))
    assert read_stream(path, 0) == ([A], len(line(A)))
    assert read_stream(path, len(line(A))) == ([], len(line(A)))


def test_a_stream_read_of_no_file_finds_nothing_and_keeps_its_place(tmp_path):
    assert read_stream_of(tmp_path / "none.jsonl", 42) == ([], 42, None)
    assert read_stream(tmp_path / "none.jsonl", 42) == ([], 42)


# -- the append file ------------------------------------------------------------------------------


class FailingIO(fileio.FileIO):
    """The store's I/O seam failing one syscall with one errno."""

    def __init__(self, *, write: int = 0, fsync: int = 0, truncate: int = 0, open_append: int = 0) -> None:
        self.fail = {"write": write, "fsync": fsync, "truncate": truncate, "open_append": open_append}

    def _maybe(self, name: str) -> None:
        if self.fail[name]:
            raise OSError(self.fail[name], os.strerror(self.fail[name]))

    def open_append(self, path):
        self._maybe("open_append")
        return super().open_append(path)

    def write(self, fd, data):
        self._maybe("write")
        return super().write(fd, data)

    def fsync(self, fd):
        self._maybe("fsync")
        return super().fsync(fd)

    def truncate(self, fd, size):
        self._maybe("truncate")
        return super().truncate(fd, size)


@pytest.fixture
def appended(tmp_path):
    path = tmp_path / "j.jsonl"
    f = AppendFile(path)
    yield path, f
    f.close()


def test_an_append_writes_the_records_and_answers_where_they_start(appended):
    path, f = appended
    assert f.append([A]) == 0
    assert f.append([B, C]) == len(line(A))
    assert f.size == len(line(A) + line(B) + line(C)) == path.stat().st_size
    assert path.read_bytes() == line(A) + line(B) + line(C)


def test_an_append_file_opened_on_an_existing_file_goes_on_at_its_end(tmp_path):
    path = tmp_path / "j.jsonl"
    path.write_bytes(line(A))
    f = AppendFile(path)
    try:
        assert f.size == len(line(A)) and f.append([B]) == len(line(A))
    finally:
        f.close()
    f.close()  # a second close is harmless


@pytest.mark.parametrize(("fail", "code", "message"), [
    ({"write": errno.ENOSPC}, "disk_full",
     "ثبت انجام نشد: دیسک پر است. فضای دیسک را آزاد کنید و دوباره ذخیره کنید؛ اطلاعات فرم حفظ شده است."),
    ({"fsync": errno.EIO}, "io_error",
     f"ثبت انجام نشد: خطای دیسک ({os.strerror(errno.EIO)}). دوباره تلاش کنید؛ اطلاعات فرم حفظ شده است."),
])
def test_a_failed_append_is_cut_back_and_refused_in_persian(tmp_path, fail, code, message):
    path = tmp_path / "j.jsonl"
    f = AppendFile(path, what="ثبت")
    try:
        f.append([A])
        old = fileio.set_io(FailingIO(**fail))
        try:
            with pytest.raises(StoreError) as info:
                f.append([B])
        finally:
            fileio.set_io(old)
        assert (info.value.code, str(info.value)) == (code, message)
        assert path.read_bytes() == line(A) and f.size == len(line(A))
        assert f.append([C]) == len(line(A))  # the next save goes right after the last good one
        assert path.read_bytes() == line(A) + line(C)
    finally:
        f.close()


def test_a_cut_back_that_fails_leaves_the_size_the_file_really_has(tmp_path):
    path = tmp_path / "j.jsonl"
    f = AppendFile(path)
    try:
        f.append([A])
        old = fileio.set_io(FailingIO(fsync=errno.EIO, truncate=errno.EIO))
        try:
            with pytest.raises(StoreError):
                f.append([B])
        finally:
            fileio.set_io(old)
        # the record reached the file (only its fsync failed) and could not be cut off
        assert path.read_bytes() == line(A) + line(B) and f.size == len(line(A) + line(B))
        assert f.append([C]) == len(line(A) + line(B))
    finally:
        f.close()


def test_an_append_after_close_is_refused_in_persian_each_time_and_keeps_its_size(tmp_path):
    """The one way ``os.fstat`` of the file's own descriptor fails: the descriptor is gone
    (EBADF). The write, the cut-back and the fstat all fail; the size stays the last good
    one, so the next append is refused the same way (not a TypeError from a lost size)."""
    path = tmp_path / "j.jsonl"
    f = AppendFile(path, what="ثبت")
    f.append([A])
    f.close()  # nothing opens a file below, so the descriptor's number stays unused
    for _ in range(2):
        with pytest.raises(StoreError) as info:
            f.append([B])
        assert (info.value.code, str(info.value)) == (
            "io_error",
            f"ثبت انجام نشد: خطای دیسک ({os.strerror(errno.EBADF)}). دوباره تلاش کنید؛ اطلاعات فرم حفظ شده است.")
        assert f.size == len(line(A))
    assert path.read_bytes() == line(A)


def test_an_append_file_that_cannot_be_opened_is_refused_in_persian(tmp_path):
    old = fileio.set_io(FailingIO(open_append=errno.EROFS))
    try:
        with pytest.raises(StoreError) as info:
            AppendFile(tmp_path / "j.jsonl", what="ثبت وضعیت ارسال")
    finally:
        fileio.set_io(old)
    assert info.value.code == "read_only"
    assert str(info.value).startswith("ثبت وضعیت ارسال انجام نشد: پوشهٔ داده فقط‌خواندنی است.")


def test_repair_trims_a_torn_tail_to_the_last_good_record(tmp_path):
    path = tmp_path / "j.jsonl"
    path.write_bytes(line(A) + line(B) + line(C)[:15])
    f = AppendFile(path)
    try:
        f.repair_tail(scan_bytes(path.read_bytes()))
        assert path.read_bytes() == line(A) + line(B) and f.size == len(line(A) + line(B))
        assert f.append([C]) == len(line(A) + line(B))
    finally:
        f.close()


@pytest.mark.parametrize("cut", [1, 0], ids=["last-record-missing-its-newline", "sound-journal-unchanged"])
def test_repair_ends_the_last_record_and_changes_nothing_else(tmp_path, cut):
    path = tmp_path / "j.jsonl"
    path.write_bytes(line(A) + line(B)[: len(line(B)) - cut])
    f = AppendFile(path)
    try:
        f.repair_tail(scan_bytes(path.read_bytes()))
        assert path.read_bytes() == line(A) + line(B) and f.size == len(line(A) + line(B))
    finally:
        f.close()


def test_a_failed_repair_is_refused_in_persian(tmp_path):
    path = tmp_path / "j.jsonl"
    path.write_bytes(line(A) + b"torn")
    f = AppendFile(path)
    old = fileio.set_io(FailingIO(truncate=errno.ENOSPC))
    try:
        with pytest.raises(StoreError) as info:
            f.repair_tail(scan_bytes(path.read_bytes()))
    finally:
        fileio.set_io(old)
        f.close()
    assert info.value.code == "disk_full" and str(info.value).startswith("بازیابی دفتر انجام نشد: دیسک پر است.")


# -- schema and migration ------------------------------------------------------------------------


def test_the_schema_of_a_file_without_one_is_1(tmp_path):
    assert check_schema(None, tmp_path / "j", 1) == 1
    assert check_schema({"k": "header"}, tmp_path / "j", 1) == 1
    assert check_schema({"schema": 2}, tmp_path / "j", 2) == 2
    assert check_schema({"schema": 1}, tmp_path / "j", 2) == 1


def test_a_newer_schema_is_refused_naming_both_versions(tmp_path):
    with pytest.raises(StoreError) as info:
        check_schema({"schema": 3}, tmp_path / "op1.jsonl", 2)
    assert (info.value.code, info.value.detail) == ("newer_schema", str(tmp_path / "op1.jsonl"))
    assert str(info.value) == (
        "فایل «op1.jsonl» با نسخهٔ جدیدتری از سامانه (طرح ۳) ساخته شده و این نسخه (طرح ۲) نمی\u200cتواند آن را"
        " بخواند. برنامه را به\u200cروز کنید؛ فایل دست\u200cنخورده ماند.")


def test_records_are_upcast_step_by_step_and_the_header_says_from_where(monkeypatch):
    monkeypatch.setattr(journal, "JOURNAL_SCHEMA", 3)
    monkeypatch.setitem(journal.MIGRATIONS, 1, lambda r: dict(r, steps=[*r.get("steps", []), 1]))
    monkeypatch.setitem(journal.MIGRATIONS, 2, lambda r: dict(r, steps=[*r.get("steps", []), 2]))
    out = journal.upcast([{"k": "header", "schema": 1}, {"k": "ops"}], 1)
    assert out == [{"k": "header", "schema": 3, "migrated_from": 1}, {"k": "ops", "steps": [1, 2]}]
    assert journal.upcast([{"k": "ops"}], 2) == [{"k": "ops", "steps": [2]}]


def test_a_missing_migration_step_is_refused_naming_it(monkeypatch):
    monkeypatch.setattr(journal, "JOURNAL_SCHEMA", 3)
    monkeypatch.setitem(journal.MIGRATIONS, 1, lambda r: r)
    monkeypatch.delitem(journal.MIGRATIONS, 2, raising=False)
    with pytest.raises(StoreError) as info:
        journal.upcast([{"k": "ops"}], 1)
    assert info.value.code == "no_migration"
    assert str(info.value) == ("مسیر ارتقای دفتر ثبت از طرح ۲ وجود ندارد؛ با پشتیبانی تماس بگیرید."
                               " فایل دست\u200cنخورده ماند.")


def test_a_migrated_file_keeps_its_original_bytes_beside_it(tmp_path, monkeypatch):
    monkeypatch.setattr(journal, "JOURNAL_SCHEMA", 2)
    monkeypatch.setitem(journal.MIGRATIONS, 1, lambda r: dict(r, v2=True))
    path = tmp_path / "op1.jsonl"
    original = line({"k": "header", "schema": 1}) + line(B) + b"torn"
    path.write_bytes(original)
    journal.migrate_file(path, scan_bytes(original), 1)
    assert (tmp_path / "op1.jsonl.v1.bak").read_bytes() == original
    assert path.read_bytes() == (line({"k": "header", "schema": 2, "migrated_from": 1})
                                 + line({**B, "v2": True}))


def test_a_migration_that_cannot_write_is_refused_and_leaves_the_journal(tmp_path, monkeypatch):
    monkeypatch.setattr(journal, "JOURNAL_SCHEMA", 2)
    monkeypatch.setitem(journal.MIGRATIONS, 1, lambda r: r)
    path = tmp_path / "op1.jsonl"
    original = line({"k": "header", "schema": 1}) + line(B)
    path.write_bytes(original)
    old = fileio.set_io(FailingIO(write=errno.ENOSPC))
    try:
        with pytest.raises(StoreError) as info:
            journal.migrate_file(path, scan_bytes(original), 1)
    finally:
        fileio.set_io(old)
    assert info.value.code == "disk_full"
    assert str(info.value) == ("ارتقای دفتر ثبت انجام نشد: دیسک پر است. فضای دیسک را آزاد کنید و دوباره ذخیره کنید؛"
                               " اطلاعات فرم حفظ شده است.")
    assert path.read_bytes() == original


class CrashingIO(fileio.FileIO):
    """Dies (like a killed process) at one named crash point (store-and-sync.md §4)."""

    def __init__(self, at: str) -> None:
        self.at = at

    def crash_point(self, name):
        if name == self.at:
            raise KeyboardInterrupt(name)


def test_a_crash_between_the_write_and_its_fsync_leaves_the_record_unacknowledged(appended):
    path, f = appended
    f.append([A])
    old = fileio.set_io(CrashingIO("after_journal_write"))
    try:
        with pytest.raises(KeyboardInterrupt):
            f.append([B])
    finally:
        fileio.set_io(old)
    # written but never acknowledged: on disk (recovery will read it), not counted
    assert path.read_bytes() == line(A) + line(B) and f.size == len(line(A))


def test_a_failed_save_is_named_a_save_by_default(appended):
    path, f = appended
    old = fileio.set_io(FailingIO(write=errno.EACCES))
    try:
        with pytest.raises(StoreError) as info:
            f.append([A])
    finally:
        fileio.set_io(old)
    assert (info.value.code, str(info.value)) == (
        "permission", "ذخیره انجام نشد: اجازهٔ نوشتن در پوشهٔ داده نیست. به پشتیبانی خبر دهید؛ اطلاعات فرم حفظ شده است.")
    assert path.read_bytes() == b"" and f.size == 0
