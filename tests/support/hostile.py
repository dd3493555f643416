"""Shared helpers of the hostile-input tests (``tests.support.hostile``)."""

from __future__ import annotations

import re

#: what must never be stored: C0/C1 controls (but \n), ESC sequences, bidi embeddings,
#: overrides and isolates, LRM/RLM, ZWSP/ZWJ, BOM, lone surrogates
BAD_CHARS = re.compile(
    "[\x00-\x09\x0b-\x1f\x7f-\x9f\u200b\u200d-\u200f\u202a-\u202e\u2066-\u2069\ufeff\ud800-\udfff]"
)

#: one string with every kind of hostile content
EVIL = "\x1b[31mقرمز\x1b[0m \u202eابک\u202c a\x00b \x1b]0;title\x07 \u2066x\u2069 \ufeffمتن"


def bad_strings(value, path: str = "$") -> list[tuple[str, str]]:
    """(path, text) of every string (keys included) holding a BAD_CHARS character."""
    out: list[tuple[str, str]] = []
    if isinstance(value, str):
        if BAD_CHARS.search(value):
            out.append((path, value))
    elif isinstance(value, dict):
        for k, v in value.items():
            if isinstance(k, str) and BAD_CHARS.search(k):
                out.append((f"{path}.<key>", k))
            out.extend(bad_strings(v, f"{path}.{k}"))
    elif isinstance(value, list | tuple):
        for i, v in enumerate(value):
            out.extend(bad_strings(v, f"{path}[{i}]"))
    return out
