"""The server's reader (``Repo``) passes the one reader suite (tests/support/reader_contract.py),
on SQLite and PostgreSQL (``db_url``): read back after each step was committed, and
inside one deferred push transaction that has not flushed its writes yet (what the
reducer reads while a batch is applied)."""

from __future__ import annotations

import contextlib

import pytest

from samad_desk.central import db
from samad_desk.central.entities import Ctx, Repo
from tests.support.reader_contract import ReaderContract

CTX = Ctx("op-1", "office-1", "qazvin")


def _write(repo: Repo, step) -> None:
    for entity, id_, doc in step:
        old = repo.row(entity, id_)
        if doc is None:
            repo.delete(entity, id_, old)
        else:
            repo.put(entity, id_, doc, CTX, old=old)


@pytest.fixture
def engine(db_url):
    engine = db.open_engine(db_url)
    db.migrate(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def one_at_a_time():
    """Enter a context, leaving the one before first (a second ``load`` in one test must
    not wait on the first one's SQLite transaction)."""
    stack = contextlib.ExitStack()

    def enter(cm):
        stack.close()
        return stack.enter_context(cm)

    yield enter
    stack.close()


class TestRepoCommitted(ReaderContract):
    @pytest.fixture
    def load(self, engine, one_at_a_time):
        w = db.writer(engine)

        def load(*steps):
            one_at_a_time(contextlib.nullcontext())
            for step in steps:
                with w.begin() as conn:
                    _write(Repo(conn, lock=False), step)
            return Repo(one_at_a_time(engine.connect()), lock=False)

        return load


class TestRepoInsideADeferredPush(ReaderContract):
    @pytest.fixture
    def load(self, engine, one_at_a_time):
        w = db.writer(engine)

        def load(*steps):
            repo = Repo(one_at_a_time(w.begin()), lock=not db.is_sqlite(engine), deferred=True)
            for step in steps:
                _write(repo, step)
            return repo

        return load


def test_the_server_refuses_a_second_case_with_one_tracking_code(engine, one_at_a_time):
    """The reducer's tracking-code rule on the server (its reader used to lack
    ``case_by_tracking_code``, so only desks checked it): within one push batch and
    against a committed case."""
    from samad_desk.domain import ops
    from samad_desk.domain.reducer import apply_op
    from samad_desk.domain.sla import WorkingCalendar
    from tests.support.domain import ACTORS, NOW
    from tests.support.reader_contract import CODE1, CODE2, case, citizen

    agent = ACTORS["agent"]
    w = db.writer(engine)
    with w.begin() as conn:
        _write(Repo(conn, lock=False), [("citizen", "c-1", citizen("c-1", "0013542419")),
                                        ("case", "k-1", case("k-1", CODE1))])
    repo = Repo(one_at_a_time(w.begin()), lock=not db.is_sqlite(engine), deferred=True)
    cal = WorkingCalendar(province="qazvin")

    def register(case_id: str, code: str):
        out = apply_op(ops.case_register(case_id, tracking_code=code, citizen_id="c-1", type="request",
                                         subject="water.outage", city="قزوین", description="آب قطع است",
                                         actor=agent), repo, now=NOW, calendar=cal)
        _write(repo, [(ch.entity, ch.id, ch.data) for ch in out.changes])
        return out

    committed = register("k-2", CODE1)
    assert committed.code == "conflict" and committed.current["id"] == "k-1"
    assert register("k-3", CODE2).ok
    same_batch = register("k-4", CODE2)
    assert same_batch.code == "conflict" and same_batch.current["id"] == "k-3"
