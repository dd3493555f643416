"""``domain/chain.py``: the hash arithmetic and how a broken history is named."""

from __future__ import annotations

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from samad_desk.domain import chain
from samad_desk.sync.chains import check_held

EVENTS = [{"id": f"e{i}", "case_id": "c1", "kind": "note", "data": {"text": f"متن {i}"}} for i in range(1, 5)]


def _chain(events):
    links, h = [], chain.GENESIS
    for i, ev in enumerate(events, 1):
        h = chain.link_hash(h, ev)
        links.append(chain.Link(i, ev["id"], h))
    return links


def _held():
    return {ev["id"]: dict(ev) for ev in EVENTS}


def test_each_event_hash_covers_the_one_before():
    a, b = EVENTS[0], EVENTS[1]
    head = chain.head_of([a, b])
    assert head != chain.head_of([b, a])
    assert head != chain.head_of([a, {**b, "kind": "answer"}])
    assert head == chain.link_hash(chain.link_hash(chain.GENESIS, a), b)
    # canonical: key order and whitespace do not matter, the text does
    assert chain.link_hash(chain.GENESIS, {"b": 1, "a": "آ"}) == chain.link_hash(chain.GENESIS, {"a": "آ", "b": 1})
    assert chain.canonical({"b": 1, "a": "آ"}) == '{"a":"آ","b":1}'.encode()
    assert len(chain.short(head)) == 12


def test_an_untouched_history_is_clean():
    links = _chain(EVENTS)
    assert chain.check_case("c1", links, _held(), chain.Mark(4, links[-1].hash)) == []
    assert chain.check_case("c1", links, _held(), chain.Mark(2, links[1].hash)) == []


def test_each_kind_of_break_is_named():
    links = _chain(EVENTS)
    kinds = lambda found: {b.kind for b in found}  # noqa: E731
    held = _held()
    held["e2"]["data"] = {"text": "دیگر"}
    assert kinds(chain.check_case("c1", links, held)) == {"edited"}
    held = _held()
    del held["e3"]
    assert kinds(chain.check_case("c1", links, held)) == {"deleted"}
    # a link and its event both gone: the gap
    assert kinds(chain.check_case("c1", [links[0], links[2], links[3]], _held())) == {"deleted"}
    assert kinds(chain.check_case("c1", links, _held(), unlinked=["forged"])) == {"inserted"}
    swapped = [chain.Link(1, "e2", links[1].hash), chain.Link(2, "e1", links[0].hash), *links[2:]]
    assert kinds(chain.check_case("c1", swapped, _held())) == {"reordered"}
    events_swapped = [chain.Link(1, "e2", links[0].hash), chain.Link(2, "e1", links[1].hash), *links[2:]]
    assert kinds(chain.check_case("c1", events_swapped, _held())) == {"reordered"}
    # a whole history rewritten consistently: only a signed head shows it
    rewritten = [dict(ev) for ev in EVENTS]
    rewritten[0]["data"] = {"text": "بازنویسی"}
    new_links = _chain(rewritten)
    held = {ev["id"]: ev for ev in rewritten}
    assert chain.check_case("c1", new_links, held) == []
    assert kinds(chain.check_case("c1", new_links, held, chain.Mark(4, links[-1].hash))) == {"rewritten"}
    # the history cut below what was signed
    assert kinds(chain.check_case("c1", links[:2], _held(), chain.Mark(4, links[-1].hash))) == {"deleted"}


def test_a_desk_refuses_a_head_signed_by_another_key():
    links = _chain(EVENTS)
    server_key, other = Ed25519PrivateKey.generate(), Ed25519PrivateKey.generate()
    public = server_key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    msg = chain.mark_message("srv-1", "c1", 4, links[-1].hash, 3)
    good = {"n": 4, "head": links[-1].hash, "cp": 3, "sig": chain.b64(server_key.sign(msg))}
    forged = {**good, "sig": chain.b64(other.sign(msg))}
    assert check_held("c1", links, _held(), good, public, "srv-1") == []
    assert {b.kind for b in check_held("c1", links, _held(), forged, public, "srv-1")} == {"rewritten"}
    # the same signature for another case does not count either
    assert check_held("c2", links, _held(), good, public, "srv-1") != []
