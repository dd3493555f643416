"""Journal recovery: torn tails, missing newline, mid-file corruption, newer schema (F2, F14)."""

from __future__ import annotations

import random

import pytest

from samad_desk.store import Store, StoreError
from samad_desk.store.journal import encode, scan_bytes
from tests.support.store import call_ops


def _journal(store: Store):
    return store._journal_path(store.client_id)


def _saved_ids(store: Store) -> set[str]:
    return {o["op_id"] for o in store.pending_ops(limit=10**6)}


def test_save_is_durable_and_reopened(open_store, data_dir):
    s = open_store()
    rng = random.Random(1)
    saved = [op["op_id"] for _ in range(5) for op in s.save(call_ops(s, rng))]
    cid = s.client_id
    s.close()
    s2 = open_store()
    assert s2.client_id == cid
    assert [o["op_id"] for o in s2.pending_ops(limit=100)] == saved
    assert [o["client_seq"] for o in s2.pending_ops(limit=100)] == list(range(1, 16))


def test_torn_last_record_is_trimmed(open_store):
    s = open_store()
    rng = random.Random(2)
    kept = [o["op_id"] for _ in range(9) for o in s.save(call_ops(s, rng))]
    path = _journal(s)
    s.close()
    whole = encode({"k": "ops", "ops": call_ops(s, rng)})
    with open(path, "ab") as fh:
        fh.write(whole[: len(whole) // 2])  # the 10th save, torn mid-write
    size_torn = path.stat().st_size
    s2 = open_store()
    assert [o["op_id"] for o in s2.pending_ops(limit=100)] == kept
    assert not s2.alarms
    assert path.stat().st_size < size_torn
    # and saving continues after the trimmed tail
    more = s2.save(call_ops(s2, rng))
    assert more[0]["client_seq"] == 28
    assert scan_bytes(path.read_bytes()).torn_tail is False


def test_zero_filled_tail_is_trimmed(open_store):
    s = open_store()
    rng = random.Random(3)
    kept = {o["op_id"] for o in s.save(call_ops(s, rng))}
    path = _journal(s)
    s.close()
    with open(path, "ab") as fh:
        fh.write(b"\0" * 4096)  # power loss: size extended, data never written
    s2 = open_store()
    assert _saved_ids(s2) == kept
    assert not s2.alarms


def test_missing_newline_is_reterminated(open_store):
    s = open_store()
    rng = random.Random(4)
    kept = {o["op_id"] for _ in range(3) for o in s.save(call_ops(s, rng))}
    path = _journal(s)
    s.close()
    data = path.read_bytes()
    path.write_bytes(data[:-1])
    s2 = open_store()
    assert _saved_ids(s2) == kept
    assert path.read_bytes().endswith(b"\n")
    s2.save(call_ops(s2, rng))
    s2.close()
    assert len(_saved_ids(open_store())) == 12


@pytest.mark.parametrize("damage", ["bitflip", "garbage_line"])
def test_mid_file_corruption_is_quarantined_and_salvaged(open_store, data_dir, damage):
    s = open_store()
    rng = random.Random(5)
    saved = [o["op_id"] for _ in range(10) for o in s.save(call_ops(s, rng))]
    path = _journal(s)
    old_client = s.client_id
    s.close()
    lines = path.read_bytes().split(b"\n")
    if damage == "bitflip":
        line = bytearray(lines[4])
        line[40] ^= 0x01
        lines[4] = bytes(line)
        lost = 3  # the ops of that one record
    else:
        lines.insert(4, b"deadbeef {this is not a record}")
        lost = 0
    path.write_bytes(b"\n".join(lines))
    s2 = open_store()
    assert s2.alarms and "آسیب" in s2.alarms[0]
    assert s2.client_id != old_client
    assert list((data_dir / "outbox").glob("*.corrupt"))
    ops = s2.pending_ops(limit=1000)
    assert len(ops) == len(saved) - lost
    assert {o["op_id"] for o in ops} <= set(saved)
    # renumbered from 1 under the new client, op_ids kept
    assert [o["client_seq"] for o in ops] == list(range(1, len(ops) + 1))
    assert all(o["client_id"] == s2.client_id for o in ops)
    # the desk keeps working in its fresh journal
    s2.save(call_ops(s2, rng))
    s2.close()
    s3 = open_store()
    assert not s3.alarms
    assert len(s3.pending_ops(limit=1000)) == len(saved) - lost + 3


def test_newer_journal_schema_is_refused_untouched(open_store, data_dir):
    s = open_store()
    s.save(call_ops(s, random.Random(6)))
    path = _journal(s)
    s.close()
    lines = path.read_bytes().split(b"\n")
    import orjson

    from samad_desk.store.fileio import crc_line

    header = orjson.loads(lines[0][9:])
    header["schema"] = 99
    lines[0] = crc_line(orjson.dumps(header))[:-1]
    lines.append(b"garbage torn tail")
    before = b"\n".join(lines)
    path.write_bytes(before)
    with pytest.raises(StoreError) as exc:
        Store.open(data_dir, profile="op1")
    assert exc.value.code == "newer_schema"
    assert "جدیدتر" in str(exc.value)
    assert path.read_bytes() == before  # untouched, torn tail included
    assert not list((data_dir / "outbox").glob("*.corrupt"))


def test_tracking_codes_survive_restart(open_store):
    s = open_store()
    rng = random.Random(7)
    codes = []
    for _ in range(5):
        ops = s.save(call_ops(s, rng))
        codes.append(ops[1]["payload"]["tracking_code"])
    unsaved = s.next_tracking_code()  # handed out but never saved
    s.close()
    s2 = open_store()
    nxt = s2.next_tracking_code()
    assert nxt not in codes
    assert nxt == unsaved  # never recorded, so it may be issued again
    assert len(set(codes)) == 5
    from samad_desk.domain.tracking import is_valid_tracking_code, split_tracking_code

    assert all(is_valid_tracking_code(c) for c in codes)
    assert split_tracking_code(nxt) == (s2.client_no, 6)


def test_server_client_no_changes_codes(open_store):
    s = open_store()
    s.set_client_state(client_no=4321)
    s.close()
    s2 = open_store()
    from samad_desk.domain.tracking import split_tracking_code

    assert split_tracking_code(s2.next_tracking_code()) == (4321, 1)
    assert s2.client_state()["client_no_source"] == "server"


def test_second_instance_of_a_profile_is_read_only(open_store):
    s1 = open_store()
    s1.save(call_ops(s1, random.Random(8)))
    s2 = open_store()
    assert s2.read_only and s2.second_instance
    assert s2.client_id == s1.client_id
    with pytest.raises(StoreError):
        s2.save(call_ops(s1, random.Random(9)))
    assert len(s2.pending_ops(limit=10)) == 3
    other = open_store("op2")
    assert not other.read_only and other.client_id != s1.client_id
    assert other.client_no != s1.client_no


def test_older_journal_is_migrated_keeping_the_original(open_store, data_dir, monkeypatch):
    from samad_desk.store import journal

    s = open_store()
    saved = s.save(call_ops(s, random.Random(10)))
    path = _journal(s)
    s.close()
    original = path.read_bytes()
    # pretend the code moved on to schema 2, whose upcaster adds a field to every op
    monkeypatch.setattr(journal, "JOURNAL_SCHEMA", 2)
    monkeypatch.setitem(journal.MIGRATIONS, 1, lambda r: dict(r, ops=[dict(o, upcast=True) for o in r["ops"]]))
    s2 = open_store()
    ops = s2.pending_ops()
    assert [o["op_id"] for o in ops] == [o["op_id"] for o in saved]
    assert all(o["upcast"] for o in ops)
    assert path.with_name(path.name + ".v1.bak").read_bytes() == original
    assert scan_bytes(path.read_bytes()).header["schema"] == 2
    s2.close()
    # no upcaster for an even older schema: refused, untouched
    monkeypatch.setattr(journal, "JOURNAL_SCHEMA", 3)
    before = path.read_bytes()
    with pytest.raises(StoreError) as exc:
        Store.open(data_dir, profile="op1")
    assert exc.value.code == "no_migration" and path.read_bytes() == before
