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
