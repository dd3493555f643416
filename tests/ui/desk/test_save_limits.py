"""A call the shared rules would refuse never reaches the journal as "saved".

Found by the hostile-input sweep: a 10,000-character pasted description was journaled,
then refused by the desk's own overlay, so the case vanished from the desk with no word
to the agent. Now the form says so at the field and nothing is written.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from samad_desk.services import FormInvalid
from tests.support.desk_ui import GOOD


def test_huge_description_is_refused_at_the_field_and_nothing_is_saved(services, store):
    before = store.stats()["pending"]
    form = replace(GOOD, description="شرح " * 2500)
    with pytest.raises(FormInvalid) as err:
        services.save_call(form)
    assert set(err.value.errors) == {"description"}
    assert "حداکثر" in err.value.errors["description"]
    assert store.stats()["pending"] == before


def test_huge_name_is_refused_at_the_field(services, store):
    with pytest.raises(FormInvalid) as err:
        services.save_call(replace(GOOD, last_name="احمدی" * 40))
    assert set(err.value.errors) == {"last_name"}


def test_a_good_call_still_saves_and_shows_at_once(services, store):
    result = services.save_call(GOOD)
    assert store.case_by_tracking_code(result.tracking_code)["id"] == result.case_id
