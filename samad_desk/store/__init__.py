"""The local store: journal-first saves and a crash-safe, multi-process TinyDB cache.

``Store.open(data_dir)`` is the entry point; see ``docs/store.md``.
"""

from samad_desk.store.errors import StoreError
from samad_desk.store.store import CARTABLE_STATES, Store, StoreChange

__all__ = ["CARTABLE_STATES", "Store", "StoreChange", "StoreError"]
