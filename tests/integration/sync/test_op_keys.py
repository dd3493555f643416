"""The desk's op-signing key file (sync/op_keys.py) and the store's save hook."""

from __future__ import annotations

from samad_desk.domain import ops as O
from samad_desk.domain.signing import OpSigner, verify
from samad_desk.store import Store
from samad_desk.sync.op_keys import KEY_FILE, OpKeyFile

ME = {"id": "op-agent1", "name": "x", "role": "agent", "agency_id": None, "office_id": "o"}
OTHER = {"id": "op-agent2", "name": "y", "role": "agent", "agency_id": None, "office_id": "o"}


def _note(operator: dict) -> dict:
    return O.case_note("case-1", "یادداشت", O.make_actor(operator))


def test_the_key_is_private_and_signs_only_its_operators_ops(tmp_path):
    keys = OpKeyFile(tmp_path / "operator")
    assert keys.load() is None and "sig" not in keys.sign(_note(ME))  # no key: unsigned
    signer = OpSigner.generate()
    keys.save(signer, "op-agent1")
    assert (tmp_path / "operator" / KEY_FILE).stat().st_mode & 0o777 == 0o600
    mine, theirs = keys.sign(_note(ME)), keys.sign(_note(OTHER))
    assert verify(mine, signer.public) and "sig" not in theirs
    keys.delete()
    assert not (tmp_path / "operator" / KEY_FILE).exists() and keys.load() is None


def test_a_login_in_another_process_is_seen_and_a_damaged_file_signs_nothing(tmp_path):
    mine = OpKeyFile(tmp_path)
    assert mine.load() is None
    OpKeyFile(tmp_path).save(OpSigner.generate(), "op-agent1")  # another process logs in
    assert mine.load() is not None
    (tmp_path / KEY_FILE).write_text('{"secret": "not base64!", "operator_id": "op-agent1"}')
    assert mine.load() is None and "sig" not in mine.sign(_note(ME))


def test_the_store_signs_at_save_time(tmp_path):
    keys = OpKeyFile(tmp_path / "operator")
    signer = OpSigner.generate()
    keys.save(signer, "op-agent1")
    store = Store.open(tmp_path / "data")
    try:
        store.signer = keys.sign
        saved = store.save([_note(ME)])[0]
        assert verify(saved, signer.public)
        assert verify(store.pending_ops()[0], signer.public)  # what the journal holds
        store.save_bulk([_note(ME)])
    finally:
        store.close()
    reopened = Store.open(tmp_path / "data")
    try:
        assert all(verify(op, signer.public) for op in reopened.pending_ops())
    finally:
        reopened.close()
