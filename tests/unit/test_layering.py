"""The import contract (issue 15): the pure core never imports Textual, a screen never
reaches the store, the domain is the innermost layer, reference data is not demo data.

Two checks of the same contract: ``lint-imports`` reads every import statement
(deferred ones too) against the ``[tool.importlinter]`` contracts in pyproject.toml;
``sys.modules`` in a fresh interpreter proves what importing a pure package really
loads (an import by ``importlib`` escapes the first).
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

PURE = ["domain", "text", "store", "matching", "sync", "central", "services", "reports", "serve"]
ROOT = Path(__file__).resolve().parents[2]

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


def test_the_import_contracts_are_kept():
    lint = Path(sys.executable).with_name("lint-imports")
    out = subprocess.run([str(lint), "--no-cache"], capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert out.returncode == 0, out.stdout[-4000:] + out.stderr[-2000:]
    assert "0 broken" in out.stdout


#: screens that still read the store through a service's ``.store`` (issue 15 moves these
#: reads into services, off the UI thread): a file may only lose entries, never gain one
STORE_READS_LEFT = {
    # both hand the store to LiveStoreScreen.watch_store (a change subscription, no read)
    "screens/supervisor_screen.py": 1,
    "screens/cartable_screen.py": 1,
    # the report screens (merged with issue 15 under way): a watch_store each, and
    # load_reports(self.actions.store, …) / store.get on the UI side: to move into a service
    "screens/report_screen.py": 3,
    "screens/scorecard_screen.py": 2,
}


def _store_reads(path: Path) -> int:
    """``x.store`` attribute reads and any mention of ``samad_desk.store`` in a module."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    n = 0
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr == "store":
            n += 1
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("samad_desk.store"):
            n += 1
        elif isinstance(node, ast.Import) and any(a.name.startswith("samad_desk.store") for a in node.names):
            n += 1
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value.startswith(
                "samad_desk.store"):
            n += 1  # importlib.import_module("samad_desk.store…")
    return n


def test_screens_and_widgets_do_not_reach_the_store():
    pkg = ROOT / "samad_desk"
    found = {}
    for folder in ("screens", "widgets"):
        for path in sorted((pkg / folder).rglob("*.py")):
            n = _store_reads(path)
            if n:
                found[path.relative_to(pkg).as_posix()] = n
    more = {f: n for f, n in found.items() if n > STORE_READS_LEFT.get(f, 0)}
    assert not more, f"a screen or widget reaches the store (go through a service): {more}"


#: the packages mypy must check (``[tool.mypy] files`` may name more, never fewer)
TYPED = {"samad_desk/domain", "samad_desk/text", "samad_desk/sync", "samad_desk/store",
         "samad_desk/matching", "samad_desk/services", "samad_desk/reports"}


def test_mypy_passes_on_the_pure_core():
    """``[tool.mypy] files`` in pyproject.toml: the packages it names (one a line), at
    least those of ``TYPED``."""
    import tomllib

    files = set(tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["mypy"]["files"])
    assert TYPED <= files, f"mypy no longer checks {sorted(TYPED - files)}"
    out = subprocess.run([sys.executable, "-m", "mypy", "--no-incremental"], capture_output=True,
                         text=True, timeout=600, cwd=ROOT)
    assert out.returncode == 0, out.stdout[-4000:] + out.stderr[-2000:]
