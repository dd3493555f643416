"""Quitting while a sync request is in flight (issue: quit took more than 10 s).

A real central server behind a fault proxy that swallows every byte (a dead link that
still accepts connections): the desk's push waits for its 60 s request timeout. Quitting
must not wait for it; the ops stay in the journal, and the next start sends them once.
"""

from __future__ import annotations

from tests.support import proxied
from tests.support.desk_ui import GOOD, press, settle, wait_until
from tests.support.proxied import started
from tests.support.sync.harness import server_rows

#: the fixtures of tests.support.proxied: a real server, the fault proxy, the desk through it
server, proxy, desk_settings = proxied.server, proxied.proxy, proxied.desk_settings

def _sync_once(settings) -> dict:
    """The next start of the desk, as far as sync goes: its store, client and engine."""
    from samad_desk.store import Store
    from samad_desk.sync.client import SyncClient
    from samad_desk.sync.engine import SyncEngine
    from samad_desk.sync.tokens import TokenStore

    store = Store.open(settings.data_dir)
    client = SyncClient(settings.server_url, TokenStore(settings.operator_dir, settings.server_url))
    try:
        stats = SyncEngine(store, client).sync_once()
        return {**stats, "pending_after": store.stats()["pending"]}
    finally:
        client.close()
        store.close()


async def test_quit_does_not_wait_for_a_push_in_flight(desk_settings, server, proxy) -> None:
    from samad_desk.launch import make_app
    from samad_desk.screens.modals import ConfirmModal

    app = make_app(desk_settings)
    store = app.store
    try:
        async with app.run_test(size=(80, 24), notifications=True) as pilot:
            await started(pilot, app)
            engine = app.sync
            proxy.blackhole()  # from now on every request hangs until its timeout
            app.screen.load_form(GOOD)
            await settle(pilot)
            await press(pilot, "f2")
            # (F2 checks and saves in a worker; on a loaded machine the key's settle may
            # give up waiting for the screen before the worker's answer reaches it)
            await wait_until(pilot, lambda: app.screen.tracking.shown, what="the tracking code")
            ops = [op["op_id"] for op in store.pending_ops(limit=10)]
            assert len(ops) == 3
            # the round that pushes them is under way and stuck in its request
            await wait_until(pilot, lambda: engine._inflight.locked() and proxy.stats["swallowed_up"] > 0,
                             what="the push to be in flight")
            await press(pilot, "shift+f10")
            assert isinstance(app.screen, ConfirmModal)  # three ops queued: the warning
            await pilot.press("enter")  # quit anyway; leaving the block waits for the app's end
        # the behaviour, not a stopwatch: had quit joined the sync thread, the stuck request
        # would have ended (its 60 s timeout) before the app did
        assert engine._inflight.locked(), "quit waited for the push in flight (it should leave it)"
        assert len(store.pending_ops(limit=10)) == 3  # nothing marked sent that was not answered
    finally:
        store.close()

    # the next start: the link works again, every op reaches the server exactly once
    proxy.heal()
    stats = _sync_once(desk_settings)
    assert stats["ok"], stats
    assert stats["pending_after"] == 0
    rows, events = server_rows(server.db_url)
    assert {rows[i]["status"] for i in ops} == {"applied"}
    assert all(events.get(i) == 1 for i in ops)
