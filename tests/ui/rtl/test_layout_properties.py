"""Property tests: any mix of Persian, Latin, digits, marks, ZWNJ/ZWJ, brackets and isolates
lays out into rows that fit, partition the text in logical order, and map consistently."""

from __future__ import annotations

import unicodedata

from hypothesis import given, settings
from hypothesis import strategies as st
from rich.cells import cell_len

from samad_desk.text.rtl import layout_lines, ltr, prepare, truncate_line
from samad_desk.text.rtl_caret import caret_cell

ALPHABET = (
    "\u0627\u0628\u067e\u062a\u0633\u0644\u0645\u0646\u0648\u0647\u06cc\u06a9\u06af\u0698\u0622"
    "\u064e\u064f\u0651\u0654"  # harakat
    "\u200c\u200d"  # ZWNJ ZWJ
    "abcXYZ0123456789\u06f0\u06f1\u06f9\u0660\u0669"
    " ()[]\u00ab\u00bb-/.,:\u060c\u061f!"
)

texts = st.lists(
    st.one_of(
        st.text(alphabet=ALPHABET, max_size=12), st.text(alphabet="0123-ab ", max_size=8).map(ltr)
    ),
    max_size=8,
).map("".join)


@settings(max_examples=150, deadline=None)
@given(texts, st.integers(min_value=1, max_value=40))
def test_rows_fit_and_partition_the_text(text, width):
    rows = layout_lines(text, width)
    prepared = prepare(text)
    assert rows[0].start == 0
    assert rows[-1].end == len(prepared)
    for a, b in zip(rows, rows[1:], strict=False):
        assert b.start in (a.end, a.end + 1)  # +1: the newline between paragraphs
    for row in rows:
        assert cell_len(row.visual) == width or row.cells > width  # only a too-wide char
        assert row.cells == len(row.cell_to_logical)
        assert not any(unicodedata.category(ch) == "Cf" for ch in row.visual)
        shown = set()
        for c, i in enumerate(row.cell_to_logical):
            if i >= 0:
                assert row.start <= i < row.end
                shown.add(i)
                assert row.cell_of(i) <= c
        for i in range(row.start, row.end):
            cell = row.cell_of(i)
            if cell >= 0:
                assert row.cell_to_logical[cell] in (i, i - 1)  # lam-alef shares a cell
        for p in range(row.start, row.end + 1):
            assert -1 <= caret_cell(row, p) <= row.cells


@settings(max_examples=100, deadline=None)
@given(texts, st.integers(min_value=2, max_value=30))
def test_truncation_keeps_the_start(text, width):
    line = truncate_line(text, width)
    assert line.cells == width or line.cells > width
    flat = prepare(text).replace("\n", " ")
    kept = line.text.rstrip("\u2026").rstrip("\u2069")
    assert flat.startswith(kept.rstrip(" ")) or flat.startswith(kept)


PLAIN = (
    "\u0627\u0628\u067e\u062a\u0633\u0644\u0645\u0646\u0648\u0647\u06cc\u06a9"
    "abcXYZ0123456789\u06f0\u06f1\u06f9\u0660\u0669 -/.,:+%\u060c"
)


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=PLAIN, max_size=30))
def test_reordering_agrees_with_unicode_bidi_crate(text):
    """Without brackets, marks or controls (which python-bidi leaves unfixed), our L1/L2
    reordering of the shaped line equals the Rust crate's own ``get_display``."""
    from bidi import get_display

    from samad_desk.text.shaping import shape

    line = layout_lines(text, None)[0]
    shaped = shape(prepare(text))[0]
    assert line.visual == get_display(shaped, base_dir="R")
