"""Every benchmark module can be found and imported and exposes ``run(quick)``.

Benchmarks are not run here (they measure, tests assert behaviour); this only keeps
``python -m bench all`` from rotting when a module it imports is renamed.
"""

import importlib
import inspect

import pytest

from bench.__main__ import available


def test_every_issue_benchmark_is_there():
    assert {"generate", "store", "rtl", "sync", "identity", "desk", "cartable"} <= set(available())


@pytest.mark.parametrize("name", available())
def test_benchmark_module_has_run(name):
    module = importlib.import_module(f"bench.{name}")
    assert "quick" in inspect.signature(module.run).parameters
