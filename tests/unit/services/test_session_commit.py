"""The service layer's one commit path and its one session, on a real store.

``commit`` is check → dry-run → journal → wake: an op the shared reducer refuses never
reaches the journal, a store that cannot write becomes a Persian ``ServiceError``, and a
saved op wakes sync. ``DeskStartup.open`` builds the session once, in one place."""

from __future__ import annotations

import pytest

from samad_desk.domain import ops as O
from samad_desk.domain.ids import uuid7
from samad_desk.services import DeskServices, DeskStartup, ServiceError, open_session
from samad_desk.services.commit import commit
from samad_desk.settings import load_settings
from samad_desk.store import Store

AGENT = {"id": "op-agent1", "username": "agent1", "name": "مریم احمدی", "role": "agent",
         "agency_id": None, "province": "qazvin", "office_id": "qazvin-111"}


class CountingWake:
    """Stands in for the sync engine (a mock: only ``wake`` is called by a save)."""

    def __init__(self) -> None:
        self.woken = 0

    def wake(self) -> None:
        self.woken += 1


def _citizen_op() -> dict:
    return O.citizen_upsert({"id": uuid7(), "national_id": None, "no_national_id": True,
                             "first_name": "علی", "last_name": "رضایی", "mobile": "09121234567",
                             "city": "قزوین"}, O.make_actor(AGENT))


@pytest.fixture
def store():
    st = Store.open(load_settings().data_dir)
    yield st
    st.close()


def test_a_refused_op_never_reaches_the_journal_and_sync_is_not_woken(store) -> None:
    wake = CountingWake()
    session = open_session(store, AGENT, sync=wake)
    followup = O.make_op("case.followup", uuid7(), {"note": "پیگیری", "satisfied": None},
                         session.actor, base_version=1)
    with pytest.raises(ServiceError) as err:
        commit(session, [followup], refused="نه")
    assert str(err.value) and str(err.value) != "نه"  # the reducer's own Persian reason
    assert store.pending_ops() == [] and wake.woken == 0


def test_a_good_op_is_journaled_once_and_wakes_sync(store) -> None:
    wake = CountingWake()
    session = open_session(store, AGENT, sync=wake)
    [saved] = commit(session, [_citizen_op()])
    assert [op["op_id"] for op in store.pending_ops()] == [saved["op_id"]]
    assert wake.woken == 1


def test_a_store_that_cannot_write_gives_a_persian_service_error(store) -> None:
    store.close()
    read_only = Store.open(load_settings().data_dir, read_only=True)
    try:
        session = open_session(read_only, AGENT, sync=CountingWake())
        with pytest.raises(ServiceError) as err:
            commit(session, [_citizen_op()])
        assert any("\u0600" <= ch <= "\u06ff" for ch in str(err.value))
        assert session.sync.woken == 0
    finally:
        read_only.close()


def test_startup_opens_one_session_every_service_shares(tmp_path) -> None:
    settings = load_settings()  # no server: the embedded default
    startup = DeskStartup(settings, sync_factory=lambda store, reporter: CountingWake())
    session = startup.open(AGENT, online=lambda: True)
    try:
        assert session.store is startup.store and session.store.agencies()  # opened and seeded
        assert session.sync is startup.sync and isinstance(session.sync, CountingWake)
        assert session.actor["operator_id"] == AGENT["id"] and session.online()
        services = DeskServices(session)
        for part in (services.case_actions(), services.merges(), services.contact_details()):
            assert part.session is session
        services.commit([_citizen_op()], refused="نه")
        assert session.sync.woken == 1
    finally:
        session.store.close()
