"""The central database's migrations, tested by rolling a database back to an older shape."""

from __future__ import annotations

from typing import Any


def roll_back_and_migrate(central: Any, version: int, *undo: Any) -> int:
    """Put ``central``'s database back into its version-``version`` shape (``undo``: SQL
    text or SQLAlchemy statements that take the later migrations' changes away), then run
    the migrations again: the version they bring it to."""
    from sqlalchemy import text

    from samad_desk.central import db

    with central.w.begin() as conn:
        for statement in undo:
            conn.execute(text(statement) if isinstance(statement, str) else statement)
        conn.execute(db.schema_version.update().values(version=version))
    return db.migrate(central.engine)


def seeded_app(db_url: str) -> Any:
    """A central app on ``db_url`` with the demo agencies and operators (no cases)."""
    from samad_desk.central.app import create_app
    from samad_desk.central.seed import seed_demo

    app = create_app(db_url)
    seed_demo(app.state.central, full=False)
    return app
