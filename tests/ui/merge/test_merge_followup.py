"""A follow-up call after a merge (issue 12, finding 5): the cases of the profile merged in
are the survivor's too, by national ID and when the call is offered as a follow-up."""

from __future__ import annotations

from samad_desk.services import CallForm, DeskServices, DeskSession, open_session
from samad_desk.services.merges import MergeService
from tests.support.merge import AGENT, PERSON_A, PERSON_B, SUPERVISOR, seed_snapshot


def test_followup_by_national_id_lists_the_cases_of_the_merged_profile(store, settings) -> None:
    ids = seed_snapshot(store, AGENT, {"a": PERSON_A, "b": PERSON_B}, {"a": 1, "b": 2})
    MergeService(DeskSession(store, SUPERVISOR)).merge(ids["a"], [ids["b"]], {})
    services = DeskServices(open_session(store, AGENT, settings=settings))
    found = services.find_cases(PERSON_A["national_id"])
    assert {c["citizen_id"] for c in found} == {ids["a"], ids["b"]} and len(found) == 3
    # the same cases are offered as a follow-up when the caller rings about the same matter
    form = CallForm(national_id=PERSON_A["national_id"], subject="water.outage")
    assert len(services.open_cases_on_matter(form)) == 3
