"""A desk that downloads a case whose history was edited in the server's database behind
its back says so: the banner, and an entry in «نیازمند توجه» (F10) naming the case and
what happened (docs/audit.md). Real server process, real app, real sync."""

from __future__ import annotations

from dataclasses import replace

import httpx
import orjson
import pytest
from sqlalchemy import text

from samad_desk.central.db import open_engine
from samad_desk.central.process import sqlite_url, start_server
from samad_desk.central.testing import Desk
from samad_desk.screens.attention_screen import AttentionScreen
from samad_desk.screens.call_screen import CallEntryScreen
from tests.support.desk_ui import press, wait_until


@pytest.fixture
def server(tmp_path):
    with start_server(sqlite_url(tmp_path), seed_demo=True) as srv:
        yield srv


def _edit_last_event(db_url: str, case_id: str) -> None:
    """Someone with database access rewrites the referral's note (event row and change rows)."""
    engine = open_engine(db_url)
    try:
        with engine.begin() as conn:
            event_id = conn.execute(text("SELECT event_id FROM event_chain WHERE case_id = :c ORDER BY n DESC"),
                                    {"c": case_id}).first()[0]
            data = orjson.loads(conn.execute(text("SELECT data FROM entities WHERE id = :i"),
                                             {"i": event_id}).scalar_one())
            data["data"] = {**data.get("data", {}), "note": "پرونده بی‌اساس است"}
            raw = orjson.dumps(data).decode()
            conn.execute(text("UPDATE entities SET data = :d WHERE id = :i"), {"d": raw, "i": event_id})
            conn.execute(text("UPDATE changes SET data = :d WHERE id = :i AND data IS NOT NULL"),
                         {"d": raw, "i": event_id})
    finally:
        engine.dispose()


async def test_an_edited_history_is_an_f10_entry_naming_the_case(settings, server) -> None:
    from samad_desk.demo_mode import demo_login
    from samad_desk.launch import make_app

    with httpx.Client(base_url=server.url, timeout=10) as http:
        agent = Desk(http, "agent1")
        ops, case_id, _cit, _code = agent.new_call()
        agent.push(*ops)
    _edit_last_event(server.db_url, case_id)

    online = replace(settings, server_url=server.url, sync_interval=1.0)
    demo_login(online, "agent1", "agent1")
    app = make_app(online)
    try:
        async with app.run_test(size=(80, 24), notifications=True) as pilot:
            await wait_until(pilot, lambda: isinstance(app.screen, CallEntryScreen))
            await wait_until(pilot, lambda: app.status.problem is not None)
            assert app.status.problem.kind == "history"
            assert app.status.connection == "online"  # the sync itself works
            screen = await press(pilot, "f10")
            assert isinstance(screen, AttentionScreen)
            await wait_until(pilot, lambda: bool(screen.texts))
            entry = screen.texts[0].replace("\n", " ")
            assert "تاریخچهٔ پرونده‌ای روی سرور دست خورده است" in entry
            assert case_id in entry and "متن رویدادی پس از ثبت تغییر کرده است" in entry
            assert "audit verify" in entry  # what to do
    finally:
        app.store.close()
