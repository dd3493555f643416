"""The characters right-to-left layout treats specially (isolates, joiners, the ellipsis)
and what one character is: its bidi class, whether it is a mark or a format character,
and how many terminal cells it takes. Cached per character."""

from __future__ import annotations

import unicodedata
from functools import lru_cache

from rich.cells import get_character_cell_size

LRI, RLI, FSI, PDI = "\u2066", "\u2067", "\u2068", "\u2069"
ZWNJ, ZWJ = "\u200c", "\u200d"
ELLIPSIS = "\u2026"


@lru_cache(maxsize=65536)
def bidi_class(ch: str) -> str:
    return unicodedata.bidirectional(ch)


@lru_cache(maxsize=65536)
def is_mark(ch: str) -> bool:
    return unicodedata.category(ch) in ("Mn", "Me")


@lru_cache(maxsize=65536)
def is_format(ch: str) -> bool:
    return unicodedata.category(ch) == "Cf"


@lru_cache(maxsize=65536)
def char_cells(ch: str) -> int:
    """Cells one character takes on screen (0 for marks and format characters)."""
    if is_format(ch) or is_mark(ch):
        return 0
    return get_character_cell_size(ch)
