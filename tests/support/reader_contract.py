"""One suite every reducer :class:`~samad_desk.domain.readers.Reader` passes (in the manner
of Kinto's ``kinto/core/storage/testing.py``: each backend's test module subclasses
:class:`ReaderContract` and gives it a ``load`` fixture).

``load(*steps)`` (once per test) returns a reader holding the entities the steps wrote; each step is a
list of ``(entity, id, doc)`` applied in order, ``doc=None`` a deletion (a step is one
pull page on the desk, one transaction on the server). Docs carry ``version``; a later
step writes a higher one.

Backends: ``MemoryReader`` and ``LayeredReader`` (tests/unit/domain/test_readers.py), the
desk store's ``StoreReader`` and its overlay's reader (tests/unit/store/test_readers.py),
the server's ``Repo`` on SQLite and PostgreSQL, committed and inside a deferred push
transaction (tests/integration/central/test_readers.py).
"""

from __future__ import annotations

CODE1, CODE2 = "000123456786", "000010000012"  # valid tracking codes (check digit)
AGENCY = {"id": "ag-water", "name": "شرکت آب", "province": "qazvin", "city": "قزوین", "sla_days": 10,
          "sla_max_days": 15, "active": True, "version": 1}


def citizen(id_: str, nid: str | None, *, version: int = 1, merged_into: str | None = None) -> dict:
    return {"id": id_, "national_id": nid, "no_national_id": nid is None, "first_name": "علی",
            "last_name": "رضایی", "city": "قزوین", "merged_into": merged_into, "version": version}


def case(id_: str, code: str, citizen_id: str = "c-1", *, version: int = 1) -> dict:
    return {"id": id_, "tracking_code": code, "citizen_id": citizen_id, "state": "registered",
            "type": "complaint", "subject": "water.outage", "agency_id": None, "version": version}


def put(entity: str, doc: dict) -> tuple[str, str, dict]:
    return entity, doc["id"], doc


class ReaderContract:
    """The contract; a subclass provides the ``load`` fixture."""

    # -- get
    def test_get_returns_what_was_stored(self, load):
        r = load([put("citizen", citizen("c-1", "0013542419")), put("agency", AGENCY)])
        got = r.get("citizen", "c-1")
        assert got is not None and got["national_id"] == "0013542419" and got["version"] == 1
        assert r.get("agency", "ag-water")["name"] == "شرکت آب"

    def test_get_of_what_is_not_there_is_none(self, load):
        r = load([put("citizen", citizen("c-1", "0013542419"))])
        assert r.get("citizen", "c-2") is None
        assert r.get("case", "c-1") is None  # the same id, another kind
        assert r.get("event", "e-1") is None

    def test_get_sees_the_latest_version(self, load):
        r = load([put("citizen", citizen("c-1", "0013542419"))],
                 [put("citizen", citizen("c-1", "0084575948", version=2))])
        assert r.get("citizen", "c-1")["version"] == 2

    def test_a_deleted_entity_is_gone_from_every_lookup(self, load):
        r = load([put("citizen", citizen("c-1", "0013542419")), put("case", case("k-1", CODE1))],
                 [("citizen", "c-1", None), ("case", "k-1", None)])
        assert r.get("citizen", "c-1") is None and r.get("case", "k-1") is None
        assert r.citizen_by_national_id("0013542419") is None
        assert r.case_by_tracking_code(CODE1) is None

    # -- national IDs
    def test_citizen_by_national_id(self, load):
        r = load([put("citizen", citizen("c-1", "0013542419")), put("citizen", citizen("c-2", None))])
        assert r.citizen_by_national_id("0013542419")["id"] == "c-1"
        assert r.citizen_by_national_id("0084575948") is None

    def test_a_changed_national_id_finds_the_citizen_under_the_new_one_only(self, load):
        r = load([put("citizen", citizen("c-1", "0013542419"))],
                 [put("citizen", citizen("c-1", "0084575948", version=2))])
        assert r.citizen_by_national_id("0084575948")["id"] == "c-1"
        assert r.citizen_by_national_id("0013542419") is None

    def test_a_live_profile_wins_over_a_merged_one_sorted_before_it(self, load):
        r = load([put("citizen", citizen("c-1", "0013542419", merged_into="c-2")),
                  put("citizen", citizen("c-2", "0013542419"))])
        assert r.citizen_by_national_id("0013542419")["id"] == "c-2"

    def test_a_live_profile_wins_over_a_merged_one_sorted_after_it(self, load):
        r = load([put("citizen", citizen("c-4", "0013542419", merged_into="c-3")),
                  put("citizen", citizen("c-3", "0013542419"))])
        assert r.citizen_by_national_id("0013542419")["id"] == "c-3"

    # -- tracking codes
    def test_case_by_tracking_code(self, load):
        r = load([put("citizen", citizen("c-1", "0013542419")), put("case", case("k-1", CODE1)),
                  put("case", case("k-2", CODE2))])
        assert r.case_by_tracking_code(CODE1)["id"] == "k-1"
        assert r.case_by_tracking_code(CODE2)["id"] == "k-2"
        assert r.case_by_tracking_code("000999999999") is None

    # -- agencies
    def test_agency(self, load):
        r = load([put("agency", AGENCY), put("citizen", citizen("c-1", "0013542419"))])
        assert r.agency("ag-water")["sla_days"] == 10
        assert r.agency("c-1") is None and r.agency("ag-gas") is None
