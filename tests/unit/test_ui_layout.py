"""The UI is sorted by kind (docs/ui.md): screens/ holds only screens and dialogs, every
dialog is a ``Dialog``, every widget lives in widgets/, and neither reaches into the store.

The store check reads the source (AST): ``<anything>.store.<method>`` and any import of
``samad_desk.store`` are refused in screens/ and widgets/; a screen asks a service, in a
worker. Handing the store to ``watch_store`` (a change subscription) is the one allowed use.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import pkgutil
from pathlib import Path

import pytest

import samad_desk

ROOT = Path(samad_desk.__file__).parent
UI_PACKAGES = ("screens", "widgets")


def _sources(package: str) -> list[Path]:
    return sorted((ROOT / package).rglob("*.py"))


def store_reaches(source: str) -> list[str]:
    """``line: text`` of each place ``source`` reads the store or imports it."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Attribute) and node.value.attr == "store":
            found.append(f"{node.lineno}: .store.{node.attr}")
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("samad_desk.store"):
            found.append(f"{node.lineno}: from {node.module} import …")
        elif isinstance(node, ast.Import) and any(a.name.startswith("samad_desk.store") for a in node.names):
            found.append(f"{node.lineno}: import samad_desk.store")
    return found


def test_the_store_check_sees_a_read():
    assert store_reaches("case = self.services.store.get('case', cid)\n") == ["1: .store.get"]
    assert store_reaches("from samad_desk.store import Store\n") == ["1: from samad_desk.store import …"]
    assert store_reaches("self.watch_store(self.actions.store)\n") == []


@pytest.mark.parametrize("package", UI_PACKAGES)
def test_no_screen_or_widget_reaches_the_store(package):
    bad = {
        str(path.relative_to(ROOT)): reaches
        for path in _sources(package)
        if (reaches := store_reaches(path.read_text(encoding="utf-8")))
    }
    assert bad == {}, f"read through a service in a worker instead: {bad}"


def _classes(package: str) -> list[type]:
    root = importlib.import_module(f"samad_desk.{package}")
    out: list[type] = []
    for info in pkgutil.walk_packages(root.__path__, root.__name__ + "."):
        module = importlib.import_module(info.name)
        out += [c for _n, c in inspect.getmembers(module, inspect.isclass) if c.__module__ == module.__name__]
    return out


def test_screens_holds_only_screens_and_dialogs():
    from textual.screen import ModalScreen, Screen
    from textual.widget import Widget

    from samad_desk.screens.modals import Dialog

    widgets = [c.__qualname__ for c in _classes("screens") if issubclass(c, Widget) and not issubclass(c, Screen)]
    assert widgets == [], "widgets belong in samad_desk/widgets/"
    modals = [c for c in _classes("screens") if issubclass(c, ModalScreen)]
    assert modals, "no dialog found: the walk is broken"
    assert [c.__name__ for c in modals if not issubclass(c, Dialog)] == [], "every dialog derives from Dialog"
    assert [c.__name__ for c in modals if c.__name__.endswith("Screen")] == [], "a dialog is not named *Screen"
    assert all(c.__module__.startswith("samad_desk.screens.modals") for c in modals)


def test_widgets_holds_no_screen():
    from textual.screen import Screen

    assert [c.__name__ for c in _classes("widgets") if issubclass(c, Screen)] == []


@pytest.mark.parametrize("package", UI_PACKAGES)
def test_ui_files_stay_small(package):
    long = {str(p.relative_to(ROOT)): n for p in _sources(package)
            if (n := len(p.read_text(encoding="utf-8").splitlines())) > 700}
    assert long == {}
