"""Caret and cursor-movement policy for right-to-left fields (design/rtl.md §5). Pure.

Positions are logical indices ``0..len(text)``. Movement is in reading order over logical
positions (visual movement leaves positions unreachable at bidi ties and inside ligatures).

**Caret affinity (previous logical character).** The caret at position ``p`` belongs to
the nearest *visible* character before ``p`` (zero-width characters such as ZWNJ, harakat
and controls are skipped, so the caret never vanishes). It sits at that character's left
edge if the character is right-to-left (odd level), at its right edge if left-to-right. At
``p = 0`` (or with only invisible characters before it) it sits at the leading edge of the
first visible character after ``p``. The block cursor goes on the cell left of that edge
in an RTL field and on the cell right of it in an LTR field.
"""

from __future__ import annotations

from samad_desk.text.rtl import LineLayout


def caret_cell(line: LineLayout, pos: int, *, field_rtl: bool = True) -> int:
    """The cell (in ``line``'s coordinates, may be -1 or ``line.cells``) for the block cursor."""
    anchor = -1
    for i in range(min(pos, line.end) - 1, line.start - 1, -1):
        if line.cell_of(i) >= 0:
            anchor = i
            break
    if anchor >= 0:
        c = line.cell_of(anchor)
        w = line.cell_width_of(anchor)
        if line.level_of(anchor) % 2:  # RTL character: its left edge
            edge = c
        else:  # LTR character: its right edge
            edge = c + w
    else:
        after = -1
        for i in range(max(pos, line.start), line.end):
            if line.cell_of(i) >= 0:
                after = i
                break
        if after < 0:  # nothing visible: the start side of the field
            edge = line.cells if field_rtl else 0
            if line.cells == 0:
                edge = 0
        else:
            c = line.cell_of(after)
            w = line.cell_width_of(after)
            edge = c + w if line.level_of(after) % 2 else c
    return edge - 1 if field_rtl else edge


def is_stop(line: LineLayout, pos: int) -> bool:
    """Whether arrows stop at ``pos``: not before a zero-width character (a mark, ZWNJ)
    and not inside a ligature (lam-alef: both letters share one cell)."""
    if pos <= line.start or pos >= line.end:
        return True
    c = line.cell_of(pos)
    return c >= 0 and c != line.cell_of(pos - 1)


def step(line: LineLayout, pos: int, delta: int) -> int:
    """Move ``delta`` (+1 forward / -1 back in reading order) to the next stop."""
    n = line.end
    p = pos
    while True:
        p += delta
        if p <= line.start:
            return line.start
        if p >= n:
            return n
        if is_stop(line, p):
            return p


def word_forward(text: str, pos: int) -> int:
    """End of the next word (skip spaces, then non-spaces)."""
    n = len(text)
    p = pos
    while p < n and text[p].isspace():
        p += 1
    while p < n and not text[p].isspace():
        p += 1
    return p


def word_backward(text: str, pos: int) -> int:
    """Start of the previous word."""
    p = pos
    while p > 0 and text[p - 1].isspace():
        p -= 1
    while p > 0 and not text[p - 1].isspace():
        p -= 1
    return p
