"""THE field rules (domain/fields.py) hold wherever an op is applied: the reducer refuses
what the desk's form refuses, with the same sentence (issue 15: one place per limit)."""

from __future__ import annotations

import pytest

from samad_desk.domain import fields, ops
from samad_desk.domain.ids import uuid7
from samad_desk.domain.reducer import apply_op
from samad_desk.domain.reference import subject_by_title, subject_keys, subject_tree
from samad_desk.domain.tracking import make_tracking_code
from tests.support.domain import NOW


def _apply(reader, cal, op):
    out = apply_op(op, reader, now=NOW, calendar=cal)
    reader.apply(out)
    return out


def _citizen(reader, cal, actors, **over):
    doc = {"id": uuid7(), "national_id": None, "no_national_id": True, "first_name": "فاطمه",
           "last_name": "محمدی", **over}
    return doc["id"], _apply(reader, cal, ops.citizen_upsert(doc, actors["agent"]))


def _register(reader, cal, actors, n, **over):
    cid, out = _citizen(reader, cal, actors)
    assert out.ok, out.message
    fields_ = dict(tracking_code=make_tracking_code(5, n), citizen_id=cid, type="request",
                   subject="water.outage", city="قزوین", description="آب قطع است") | over
    return _apply(reader, cal, ops.case_register(uuid7(), actor=actors["agent"], **fields_))


@pytest.mark.parametrize("name", ["علی۲", "Ali2", "علی!", "ع"])
def test_a_name_with_a_digit_or_sign_or_one_letter_is_refused_by_the_reducer(reader, cal, actors, name):
    _, out = _citizen(reader, cal, actors, first_name=name)
    assert not out.ok and out.code == "invalid_payload"
    assert out.message.rstrip(".") == fields.name_problem(name, "first_name", required=True)


@pytest.mark.parametrize("name", ["علی", "محمد\u200cرضا", "Ali-Reza", "O'Neil"])
def test_names_of_letters_pass(reader, cal, actors, name):
    _, out = _citizen(reader, cal, actors, first_name=name)
    assert out.ok, out.message


def test_a_subject_outside_the_reference_tree_is_refused_by_the_reducer(reader, cal, actors):
    out = _register(reader, cal, actors, 1, subject="قطعی آب")  # a title is not a key
    assert not out.ok and "موضوع" in out.message
    assert _register(reader, cal, actors, 2, subject="water.outage").ok
    assert subject_by_title()["قطعی آب"] == "water.outage"
    leaves = {leaf["key"] for cat in subject_tree() for leaf in cat["children"]}
    assert subject_keys() == leaves


def test_the_description_floor_is_the_domain_one(reader, cal, actors):
    floor = fields.MIN_DESCRIPTION
    assert floor == 3  # the reducer's rule won over the form's 10 (issue 15)
    assert _register(reader, cal, actors, 3, description="آ" * floor).ok
    out = _register(reader, cal, actors, 4, description="آ" * (floor - 1))
    assert not out.ok and out.message.rstrip(".") == fields.description_problem("آ" * (floor - 1))


def test_demo_draws_from_the_reference_data_not_a_copy():
    import samad_desk.demo as demo
    from samad_desk.domain import reference

    assert demo.subject_tree is reference.subject_tree and demo.qazvin_agencies is reference.qazvin_agencies
