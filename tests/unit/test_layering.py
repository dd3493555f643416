"""The pure core never imports Textual.

A grep would miss a deferred or transitive import; only ``sys.modules`` in a fresh
interpreter proves it. Each pure package is imported with all its modules in a
subprocess, then we look at what got loaded.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

PURE = ["domain", "text", "store", "matching", "sync", "central", "services", "serve", "reports"]

PROBE = r"""
import importlib, pkgutil, sys
import samad_desk.{pkg} as root
for info in pkgutil.walk_packages(root.__path__, root.__name__ + "."):
    if info.name.endswith("__main__"):
        continue
    importlib.import_module(info.name)
bad = sorted(m for m in sys.modules
             if m == "textual" or m.startswith("textual.")
             or m.startswith(("samad_desk.app", "samad_desk.screens", "samad_desk.widgets")))
print("\n".join(bad))
"""


@pytest.mark.parametrize("pkg", PURE)
def test_pure_core_does_not_import_textual(pkg):
    out = subprocess.run(
        [sys.executable, "-c", PROBE.format(pkg=pkg)], capture_output=True, text=True, timeout=120
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "", f"samad_desk.{pkg} pulls in: {out.stdout}"


def test_cli_help_does_not_import_textual():
    probe = (
        "import sys\nfrom click.testing import CliRunner\nfrom samad_desk.cli import main\n"
        "r = CliRunner().invoke(main, ['--help'])\nassert r.exit_code == 0, r.output\n"
        "print('textual' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "False"
