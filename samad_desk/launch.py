"""Build the store and sync engine and run the Textual app (owned by the app shell)."""

from __future__ import annotations

from samad_desk.settings import Settings


def run_desk(settings: Settings) -> int:
    from samad_desk.app import SamadDeskApp

    app = SamadDeskApp(settings=settings)
    app.run()
    return app.return_code or 0
