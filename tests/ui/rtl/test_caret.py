"""The caret affinity policy and the movement stops (design/rtl.md §5), pure."""

from samad_desk.text.rtl import layout_line
from samad_desk.text.rtl_caret import caret_cell, is_stop, step, word_backward, word_forward

SALAM = "\u0633\u0644\u0627\u0645"  # visual "\ufee1\ufefc\ufeb3": meem 0, lam-alef 1, seen 2


def test_caret_follows_the_previous_logical_character_in_rtl():
    line = layout_line(SALAM)
    # p=0: leading (right) edge of the first letter -> the block covers it
    assert caret_cell(line, 0) == 2
    assert caret_cell(line, 1) == 1  # left of seen
    assert caret_cell(line, 2) == 0  # inside lam-alef: anchored to lam
    assert caret_cell(line, 3) == 0
    assert caret_cell(line, 4) == -1  # left of meem: the spare cell


def test_caret_on_ltr_run_inside_rtl_field():
    text = SALAM + " Ali"
    line = layout_line(text)  # "Ali \ufee1\ufefc\ufeb3"
    assert line.visual == "Ali \ufee1\ufefc\ufeb3"
    # after "A" (LTR): right edge of A -> the block on A in an RTL field
    assert caret_cell(line, 6) == 0
    assert caret_cell(line, 7) == 1
    assert caret_cell(line, 8) == 2
    # an LTR field puts the block right of the edge instead
    assert caret_cell(line, 8, field_rtl=False) == 3


def test_caret_is_never_on_a_zero_width_character():
    text = "\u0645\u06cc\u200c"  # می + ZWNJ
    line = layout_line(text)
    assert caret_cell(line, 3) == caret_cell(line, 2)
    assert line.cell_to_logical[caret_cell(line, 3) + 1] == 1  # left of the visible yeh
    marked = "\u0645\u064f\u062f"  # مُد
    line = layout_line(marked)
    assert caret_cell(line, 2) == caret_cell(line, 1)


def test_empty_field():
    line = layout_line("")
    assert caret_cell(line, 0) == -1
    assert caret_cell(line, 0, field_rtl=False) == 0


def test_stops_skip_lam_alef_interior_and_marks():
    line = layout_line(SALAM)
    assert [is_stop(line, p) for p in range(5)] == [True, True, False, True, True]
    assert step(line, 1, +1) == 3
    assert step(line, 3, -1) == 1
    marked = layout_line("\u0645\u064f\u062f")
    assert not is_stop(marked, 1)
    assert step(marked, 0, +1) == 2
    zwnj = layout_line("\u0645\u06cc\u200c\u062e")
    assert not is_stop(zwnj, 2)
    assert step(zwnj, 1, +1) == 3


def test_word_jumps():
    text = SALAM + "  Ali " + SALAM
    assert word_forward(text, 0) == 4
    assert word_forward(text, 4) == 9
    assert word_backward(text, len(text)) == 10
    assert word_backward(text, 10) == 6
