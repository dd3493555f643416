"""UAX #9 embedding levels for one line (design/rtl.md §3 "Decision").

python-bidi 0.6.x exposes no levels, only ``get_display(..., debug=True)``, which returns
the Rust ``Debug`` dump of ``unicode_bidi::BidiInfo``. Its ``levels`` are per UTF-8 byte.
We parse that dump; python-bidi is pinned exactly in ``pyproject.toml`` and
``tests/ui/rtl/test_bidi_levels.py`` guards the format. Lines with nothing but right-to-left
letters and neutrals take a fast path that needs no call at all.

The levels returned are the resolved levels *before* rule L1; L1–L4 are ours (``rtl.py``).
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from bidi import get_display

#: bidi classes that can make a level differ from the paragraph level in an RTL paragraph
_NEEDS_ALGORITHM_RTL = frozenset(
    {"L", "EN", "AN", "LRE", "LRO", "RLE", "RLO", "PDF", "LRI", "RLI", "FSI", "PDI"}
)
_NEEDS_ALGORITHM_LTR = frozenset(
    {"R", "AL", "AN", "LRE", "LRO", "RLE", "RLO", "PDF", "LRI", "RLI", "FSI", "PDI"}
)

_LEVEL_RE = re.compile(r"Level\(\s*(\d+),\s*\)")
_LEVELS_START = "\n    levels: [\n"
_LEVELS_END = "\n    paragraphs: ["


class BidiDumpError(RuntimeError):
    """python-bidi's debug dump no longer has the shape this module parses."""


def _parse_dump(dump: str, text: str) -> list[int]:
    try:
        a = dump.index(_LEVELS_START)
        b = dump.index(_LEVELS_END, a)
    except ValueError:
        raise BidiDumpError("python-bidi debug dump: no levels section") from None
    byte_levels = [int(m) for m in _LEVEL_RE.findall(dump, a, b)]
    encoded = text.encode("utf-8")
    if len(byte_levels) != len(encoded):
        raise BidiDumpError(
            f"python-bidi debug dump: {len(byte_levels)} levels for {len(encoded)} bytes"
        )
    levels: list[int] = []
    pos = 0
    for ch in text:
        levels.append(byte_levels[pos])
        pos += len(ch.encode("utf-8"))
    return levels


def first_strong(text: str) -> str | None:
    """'L' or 'R' for the first strong character (P2, skipping isolates), else None."""
    depth = 0
    for ch in text:
        c = unicodedata.bidirectional(ch)
        if c in ("LRI", "RLI", "FSI"):
            depth += 1
        elif c == "PDI":
            depth = max(0, depth - 1)
        elif depth == 0 and c == "L":
            return "L"
        elif depth == 0 and c in ("R", "AL"):
            return "R"
    return None


@lru_cache(maxsize=8192)
def resolve_levels(text: str, base_level: int = 1) -> tuple[int, ...]:
    """Resolved embedding level of every code point of one line (no paragraph breaks)."""
    if not text:
        return ()
    need = _NEEDS_ALGORITHM_RTL if base_level == 1 else _NEEDS_ALGORITHM_LTR
    if not any(unicodedata.bidirectional(ch) in need for ch in text):
        return (base_level,) * len(text)
    # unicode-bidi splits paragraphs at B characters; keep one paragraph per line
    safe = text.translate(_PARAGRAPH_SEPARATORS)
    dump = get_display(safe, base_dir="R" if base_level == 1 else "L", debug=True)
    return tuple(_parse_dump(dump, safe))


_PARAGRAPH_SEPARATORS = {ord(c): " " for c in "\n\r\x1c\x1d\x1e\x85\u2029"}
