"""Build the store, the sync client and engine, and run the Textual app (the desk UI's).

``samad-desk`` with no server configured runs the embedded default: a local demo operator
and Qazvin demo data seeded into an empty store, so the first command of the README works
on a fresh machine. With a server, the login screen asks for the operator (or reuses the
operator's saved session) and the sync engine runs in the background.
"""

from __future__ import annotations

from typing import Any

from samad_desk.settings import Settings


def build_sync(settings: Settings, store: Any) -> tuple[Any, Any]:
    """``(client, factory)``: the factory builds the engine once the app has a reporter."""
    if settings.embedded:
        return None, None
    from samad_desk.sync.client import SyncClient
    from samad_desk.sync.engine import SyncEngine
    from samad_desk.sync.tokens import TokenStore

    client = SyncClient(settings.server_url or "", TokenStore(settings.operator_dir, settings.server_url))
    if store is not None:
        store.signer = client.sign_op  # every op saved while logged in is signed

    def factory(store: Any, reporter: Any) -> Any:
        return SyncEngine(store, client, reporter, interval=settings.sync_interval)

    return client, factory


def make_app(
    settings: Settings,
    *,
    store: Any = None,
    operator: dict[str, Any] | None = None,
    on_reindex: Any = None,
) -> Any:
    """The app wired the way the desk runs it (tests and the benchmark use this too): the
    store, the server client and the sync engine's factory assembled here, in one place,
    into the :class:`~samad_desk.services.session.DeskStartup` the app opens its one
    session from once the operator is known."""
    from samad_desk.app import SamadDeskApp
    from samad_desk.services.session import DeskStartup

    if store is None:
        from samad_desk.store import Store

        store = Store.open(settings.data_dir, on_reindex=on_reindex)
    client, factory = build_sync(settings, store)
    if operator is None and client is not None and client.logged_in and client.operator:
        operator = dict(client.operator)  # a saved session in the operator's own directory
    startup = DeskStartup(settings, store=store, client=client, sync_factory=factory)
    return SamadDeskApp(settings, operator=operator, startup=startup)


def run_desk(settings: Settings, *, operator: dict[str, Any] | None = None) -> int:
    import click

    from samad_desk import terminal
    from samad_desk.store import StoreError

    def reindexing(shards: int) -> None:
        # before the screen exists: one line on the terminal, not a silent wait
        terminal.say("حافظهٔ محلی برای این نسخه نمایه‌گذاری می‌شود (فقط یک بار، چند ثانیه)…", settings.rtl_mode)

    try:
        app = make_app(settings, operator=operator, on_reindex=reindexing)
    except StoreError as exc:
        raise click.ClickException(str(exc)) from None
    try:
        with terminal.bidi_session(settings) as session:
            app.bidi_session = session  # attached in on_mount: signals need a running app
            app.startup_hints = list(session.hints)
            app.run()
    finally:
        try:
            app.store.close()
        except Exception:
            pass
    return app.return_code or 0
