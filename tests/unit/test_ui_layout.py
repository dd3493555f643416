"""The UI is sorted by kind (docs/ui.md): screens/ holds only screens and dialogs, every
dialog is a ``Dialog``, every widget lives in widgets/. (That neither reaches the store is
checked in test_layering.py: the import contract and the ratchet of ``.store`` reads.)
"""

from __future__ import annotations

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
