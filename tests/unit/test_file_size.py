"""No module over ~600 lines without a reason in its docstring (issue 15).

A module longer than :data:`LIMIT` lines must say why in its module docstring, in a
sentence naming the limit (``Why over 600 lines: …``, ``Longer than the desk's ~600-line
guide …``); the files listed in :data:`LONG_LEFT` (owned by work under way) may stay long
until that work splits them, but never grow.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

PKG = Path(__file__).resolve().parents[2] / "samad_desk"
LIMIT = 600
MARK = re.compile(r"600[- ]line")

#: long modules of work under way (screens, the app): path -> lines when listed;
#: an entry may only shrink or go
LONG_LEFT = {
    "screens/call_screen.py": 768,
    "app.py": 617,
}


def _long_modules() -> dict[str, int]:
    out = {}
    for path in sorted(PKG.rglob("*.py")):
        n = len(path.read_text(encoding="utf-8").splitlines())
        if n > LIMIT:
            out[path.relative_to(PKG).as_posix()] = n
    return out


def test_long_modules_say_why():
    unexplained = {}
    for rel, n in _long_modules().items():
        doc = ast.get_docstring(ast.parse((PKG / rel).read_text(encoding="utf-8"))) or ""
        if MARK.search(doc):
            continue
        if n <= LONG_LEFT.get(rel, 0):
            continue
        unexplained[rel] = n
    assert not unexplained, (
        f"over {LIMIT} lines without a reason naming the {LIMIT}-line limit in the module "
        f"docstring (split it by job, or say why): {unexplained}"
    )
