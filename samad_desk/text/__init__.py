"""Persian text core: normalization, digits and parsers (pure, no Textual).

Every parser returns :class:`Parsed` and never raises on a str. See ``docs/text.md``.
"""

from .digits import fa, to_ascii_digits, to_persian_digits
from .jalali import (
    format_jalali,
    format_jalali_datetime,
    format_jalali_long,
    is_jalali_leap,
    jalali_month_length,
    jalali_parts,
    jalali_to_gregorian,
    parse_jalali_date,
)
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
    "format_jalali",
    "format_jalali_datetime",
    "format_jalali_long",
    "is_jalali_leap",
    "jalali_month_length",
    "jalali_parts",
    "jalali_to_gregorian",
    "is_valid_national_id",
    "mobile_key",
    "mobile_operator",
    "name_key",
    "national_id_neighbours",
    "normalize",
    "normalize_line",
    "parse_jalali_date",
    "parse_landline",
    "parse_mobile",
    "parse_national_id",
    "parse_postal_code",
    "strip_controls",
    "strip_titles",
    "to_ascii_digits",
    "to_persian_digits",
]
