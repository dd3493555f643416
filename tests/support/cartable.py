"""A tiny province for the cartable tests, built with the shared reducer at fake times."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

from samad_desk.demo import demo_operators, qazvin_agencies
from samad_desk.domain import ops as O
from samad_desk.domain.ids import uuid7
from samad_desk.domain.reducer import MemoryReader, apply_op
from samad_desk.domain.sla import WorkingCalendar
from samad_desk.domain.tracking import make_tracking_code
from samad_desk.text.national_id import check_digit
from tests.support.pilot import desk as pilot_desk
from tests.support.pilot import press as pilot_press
from tests.support.pilot import settle as pilot_settle
from tests.support.pilot import toasts

#: the tests' "now": Saturday 2025-01-11 09:00 Tehran (a working day)
NOW = datetime(2025, 1, 11, 5, 30, tzinfo=UTC)
WATER = "water-qazvin"
POWER = "power-qazvin"
GAS = "gas-qazvin"

_nid_counter = itertools.count(1)


def national_id(n: int) -> str:
    first9 = f"{n:09d}"
    return first9 + str(check_digit(first9))


class World:
    """Agencies, demo operators and cases, as the server would hold them."""

    def __init__(self, settings: Any) -> None:
        self.calendar = WorkingCalendar.from_settings(settings)
        agencies = {a["id"]: dict(a) for a in qazvin_agencies()}
        operators = {o["id"]: dict(o) for o in demo_operators()}
        self.reader = MemoryReader({"agency": agencies, "operator": operators})
        self.counter = itertools.count(1)
        self.by_username = {o["username"]: o for o in operators.values()}

    def operator(self, username: str) -> dict:
        op = dict(self.by_username[username])
        op["office_id"] = "test"
        return op

    def actor(self, username: str) -> dict:
        return O.make_actor(self.operator(username))

    def apply(self, op: dict, at: datetime) -> dict:
        outcome = apply_op(op, self.reader, now=at, calendar=self.calendar)
        assert outcome.ok, outcome.message
        self.reader.apply(outcome)
        return outcome.event or {}

    def call(self, agency_id: str | None, *, at: datetime, type: str = "complaint",  # noqa: A002
             subject: str = "water.outage", city: str = "قزوین", first: str = "علی", last: str = "رضایی",
             citizen_id: str | None = None) -> str:
        """An agent registers a call (and refers it to ``agency_id``) at ``at``."""
        agent = self.actor("agent1")
        if citizen_id is None:
            citizen_id = uuid7()
            self.apply(O.citizen_upsert({"id": citizen_id, "national_id": national_id(next(_nid_counter) + 1000),
                                         "first_name": first, "last_name": last, "mobile": "09121234567",
                                         "city": city}, agent), at)
        case_id = uuid7()
        self.apply(O.case_register(case_id, tracking_code=make_tracking_code(7, next(self.counter)),
                                   citizen_id=citizen_id, type=type, subject=subject, city=city,
                                   description="شرح آزمایشی پرونده", actor=agent), at)
        if agency_id:
            self.apply(O.case_refer(case_id, agency_id, agent, note="رسیدگی شود"), at + timedelta(minutes=1))
        return case_id

    def act(self, username: str, case_id: str, action: str, payload: dict, at: datetime) -> dict:
        op = O.make_op(f"case.{action}", case_id, payload, self.actor(username), now=at)
        return self.apply(op, at)

    def case(self, case_id: str) -> dict:
        return dict(self.reader.get("case", case_id))

    def records(self) -> list[dict]:
        out = []
        for entity, docs in self.reader.entities.items():
            for doc in docs.values():
                out.append({"entity": entity, "id": doc["id"], "version": doc.get("version") or 1, "data": doc})
        return out

    def load(self, store: Any) -> None:
        """Into the store's cache, as a snapshot from the server."""
        store.replace_from_snapshot(self.records(), cursor="test")


def days_ago(n: float) -> datetime:
    return NOW - timedelta(days=n)


# --- Pilot (typing, screen text and toasts: tests.support.pilot) ---------------------------
async def settle(pilot: Any) -> None:
    """Let workers finish and messages drain (the cartable has no debounce to wait for)."""
    await pilot_settle(pilot, debounce=None)


def desk(app: Any, **run: Any) -> Any:
    """Run ``app`` at 80×24 (unless told) and settle: the pilot (``async with``)."""
    return pilot_desk(app, debounce=None, **run)


async def press(pilot: Any, *keys: str) -> Any:
    """Press ``keys``, then settle; the screen they led to."""
    return await pilot_press(pilot, *keys, debounce=None)


def pending(store: Any) -> list[dict]:
    return store.pending_ops(limit=1000)


async def open_cartable(pilot) -> Any:
    """F8 from wherever the desk started: the cartable, settled."""
    from samad_desk.screens.cartable_screen import CartableScreen

    await settle(pilot)
    await press(pilot, "f8")
    assert isinstance(pilot.app.screen, CartableScreen)
    return pilot.app.screen


async def open_case(pilot, case_id: str) -> Any:
    from samad_desk.screens.case_screen import CaseScreen

    await settle(pilot)
    app = pilot.app
    app.push_screen(CaseScreen(app.services, case_id))
    await settle(pilot)
    assert isinstance(app.screen, CaseScreen)
    return app.screen


@asynccontextmanager
async def on_case(make_app: Any, username: str, case_id: str,
                  size: tuple[int, int] = (80, 24)) -> AsyncIterator[tuple[Any, Any, Any]]:
    """``username``'s desk (toasts kept) on ``case_id``'s case screen: (app, pilot, screen)."""
    app = make_app(username)
    async with app.run_test(size=size, notifications=True) as pilot:
        yield app, pilot, await open_case(pilot, case_id)


# --- the report screens ----------------------------------------------------------------------
def values(screen: Any, measure: str) -> dict[str, Any]:
    """The report table's ``measure`` by row id."""
    return {r.id: r.values[measure] for r in screen.table.rows}


async def from_supervisor(pilot: Any, key: str) -> Any:
    """F9 (the supervisor view), then ``key``: the screen it opens."""
    for k in ("f9", key):
        await settle(pilot)
        await press(pilot, k)
    return pilot.app.screen


@asynccontextmanager
async def on_report(make_app: Any, key: str = "shift+f2",
                    username: str = "super1") -> AsyncIterator[tuple[Any, Any, Any]]:
    """``username``'s desk at 80×24, F9 then ``key`` (Shift+F2: the report builder):
    (app, pilot, the screen it opened)."""
    app = make_app(username)
    async with app.run_test(size=(80, 24)) as pilot:
        yield app, pilot, await from_supervisor(pilot, key)


async def refused(pilot, key: str, words: str) -> None:
    """Pressing ``key`` writes nothing and a toast gives the workflow's reason."""
    from samad_desk.screens.modals import ActionForm

    app = pilot.app
    before = len(pending(app.store))
    await press(pilot, key)
    assert not isinstance(app.screen, ActionForm), key
    assert len(pending(app.store)) == before, key
    assert any(words in t for t in toasts(app)), (key, toasts(app)[-1:])


def build(world) -> dict:
    ids = {}
    ids["water_late"] = world.call(WATER, at=NOW - timedelta(days=40))
    ids["water_later"] = world.call(WATER, at=NOW - timedelta(days=60))
    ids["water_ok"] = world.call(WATER, at=NOW - timedelta(days=1))
    ids["power_late"] = world.call(POWER, at=NOW - timedelta(days=30))
    ids["power_answered"] = world.call(POWER, at=NOW - timedelta(days=10))
    world.act("power1", ids["power_answered"], "answer", {"text": "برق وصل شد"}, NOW - timedelta(days=9))
    ids["gas_answered_late"] = world.call(GAS, at=NOW - timedelta(days=40))
    world.act("gas1", ids["gas_answered_late"], "answer", {"text": "دیر"}, NOW - timedelta(days=2))
    ids["unreferred"] = world.call(None, at=NOW - timedelta(days=1))
    world.act("super1", ids["water_later"], "escalate", {"reason": "دیرکرد طولانی"}, NOW - timedelta(days=1))
    return ids


def key_bar_text(app: Any) -> str:
    """The text of the current screen's key bar, as drawn."""
    from samad_desk.widgets.chrome import KeyBar

    return app.screen.query_one(KeyBar).query_one("#keybar-text").text
