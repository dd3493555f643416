"""A desk against a real central server behind a fault proxy (the link can be cut, or made
to swallow every byte, while the server stays up). Fixtures, imported by the tests that
use them: ``from tests.support.proxied import desk_settings, proxy, server``."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import replace
from typing import Any

import pytest

from samad_desk.central.process import sqlite_url, start_server
from tests.support.desk_ui import agencies_known, wait_until
from tests.support.sync.faultproxy import FaultProxy


@pytest.fixture
def server(tmp_path):
    with start_server(sqlite_url(tmp_path), seed_demo=True) as srv:
        yield srv


@pytest.fixture
def proxy(server):
    with FaultProxy.to_url(server.url) as p:
        yield p


@pytest.fixture
def desk_settings(settings, proxy):
    """agent1's settings through the proxy, a sync round a second, a saved session."""
    from samad_desk.demo_mode import demo_login

    online = replace(settings, server_url=proxy.url, sync_interval=1.0)
    demo_login(online, "agent1", "agent1")  # a saved session: the desk starts without a login
    return online


async def started(pilot: Any, app: Any) -> None:
    """On the call form, online, the agencies pulled (the first sync round done)."""
    from samad_desk.screens.call_screen import CallEntryScreen

    await wait_until(pilot, lambda: isinstance(app.screen, CallEntryScreen))
    await wait_until(pilot, lambda: app.status.connection == "online")
    await agencies_known(pilot, app)


@asynccontextmanager
async def online_desk(desk_settings: Any, **run: Any) -> AsyncIterator[tuple[Any, Any]]:
    """The desk of ``desk_settings`` at 80×24, :func:`started`: (app, pilot). Its store is
    closed when the block ends (after the app)."""
    from samad_desk.launch import make_app

    app = make_app(desk_settings)
    try:
        async with app.run_test(size=(80, 24), **run) as pilot:
            await started(pilot, app)
            yield app, pilot
    finally:
        app.store.close()
