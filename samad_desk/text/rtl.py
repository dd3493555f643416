"""Right-to-left layout for the terminal (design/rtl.md §4): logical text in, visual lines out.

Pipeline, per paragraph (hard newlines separate paragraphs):

1. normalize (``samad_desk.text.normalize``), keeping isolates (LRI/RLI/FSI/PDI) and ZWJ,
   which the storage form drops but layout still needs;
2. shape with arabic-reshaper (``shaping.py``), keeping a shaped-to-logical map;
3. wrap greedily at spaces in *logical* order, measuring the *shaped* width;
4. resolve levels per line with paragraph level 1 (``bidi_levels.py``), never auto;
5. L1 (trailing whitespace), L2 (reverse runs), L3 (marks after their base), L4 (mirror);
6. strip every format character (Cf);
7. align: RTL lines padded on the left, LTR lines on the right.

Every line carries its visual string, cell count, cell-to-logical and logical-to-cell maps
and levels, so widgets can put a caret, a selection or a highlight on the right cells.

``rtl_mode='terminal'`` (design/rtl.md §6) skips shaping and reordering: the text stays
logical (the terminal reorders it) and is only right-aligned.

Step 3 is ``rtl_wrap.py``; what one character is (class, mark, format, cells) is
``rtl_chars.py``; caret movement is ``rtl_caret.py``.

Pure: never imports Textual. Results are cached in bounded LRUs keyed by text and width.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from bidi.mirror import MIRRORED

from samad_desk.text.bidi_levels import first_strong, resolve_levels
from samad_desk.text.normalize import normalize
from samad_desk.text.rtl_chars import (
    ELLIPSIS,
    FSI,
    LRI,
    PDI,
    RLI,
    ZWJ,
    ZWNJ,
    bidi_class,
    char_cells,
    is_format,
    is_mark,
)
from samad_desk.text.rtl_wrap import open_isolates, unit_widths, wrap_paragraph
from samad_desk.text.shaping import _shape_word, shape

MODES = ("visual", "terminal")
_mode = "visual"


def set_mode(mode: str) -> None:
    """Select the process-wide output mode: ``visual`` (default) or ``terminal``.

    ``samad_desk.terminal`` calls this once ``rtl_mode`` is resolved; widgets then lay out
    accordingly. ``auto`` is resolved by the terminal module, never stored here.
    """
    global _mode
    if mode not in MODES:
        raise ValueError(f"rtl mode must be one of {MODES}, not {mode!r}")
    _mode = mode


def get_mode() -> str:
    return _mode


# --------------------------------------------------------------------------------------------
# helpers


def ltr(value: object) -> str:
    """Wrap a value that must read left to right inside Persian text (a phone number, ID,
    tracking code, e-mail or Latin name) in LRI … PDI, so ``0912-345`` never reads ``345-0912``."""
    return f"{LRI}{value}{PDI}"


def rtl(value: object) -> str:
    """Wrap a right-to-left value inside left-to-right text in RLI … PDI."""
    return f"{RLI}{value}{PDI}"


_KEEP = LRI + RLI + FSI + PDI + ZWJ
_KEEP_RE = re.compile(f"([{_KEEP}])")


@lru_cache(maxsize=4096)
def prepare(text: str) -> str:
    """:func:`normalize`, but keeping isolates and ZWJ (layout needs them; storage not).

    Idempotent. Logical indices in :class:`LineLayout` refer to this string.
    """
    if not text:
        return ""
    if not any(ch in _KEEP for ch in text):
        return normalize(text)
    return "".join(
        part if (len(part) == 1 and part in _KEEP) else normalize(part)
        for part in _KEEP_RE.split(text)
    )


def base_level_of(text: str, base: str) -> int:
    """Paragraph level: ``rtl`` → 1, ``ltr`` → 0, ``auto`` → first strong, default RTL."""
    if base == "rtl":
        return 1
    if base == "ltr":
        return 0
    if base == "auto":
        return 0 if first_strong(text) == "L" else 1
    raise ValueError(f"base must be rtl, ltr or auto, not {base!r}")


# --------------------------------------------------------------------------------------------
# one line (no wrapping): the cached core


@dataclass(frozen=True, slots=True)
class _Core:
    visual: str
    cells: int
    cell_to_logical: tuple[int, ...]  # relative to the segment
    logical_to_cell: tuple[int, ...]  # relative; -1 = zero width
    levels: tuple[int, ...]  # per logical char of the segment


_WS_CLASSES = frozenset({"WS", "LRI", "RLI", "FSI", "PDI", "BN"})


@lru_cache(maxsize=8192)
def _core(segment: str, base_level: int, mode: str) -> _Core:
    n = len(segment)
    if mode == "terminal":
        out: list[str] = []
        c2l: list[int] = []
        l2c = [-1] * n
        for i, ch in enumerate(segment):
            if is_format(ch) and ch != ZWNJ:
                continue
            w = char_cells(ch)
            if w:
                l2c[i] = len(c2l)
                c2l.extend([i] * w)
            out.append(ch)
        return _Core("".join(out), len(c2l), tuple(c2l), tuple(l2c), (base_level,) * n)

    shaped, src, span = shape(segment)
    m = len(shaped)
    levels = list(resolve_levels(shaped, base_level)) if m else []
    # L1: trailing whitespace / isolates / controls, and those before S or B, get base level
    classes = [bidi_class(ch) for ch in shaped]
    trailing = True
    for k in range(m - 1, -1, -1):
        cls = classes[k]
        if cls in ("S", "B"):
            levels[k] = base_level
            trailing = True
        elif cls in _WS_CLASSES:
            if trailing:
                levels[k] = base_level
        else:
            trailing = False
    # L2: reverse runs from the highest level down to the lowest odd level
    order = list(range(m))
    if m:
        highest = max(levels)
        odd = [lv for lv in levels if lv % 2]
        lowest_odd = min(odd) if odd else highest + 1
        lv = list(levels)
        for level in range(highest, lowest_odd - 1, -1):
            i = 0
            while i < m:
                if lv[i] >= level:
                    j = i
                    while j < m and lv[j] >= level:
                        j += 1
                    order[i:j] = order[i:j][::-1]
                    lv[i:j] = lv[i:j][::-1]
                    i = j
                else:
                    i += 1
    # L3: inside RTL runs marks now precede their base letter: put them back after it
    i = 0
    while i < m:
        k = order[i]
        if levels[k] % 2 and is_mark(shaped[k]):
            j = i
            while j < m and levels[order[j]] % 2 and is_mark(shaped[order[j]]):
                j += 1
            if j < m and levels[order[j]] % 2:
                order[i : j + 1] = order[i : j + 1][::-1]
            i = j + 1
        else:
            i += 1
    # L4 (mirror), strip Cf, and build the maps
    out = []
    c2l = []
    l2c = [-1] * n
    for k in order:
        ch = shaped[k]
        if is_format(ch):
            continue
        if levels[k] % 2:
            ch = MIRRORED.get(ch, ch)
        w = char_cells(ch)
        logical = src[k]
        if w:
            cell = len(c2l)
            for t in range(logical, min(n, logical + span[k])):
                l2c[t] = cell
            c2l.extend([logical] * w)
        out.append(ch)
    # per-logical-char levels (characters the shaper consumed take their neighbour's)
    lvl = [base_level] * n
    for k in range(m):
        for t in range(src[k], min(n, src[k] + span[k])):
            lvl[t] = levels[k]
    for t in range(n):
        if l2c[t] == -1 and is_format(segment[t]) and t > 0:
            lvl[t] = lvl[t - 1]
    return _Core("".join(out), len(c2l), tuple(c2l), tuple(l2c), tuple(lvl))


# --------------------------------------------------------------------------------------------
# public line layout


@dataclass(frozen=True, slots=True)
class LineLayout:
    """One display line of a laid-out paragraph.

    ``text`` is the prepared logical text of the whole block and ``start``/``end`` this
    line's logical range in it (including spaces swallowed by the wrap, which take no cell).
    ``visual`` is padded to the layout width (``pad_left`` cells on the left, ``pad_right``
    on the right). ``cell_to_logical[c]`` is the logical index shown in cell ``c`` (-1 for
    padding); ``logical_to_cell[i - start]`` is the leftmost cell of logical index ``i``
    (-1 when it takes no cell: marks, ZWNJ, wrap spaces). ``levels[i - start]`` is the
    resolved embedding level of logical index ``i``.
    """

    text: str
    start: int
    end: int
    visual: str
    cells: int
    cell_to_logical: tuple[int, ...]
    logical_to_cell: tuple[int, ...]
    levels: tuple[int, ...]
    base_level: int
    pad_left: int = 0
    pad_right: int = 0

    @property
    def logical(self) -> str:
        return self.text[self.start : self.end]

    @property
    def content(self) -> str:
        """The visual string without alignment padding."""
        return self.visual[self.pad_left : len(self.visual) - self.pad_right]

    def cell_of(self, index: int) -> int:
        """Leftmost cell of absolute logical ``index`` on this line, or -1."""
        if self.start <= index < self.end:
            return self.logical_to_cell[index - self.start]
        return -1

    def level_of(self, index: int) -> int:
        if self.start <= index < self.end:
            return self.levels[index - self.start]
        return self.base_level

    def cell_width_of(self, index: int) -> int:
        """How many cells logical ``index`` occupies (0 if none)."""
        c = self.cell_of(index)
        if c < 0:
            return 0
        w = 0
        while c + w < self.cells and self.cell_to_logical[c + w] == self.cell_to_logical[c]:
            w += 1
        return w


def _make_line(
    text: str,
    start: int,
    visible_end: int,
    end: int,
    base_level: int,
    mode: str,
    width: int | None,
    align: str,
    opened: str = "",
) -> LineLayout:
    core = _core(opened + text[start:visible_end], base_level, mode)
    if opened:
        # isolates opened on an earlier row still apply here; they take no cell
        k = len(opened)
        core = _Core(
            core.visual,
            core.cells,
            tuple(i - k for i in core.cell_to_logical),
            core.logical_to_cell[k:],
            core.levels[k:],
        )
    pad = 0 if width is None else max(0, width - core.cells)
    if align == "auto":
        align = "right" if base_level % 2 else "left"
    if align == "right":
        pl, pr = pad, 0
    elif align == "center":
        pl = pad // 2
        pr = pad - pl
    else:
        pl, pr = 0, pad
    c2l = (-1,) * pl + tuple(i + start for i in core.cell_to_logical) + (-1,) * pr
    l2c = tuple(c + pl if c >= 0 else -1 for c in core.logical_to_cell) + (-1,) * (
        end - visible_end
    )
    levels = core.levels + (base_level,) * (end - visible_end)
    return LineLayout(
        text=text,
        start=start,
        end=end,
        visual=" " * pl + core.visual + " " * pr,
        cells=pl + core.cells + pr,
        cell_to_logical=c2l,
        logical_to_cell=l2c,
        levels=levels,
        base_level=base_level,
        pad_left=pl,
        pad_right=pr,
    )


@lru_cache(maxsize=2048)
def _block(
    text: str, width: int | None, base: str, mode: str, align: str
) -> tuple[LineLayout, ...]:
    prepared = prepare(text)
    out: list[LineLayout] = []
    offset = 0
    for para in prepared.split("\n"):
        level = base_level_of(para, base)
        spans = [(0, len(para), len(para))] if width is None else wrap_paragraph(para, max(1, width), mode)
        for s, v, e in spans:
            opened = open_isolates(para, s) if s else ""
            line = _make_line(
                prepared, offset + s, offset + v, offset + e, level, mode, width, align, opened
            )
            out.append(line)
        offset += len(para) + 1
    return tuple(out)


def layout_lines(
    text: str,
    width: int | None,
    *,
    base: str = "rtl",
    mode: str | None = None,
    align: str = "auto",
) -> tuple[LineLayout, ...]:
    """Lay out ``text`` (logical) into display lines of at most ``width`` cells.

    ``width=None`` does not wrap (one line per paragraph) and does not pad. ``base`` is
    ``rtl`` (Persian UI text: always), ``ltr`` or ``auto``; ``align`` is ``auto`` (right for
    RTL lines, left for LTR lines), ``right``, ``left`` or ``center``. ``mode`` defaults to
    the process-wide mode (:func:`set_mode`).
    """
    return _block(text, width, base, mode or _mode, align)


@lru_cache(maxsize=4096)
def _layout_strings(text: str, width: int, base: str, mode: str, align: str) -> tuple[str, ...]:
    return tuple(line.visual for line in _block(text, width, base, mode, align))


def layout(text: str, width: int, *, base: str = "rtl", mode: str | None = None) -> list[str]:
    """The visual lines of ``text``, each exactly ``width`` cells, right-aligned for RTL."""
    return list(_layout_strings(text, width, base, mode or _mode, "auto"))


def layout_line(text: str, *, base: str = "rtl", mode: str | None = None) -> LineLayout:
    """One unwrapped, unpadded line (newlines become spaces): for inputs and table cells."""
    flat = text.replace("\n", " ") if "\n" in text else text
    return _block(flat, None, base, mode or _mode, "auto")[0]


def text_cells(text: str) -> int:
    """Shaped cell width of ``text`` on one line (lam-alef counts one cell)."""
    return layout_line(text).cells


@lru_cache(maxsize=4096)
def _truncate(
    text: str, width: int, base: str, mode: str, align: str, force: bool = False
) -> LineLayout:
    prepared = prepare(text).replace("\n", " ")
    if force:  # more text follows (hidden rows): the ellipsis is shown even when this fits
        prepared = prepared.rstrip(" ")
    level = base_level_of(prepared, base)
    whole = _core(prepared, level, mode)
    if whole.cells <= width and not force:
        return _make_line(prepared, 0, len(prepared), len(prepared), level, mode, width, align)
    widths = unit_widths(prepared, mode)
    budget = max(0, width - 1)
    k = 0
    used = 0
    while k < len(prepared) and used + widths[k] <= budget:
        used += widths[k]
        k += 1
        while k < len(prepared) and widths[k] == 0:
            k += 1
    # do not leave an opened isolate: close it before the ellipsis
    cut = prepared[:k].rstrip(" ")
    depth = sum(cut.count(c) for c in (LRI, RLI, FSI)) - cut.count(PDI)
    cut = cut + PDI * max(0, depth) + ELLIPSIS
    return _make_line(cut, 0, len(cut), len(cut), level, mode, width, align)


def truncate_line(
    text: str, width: int, *, base: str = "rtl", mode: str | None = None, align: str = "auto"
) -> LineLayout:
    """One line of at most ``width`` cells keeping the *start* of the text: when it does not
    fit, it is cut in logical order and ``…`` added at the logical end (the left, in RTL)."""
    return _truncate(text, max(1, width), base, mode or _mode, align)


def truncate(text: str, width: int, *, base: str = "rtl", mode: str | None = None) -> str:
    """Visual string of :func:`truncate_line`, padded to ``width``."""
    return truncate_line(text, width, base=base, mode=mode).visual


def clip_lines(
    text: str,
    width: int,
    rows: int,
    *,
    base: str = "rtl",
    mode: str | None = None,
    align: str = "auto",
) -> tuple[LineLayout, ...]:
    """:func:`layout_lines` cut to at most ``rows`` rows (``rows <= 0``: no limit).

    When rows are hidden, the last visible row holds the rest of the text truncated in
    logical order, so it ends with ``…`` (on the left in RTL) instead of stopping mid-way
    as if the text were complete.
    """
    lines = layout_lines(text, width, base=base, mode=mode, align=align)
    if rows <= 0 or len(lines) <= rows:
        return lines
    last = lines[rows - 1]
    prepared = last.text
    para_start = prepared.rfind("\n", 0, last.start) + 1
    opened = open_isolates(prepared[para_start:], last.start - para_start)
    rest = opened + prepared[last.start :]
    cut = _truncate(rest, max(1, width), base, mode or _mode, align, True)
    return (*lines[: rows - 1], cut)


def cache_clear() -> None:
    """Empty every layout cache (benchmarks measure cold layout with it)."""
    for fn in (
        prepare,
        _core,
        _block,
        _layout_strings,
        _truncate,
        shape,
        _shape_word,
        resolve_levels,
    ):
        fn.cache_clear()
