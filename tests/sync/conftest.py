"""Fixtures of the sync tests: scripted server, fault proxy, real central server, desks."""

from __future__ import annotations

import sys
from pathlib import Path

# helper modules (fault proxy, scripted server, desk harness) live beside the tests; with
# --import-mode=importlib this folder is not on sys.path by itself
sys.path.insert(0, str(Path(__file__).parent))

import pytest  # noqa: E402
from faultproxy import FaultProxy  # noqa: E402
from scripted import ScriptedServer  # noqa: E402


@pytest.fixture
def scripted():
    with ScriptedServer() as server:
        yield server


@pytest.fixture
def proxy_to():
    proxies: list[FaultProxy] = []

    def make(url: str) -> FaultProxy:
        proxy = FaultProxy.to_url(url).start()
        proxies.append(proxy)
        return proxy

    yield make
    for p in proxies:
        p.stop()
