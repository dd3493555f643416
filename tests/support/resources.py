"""Real resources a test needs (tmpfs, PostgreSQL, tmux): got, or the test stops naming
what is missing. Under ``CI=true`` (or ``SAMAD_REQUIRE_PG=1`` for PostgreSQL) that is a
failure, never a silent skip or a quiet fallback to a fake (issue 19); elsewhere a skip
with the same words."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, NoReturn

import pytest


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


def missing(what: str, *, also_required_by: str | None = None) -> NoReturn:
    """Stop the test: ``what`` names the resource and why it is not there."""
    required = in_ci() or (also_required_by is not None and os.environ.get(also_required_by) == "1")
    if required:
        pytest.fail(f"missing real resource: {what}", pytrace=False)
    pytest.skip(f"missing real resource: {what}")


def require_tmux() -> str:
    path = shutil.which("tmux")
    if path is None:
        missing("tmux is not installed (apt-get install tmux)")
    return path


def mount_tiny_tmpfs(where: Path, size: str = "256k") -> Iterator[Path]:
    """A real tmpfs of ``size`` at ``where`` (``mount -t tmpfs`` needs root), unmounted after."""
    where.mkdir(parents=True, exist_ok=True)
    try:
        r = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(where)],
                           capture_output=True, text=True)
        error = r.stderr.strip() if r.returncode != 0 else None
    except OSError as exc:
        error = str(exc)
    if error is not None:
        missing(f"a {size} tmpfs for a real full disk (mount -t tmpfs needs root): {error}")
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], capture_output=True)


class Made(list):
    """What a fixture's factory made (see :func:`closed_after`)."""

    def keep(self, thing: Any) -> Any:
        self.append(thing)
        return thing


@contextmanager
def closed_after() -> Iterator[Made]:
    """For a factory fixture: ``made.keep(x)`` each thing it makes; all are closed (in the
    order made) when the fixture ends, even if the test failed."""
    made = Made()
    try:
        yield made
    finally:
        for thing in made:
            thing.close()
