"""Helpers shared by the tests (import as ``tests.support.<module>``: pyproject's pytest
``pythonpath = ["."]`` puts the repo root on ``sys.path``; no conftest patches it).

Layout: ``tests/unit`` (pure parts, no server or terminal), ``tests/ui`` (the real app driven
by Textual Pilot, snapshots), ``tests/integration`` (real processes: central server on SQLite
and PostgreSQL, sync over TCP, tmux, SIGKILL, full disks)."""
