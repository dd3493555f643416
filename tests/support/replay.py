"""Randomized tests that can be replayed (issue 19): the seed and the round count come from
the environment with fixed defaults, are printed before any check, and a failure names the
one command that runs the same rounds again."""

from __future__ import annotations

import os
import shlex
from collections.abc import Iterator
from contextlib import contextmanager

import pytest


def env_int(name: str, default: int) -> int:
    return int(os.environ.get(name, str(default)))


def command(nodeid: str, env: dict[str, int]) -> str:
    pairs = " ".join(f"{k}={v}" for k, v in env.items())
    return f"{pairs} .venv/bin/python -m pytest -s {shlex.quote(nodeid)}"


@contextmanager
def replayable(request: pytest.FixtureRequest, **env: int) -> Iterator[str]:
    """Print the replay command now; on failure, fail with it in the message."""
    cmd = command(request.node.nodeid, env)
    print(f"\n{request.node.name}: {' '.join(f'{k}={v}' for k, v in env.items())}; replay: {cmd}")
    try:
        yield cmd
    except BaseException as exc:
        if isinstance(exc, (KeyboardInterrupt, SystemExit)):
            raise
        raise AssertionError(f"randomized test failed; replay it with:\n  {cmd}\n{exc}") from exc
