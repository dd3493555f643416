"""Where a paragraph breaks into rows (design/rtl.md §4 step 3): greedy wrapping at spaces
in *logical* order, measuring the *shaped* width of each character; an ``ltr()`` value's
spaces do not break it, and isolates opened before a break are reopened after it."""

from __future__ import annotations

import re

from samad_desk.text.rtl_chars import FSI, LRI, PDI, RLI, char_cells
from samad_desk.text.shaping import shape


def unit_widths(para: str, mode: str = "visual") -> list[int]:
    """Shaped cell width attributed to each logical character of a paragraph.

    A ligature's width goes to its first letter; marks, ZWNJ, a consumed ZWJ and the second
    letter of lam-alef get 0, so a wrap never falls just before them. In terminal mode the
    text is written unshaped, so each character counts as Rich measures it.
    """
    if mode == "terminal":
        return [char_cells(ch) for ch in para]
    shaped, src, _span = shape(para)
    widths = [0] * len(para)
    for k, ch in enumerate(shaped):
        widths[src[k]] += char_cells(ch)
    return widths


_TOKEN_RE = re.compile(r" +|[^ ]+")
_OPENERS = frozenset((LRI, RLI, FSI))


def _tokens(para: str) -> list[tuple[int, int]]:
    """Runs of spaces and of non-spaces; spaces inside an isolate (an ``ltr()`` value such
    as «set -g allow-passthrough on») do not separate words, so the value is not split
    across rows unless it is wider than a row."""
    spans = [m.span() for m in _TOKEN_RE.finditer(para)]
    if not any(ch in _OPENERS for ch in para):
        return spans
    depth = [0] * (len(para) + 1)
    d = 0
    for i, ch in enumerate(para):
        if ch in _OPENERS:
            d += 1
        elif ch == PDI and d:
            d -= 1
        depth[i + 1] = d
    merged: list[tuple[int, int]] = []
    for a, b in spans:
        if merged and depth[a] > 0:
            merged[-1] = (merged[-1][0], b)
        else:
            merged.append((a, b))
    return merged


def wrap_paragraph(para: str, width: int, mode: str = "visual") -> list[tuple[int, int, int]]:
    """Greedy wrap of one paragraph: ``(start, visible_end, end)`` per line, logical order."""
    if not para:
        return [(0, 0, 0)]
    widths = unit_widths(para, mode)
    lines: list[tuple[int, int, int]] = []
    ls = 0  # line start
    le = 0  # end of the last word on the line
    lw = 0  # width up to le
    has_word = False
    pending = 0  # width of spaces after le
    pos = 0
    for a, b in _tokens(para):
        tw = sum(widths[a:b])
        if para[a] == " ":
            pending += tw
            pos = b
            continue
        if has_word and lw + pending + tw <= width:
            lw += pending + tw
            le = b
            pending = 0
            pos = b
            continue
        if has_word:
            lines.append((ls, le, a))
            ls, lw, pending = a, 0, 0
        else:
            # leading spaces of the paragraph stay visible
            lw += pending
            pending = 0
        # place the word, breaking it if it is wider than the line
        i = a
        while True:
            rest = sum(widths[i:b])
            if lw + rest <= width:
                lw += rest
                le = b
                break
            j = i
            w = lw
            while j < b and (w + widths[j] <= width or j == i and lw == 0):
                w += widths[j]
                j += 1
                while j < b and widths[j] == 0:
                    j += 1
            if j == i:  # nothing fits after existing content: new line
                lines.append((ls, i, i))
                ls, lw = i, 0
                continue
            lines.append((ls, j, j))
            ls, lw, i = j, 0, j
        has_word = True
        pos = b
    # the last line keeps its trailing spaces visible as far as they fit
    vis = pos
    total = lw + pending
    while vis > le and total > width:
        vis -= 1
        total -= widths[vis]
    lines.append((ls, vis, len(para)))
    return lines


def open_isolates(para: str, pos: int) -> str:
    """The isolate initiators still open at ``pos`` (so a wrapped ``ltr()`` value keeps its
    direction on the following rows)."""
    if not any(ch in _OPENERS for ch in para[:pos]):
        return ""
    stack: list[str] = []
    for ch in para[:pos]:
        if ch in _OPENERS:
            stack.append(ch)
        elif ch == PDI and stack:
            stack.pop()
    return "".join(stack)
