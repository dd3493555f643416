"""The labelled generator is deterministic and produces what the tests rely on."""

from collections import Counter

from samad_desk.matching import synth
from samad_desk.text.national_id import is_valid_national_id


def test_deterministic_per_seed():
    a = synth.generate(1234, 500)
    b = synth.generate(1234, 500)
    c = synth.generate(1235, 500)
    assert a.records == b.records and a.truth == b.truth
    assert a.records != c.records


def test_corruption_kinds_and_hard_cases_present():
    d = synth.generate(1236, 6000)
    kinds = Counter(k for ks in d.corruptions.values() for k in ks)
    for k in synth.KINDS:
        assert kinds[k] > 0, k
    hard = Counter(d.hard.values())
    assert hard["twin"] and hard["sibling"] and hard["father_son"]


def test_original_ids_are_valid():
    d = synth.generate(1237, 800)
    ids = [r["national_id"] for r in d.records if r["record_id"] not in d.corruptions and r["national_id"]]
    assert ids and all(is_valid_national_id(i) for i in ids)


def test_finglish_spelling_is_latin():
    import random

    rng = random.Random(1)
    assert synth.finglish("محمد", rng).startswith("Moh")
    assert synth.finglish("شریفی", rng).isascii()
