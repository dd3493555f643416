"""Snapshots of every desk screen and dialog at 80×24, in the default and the high-contrast
theme, reached with the keys an operator presses.

Deterministic: a store seeded from the demo generator at its fixed ``DEFAULT_NOW`` (seed
111: 60 citizens, 90 cases), the desk's clock frozen at the same moment and the call timer's
wall clock stopped, so a snapshot only changes when what the screen draws changes. Each
scenario also asserts which screen it reached, so a snapshot of the wrong screen cannot
be accepted by ``--snapshot-update`` unnoticed.

Update after a deliberate change: ``pytest tests/snapshots --snapshot-update`` and review
the diff as text (browsers re-apply bidi to the SVG's Persian, design/rtl.md §7).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import replace
from typing import Any

import pytest

from samad_desk.text import rtl
from tests.support.pilot import press, settle, type_text

THEMES = ["samad-dark", "samad-high-contrast"]
SEED, CITIZENS, CASES = 111, 60, 90


@pytest.fixture(autouse=True)
def _visual():
    rtl.set_mode("visual")


@pytest.fixture
def frozen_call_timer(monkeypatch):
    from samad_desk.screens.call_screen import CallEntryScreen

    monkeypatch.setattr(CallEntryScreen, "clock", staticmethod(lambda: 1_000_000.0))


@pytest.fixture
def seeded_store(tmp_path):
    from samad_desk.demo.generator import DEFAULT_NOW, generate
    from samad_desk.services import EMBEDDED_CURSOR
    from samad_desk.store import Store

    store = Store.open(tmp_path / "snapshot-data")
    records = [
        {"entity": entity, "id": data["id"], "version": data.get("version", 1), "data": data}
        for entity, data in generate(SEED, CITIZENS, CASES, now=DEFAULT_NOW)
    ]
    store.replace_from_snapshot(records, cursor=EMBEDDED_CURSOR)
    yield store
    store.close()


def _operator(username: str | None) -> dict[str, Any]:
    from samad_desk.demo.data import demo_operators
    from samad_desk.services import EMBEDDED_OPERATOR

    if username is None:
        return dict(EMBEDDED_OPERATOR)
    op = next(o for o in demo_operators() if o["username"] == username)
    return {**op, "office_id": "embedded"}


@pytest.fixture
def desk(seeded_store, frozen_call_timer, monkeypatch):
    """``desk(theme, username=None, login=False)``: the app as launched, on the seeded
    store, the clock at the demo's ``DEFAULT_NOW``, in a true-colour terminal whatever
    this machine's ``TERM`` (16 colours would add the app's ``-colors-16`` class)."""
    monkeypatch.setenv("TERM", "xterm-256color")
    monkeypatch.setenv("COLORTERM", "truecolor")
    for name in ("NO_COLOR", "TEXTUAL_FILTERS", "TEXTUAL_COLOR_SYSTEM"):
        monkeypatch.delenv(name, raising=False)
    from samad_desk.app import SamadDeskApp
    from samad_desk.demo.generator import DEFAULT_NOW
    from samad_desk.settings import load_settings

    def make(theme: str, username: str | None = None, *, login: bool = False) -> SamadDeskApp:
        settings = replace(load_settings(), theme=theme)
        if login:
            settings = replace(settings, server_url="http://127.0.0.1:9")
            return SamadDeskApp(settings, store=seeded_store, seed_demo=False, now=lambda: DEFAULT_NOW)
        return SamadDeskApp(settings, store=seeded_store, seed_demo=False, operator=_operator(username),
                            now=lambda: DEFAULT_NOW)

    return make


def _first(store: Any, entity: str, where: Callable[[dict[str, Any]], bool] = lambda _d: True) -> dict[str, Any]:
    return min((d for d in store.iter_entities(entity) if where(d)), key=lambda d: str(d["id"]))


def keys(*pressed: str, screen: str) -> Callable[[Any], Awaitable[None]]:
    """Settle, press ``pressed`` (settling after each), and check the screen reached."""

    async def run(pilot: Any) -> None:
        await settle(pilot)
        for key in pressed:
            await press(pilot, key)
        assert type(pilot.app.screen).__name__ == screen, type(pilot.app.screen).__name__

    return run


def typed(text: str, *after: str, screen: str, mode: str | None = None) -> Callable[[Any], Awaitable[None]]:
    async def run(pilot: Any) -> None:
        await settle(pilot)
        if mode:
            await pilot.app.switch_mode(mode)
            await settle(pilot)
        await type_text(pilot, text)
        await settle(pilot)
        await keys(*after, screen=screen)(pilot)

    return run


# (name, store -> run_before): the agent is the embedded demo operator
AGENT_SCREENS: list[tuple[str, Callable[[Any], Any]]] = [
    ("call", lambda store: keys(screen="CallEntryScreen")),
    ("call-errors", lambda store: keys("f2", screen="CallEntryScreen")),
    ("call-candidates", lambda store: typed(_first(store, "citizen", lambda c: bool(c.get("national_id")))
                                            ["national_id"], screen="CallEntryScreen")),
    ("lookup", lambda store: keys("f6", screen="LookupScreen")),
    ("followup", lambda store: keys("f7", screen="FollowupScreen")),
    ("followup-case", lambda store: typed(_first(store, "case")["tracking_code"], "enter",
                                          screen="FollowupScreen", mode="followup")),
    ("attention", lambda store: keys("f10", screen="AttentionScreen")),
    ("help", lambda store: keys("f1", screen="HelpModal")),
]


@pytest.mark.parametrize("theme", THEMES)
@pytest.mark.parametrize("name", [n for n, _r in AGENT_SCREENS])
def test_agent_screens(snap_compare, desk, seeded_store, theme, name):
    run_before = dict(AGENT_SCREENS)[name](seeded_store)
    assert snap_compare(desk(theme), terminal_size=(80, 24), run_before=run_before)


def _open_citizen(store: Any, *after: str, screen: str) -> Callable[[Any], Awaitable[None]]:
    async def run(pilot: Any) -> None:
        from samad_desk.messages import OpenCitizen

        await settle(pilot)
        citizen = _first(store, "citizen", lambda c: bool(store.cases_of_citizen(c["id"])))
        pilot.app.post_message(OpenCitizen(citizen["id"]))
        await settle(pilot)
        await keys(*after, screen=screen)(pilot)

    return run


@pytest.mark.parametrize("theme", THEMES)
@pytest.mark.parametrize(
    ("name", "after", "screen"),
    [
        ("profile", (), "ProfileScreen"),
        ("contact-edit", ("f2",), "ContactEditModal"),
        ("details-history", ("f4",), "DetailsHistoryScreen"),
        ("merge-history", ("f3",), "MergeHistoryScreen"),
    ],
)
def test_citizen_screens(snap_compare, desk, seeded_store, theme, name, after, screen):
    run_before = _open_citizen(seeded_store, *after, screen=screen)
    assert snap_compare(desk(theme, "super1"), terminal_size=(80, 24), run_before=run_before)


@pytest.mark.parametrize("theme", THEMES)
@pytest.mark.parametrize(
    ("name", "username", "pressed", "screen"),
    [
        ("cartable", "watermgr", (), "CartableScreen"),
        ("case", "watermgr", ("enter",), "CaseScreen"),
        ("case-action", "watermgr", ("enter", "f11"), "ActionForm"),
        ("supervisor", "super1", (), "SupervisorScreen"),
        ("supervisor-chart", "super1", ("f3",), "SupervisorScreen"),
        ("supervisor-cases", "super1", ("f4",), "SupervisorScreen"),
        ("duplicates", "super1", ("shift+f9",), "DuplicatesScreen"),
        ("report", "super1", ("shift+f2",), "ReportScreen"),
        ("report-chart", "super1", ("shift+f2", "shift+f3"), "ReportScreen"),
        ("scorecard", "super1", ("shift+f4",), "ScorecardScreen"),
        ("report-pivot", "super1", ("shift+f2", "shift+f6"), "ReportScreen"),
        ("report-line", "super1", ("shift+f2", "f2", "f2", "f2", "f2", "shift+f3"), "ReportScreen"),
        ("report-period-error", "super1", ("shift+f2", "shift+f4", "1", "4", "0", "4", "slash", "1", "3", "enter"),
         "ReportScreen"),
    ],
)
def test_case_screens(snap_compare, desk, theme, name, username, pressed, screen):
    assert snap_compare(desk(theme, username), terminal_size=(80, 24), run_before=keys(*pressed, screen=screen))


@pytest.mark.parametrize("theme", THEMES)
@pytest.mark.parametrize(
    ("profiles", "pressed", "screen"),
    [
        pytest.param(2, ("down", "left"), "MergeScreen", id="merge"),
        pytest.param(3, (), "MergePickModal", id="merge-pick"),  # more than two: pick first
    ],
)
def test_merge_screens(snap_compare, desk, seeded_store, theme, profiles, pressed, screen):
    from samad_desk.screens.merge_screen import open_merge

    ids = sorted(c["id"] for c in seeded_store.iter_entities("citizen"))[:profiles]

    async def run(pilot: Any) -> None:
        await settle(pilot)
        assert open_merge(pilot.app, ids)
        await keys(*pressed, screen=screen)(pilot)

    assert snap_compare(desk(theme, "super1"), terminal_size=(80, 24), run_before=run)


@pytest.mark.parametrize("theme", THEMES)
def test_login_screen(snap_compare, desk, theme):
    assert snap_compare(desk(theme, login=True), terminal_size=(80, 24), run_before=keys(screen="LoginScreen"))
