"""Op signatures (domain/signing.py): what is signed, and that any change breaks it."""

from __future__ import annotations

import copy

from samad_desk.domain import ops as O
from samad_desk.domain.signing import OpSigner, canonical, public_key_from_b64, signature_of, verify

ACTOR = {"id": "op-agent1", "name": "عامل", "role": "agent", "agency_id": None, "office_id": "111-qazvin"}


def _op() -> dict:
    return O.citizen_upsert({"id": "cit-1", "national_id": "0012345679", "first_name": "مریم"}, O.make_actor(ACTOR))


def test_a_signed_op_verifies_with_its_key_only() -> None:
    signer, other = OpSigner.generate(), OpSigner.generate()
    op = signer.sign(_op())
    assert verify(op, signer.public)
    assert not verify(op, other.public)
    assert signature_of(op)[0] == signer.key_id


def test_store_fields_and_server_actor_fields_are_not_signed() -> None:
    signer = OpSigner.generate()
    op = signer.sign(_op())
    moved = dict(op, client_id="c-2", client_seq=9, clock_offset_ms=5,
                 actor={**op["actor"], "role": "admin", "name": "x"})
    assert verify(moved, signer.public)


def test_every_immutable_field_is_signed() -> None:
    signer = OpSigner.generate()
    op = signer.sign(_op())
    for change in (
        {"op_id": "other"}, {"type": "citizen.merge"}, {"v": 2}, {"entity_id": "cit-2"}, {"base_version": 3},
        {"payload": {**op["payload"], "mobile": "09120000000"}}, {"client_time": "2020-01-01T00:00:00Z"},
        {"actor": {**op["actor"], "operator_id": "op-super1"}},
    ):
        assert not verify({**copy.deepcopy(op), **change}, signer.public), change


def test_malformed_signatures_and_keys_are_refused() -> None:
    signer = OpSigner.generate()
    op = signer.sign(_op())
    for sig in (None, "x", {"key_id": signer.key_id}, {"key_id": signer.key_id, "value": "!!"},
                {"key_id": signer.key_id, "value": "AAAA"}, {"key_id": 5, "value": op["sig"]["value"]}):
        assert not verify({**op, "sig": sig}, signer.public)
    assert public_key_from_b64(signer.public_b64) == signer.public
    for bad in (None, 5, "!!", "AAAA", "A" * 100):
        assert public_key_from_b64(bad) is None


def test_canonical_bytes_do_not_depend_on_key_order() -> None:
    op = _op()
    shuffled = dict(reversed(list(op.items())))
    shuffled["payload"] = dict(reversed(list(op["payload"].items())))
    assert canonical(op) == canonical(shuffled)
    assert OpSigner(OpSigner.generate().secret).public  # a secret round-trips
