"""One line of logical Persian as the cells a terminal shows (for labels painted by hand)."""

from __future__ import annotations

from samad_desk.text import rtl


def visual_line(text: str, width: int | None = None) -> str:
    """``text`` as visual cells on one line; with ``width``, right-aligned and cut to it."""
    if width:
        return str(rtl.truncate(text, width))
    return str(rtl.layout_line(text).visual)
