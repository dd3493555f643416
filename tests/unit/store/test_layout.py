"""How ``Store`` is assembled (samad_desk/store/store.py): one mixin per job over one
``StoreState``, no part silently shadowing another, every method one part calls on
another really defined, and the names callers imported before the split still there.
(No store module over 600 lines: tests/unit/test_file_size.py.)"""

from __future__ import annotations

import ast
from pathlib import Path

import samad_desk.store as store_pkg
from samad_desk.store import cache, cache_format
from samad_desk.store.state import StoreState
from samad_desk.store.store import Store

PKG = Path(store_pkg.__file__).parent


def _parts() -> list[type]:
    return [c for c in Store.__mro__ if c not in (StoreState, object)]


def _defined(part: type) -> set[str]:
    return {n for n, v in vars(part).items()
            if not n.startswith("__") and (callable(v) or isinstance(v, property | classmethod | staticmethod))}


def test_no_two_parts_define_the_same_method():
    owners: dict[str, list[str]] = {}
    for part in _parts():
        for name in _defined(part):
            owners.setdefault(name, []).append(part.__name__)
    twice = {name: where for name, where in owners.items() if len(where) > 1}
    assert not twice, f"defined in more than one part of Store (one shadows the other): {twice}"


def _declared_for_the_type_checker() -> set[str]:
    """The method names ``StoreState`` declares under ``if TYPE_CHECKING:``."""
    tree = ast.parse((PKG / "state.py").read_text(encoding="utf-8"))
    state = next(n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == "StoreState")
    names: set[str] = set()
    for node in state.body:
        if isinstance(node, ast.If) and ast.unparse(node.test) == "TYPE_CHECKING":
            names.update(f.name for f in node.body if isinstance(f, ast.FunctionDef))
    return names


def test_every_method_declared_across_parts_is_defined_by_one():
    declared = _declared_for_the_type_checker()
    assert declared, "StoreState declares no cross-part methods: the test reads the wrong place"
    defined = set().union(*(_defined(p) for p in _parts() if p is not Store), _defined(Store))
    missing = sorted(declared - defined)
    assert not missing, f"declared in StoreState for mypy but defined by no part: {missing}"
    assert not declared & set(vars(StoreState)), "a declaration leaked out of TYPE_CHECKING"


def test_names_imported_before_the_split_still_import():
    from samad_desk.store import CARTABLE_STATES, StoreChange, StoreError  # noqa: F401
    from samad_desk.store.cache import (  # noqa: F401
        INDEXES,
        Cache,
        FrozenRow,
        ShardCorrupt,
        ShardIndex,
        ShardStorage,
        encode_shard,
        open_shard_db,
        read_footer,
        shard_of,
    )
    from samad_desk.store.store import CARTABLE_STATES as C2

    assert C2 is CARTABLE_STATES
    # tests patch cache.INDEXES in place (an older cache without an index): one dict
    assert cache.INDEXES is cache_format.INDEXES

