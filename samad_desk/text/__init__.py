"""Persian text core: normalization, digits and parsers (pure, no Textual).

Every parser returns :class:`Parsed` and never raises on a str. See ``docs/text.md``.
"""

from .digits import fa, to_ascii_digits, to_persian_digits
from .national_id import is_valid_national_id, national_id_neighbours, parse_national_id
from .normalize import (
    compact_key,
    name_key,
    normalize,
    normalize_line,
    strip_controls,
    strip_titles,
)
from .phone import mobile_key, mobile_operator, parse_landline, parse_mobile, parse_postal_code
from .result import Parsed

__all__ = [
    "Parsed",
    "compact_key",
    "fa",
    "is_valid_national_id",
    "mobile_key",
    "mobile_operator",
    "name_key",
    "national_id_neighbours",
    "normalize",
    "normalize_line",
    "parse_landline",
    "parse_mobile",
    "parse_national_id",
    "parse_postal_code",
    "strip_controls",
    "strip_titles",
    "to_ascii_digits",
    "to_persian_digits",
]
