"""Guards the python-bidi debug-dump format that ``text/bidi_levels.py`` parses.

python-bidi 0.6.x has no levels API; we read the Rust Debug dump of ``BidiInfo``. If an
upgrade changes that dump, these tests fail loudly instead of the layout going wrong.
"""

from importlib.metadata import version

import pytest
from bidi import get_display

from samad_desk.text.bidi_levels import BidiDumpError, _parse_dump, first_strong, resolve_levels


def test_python_bidi_is_the_pinned_version():
    assert version("python-bidi") == "0.6.12"


def test_dump_has_the_parsed_shape():
    dump = get_display("\u0627 1", base_dir="R", debug=True)
    assert dump.startswith("BidiInfo {")
    assert "\n    levels: [\n" in dump
    assert "\n    paragraphs: [" in dump
    assert "Level(\n            1,\n        )" in dump


def test_levels_are_per_code_point_not_per_byte():
    # Persian letters are two UTF-8 bytes each, the digits one
    text = "\u062a\u0644\u0641\u0646 0912"
    assert resolve_levels(text, 1) == (1, 1, 1, 1, 1, 2, 2, 2, 2)


def test_isolated_ltr_value_gets_level_two():
    text = "\u0627 \u20660912-345\u2069"
    levels = resolve_levels(text, 1)
    assert levels[3:11] == (2,) * 8


def test_latin_inside_rtl_and_nested_numbers():
    # "Ali 12" inside Persian: L and EN after L are level 2
    levels = resolve_levels("\u0627 Ali 12 \u0628", 1)
    assert levels == (1, 1, 2, 2, 2, 2, 2, 2, 1, 1)


def test_ltr_paragraph_levels():
    assert resolve_levels("ab \u0627\u0628", 0) == (0, 0, 0, 1, 1)


def test_broken_dump_raises():
    with pytest.raises(BidiDumpError):
        _parse_dump("BidiInfo { nothing }", "x")
    with pytest.raises(BidiDumpError):
        _parse_dump("x\n    levels: [\n Level(\n 1,\n )\n    paragraphs: [", "ab")


def test_first_strong_skips_isolates():
    assert first_strong("\u2066Ali\u2069 \u0627") == "R"
    assert first_strong("12 Ali") == "L"
    assert first_strong("123") is None
