"""The Persian message for a text longer than its field takes (one wording for the form's
check at F2 and for a paste that makes a field too long)."""

from __future__ import annotations

from samad_desk.text.digits import to_persian_digits
from samad_desk.text.normalize import strip_controls


def too_long_message(label: str, length: int, limit: int, *, kept: bool = True) -> str:
    """``«label» بلند است: N نویسه، حداکثر M`` and what became of the text: kept in the form
    (to be shortened), or, for a field that cannot hold it, not inserted."""
    name = f"«{label}»" if label else "متن"
    tail = "متن شما در فرم می‌ماند" if kept else "چیزی چسبانده نشد"
    return (
        f"{name} بلند است: {to_persian_digits(str(length))} نویسه، "
        f"حداکثر {to_persian_digits(str(limit))}؛ {tail}"
    )


#: how much of a typed text a message quotes back
ECHO_LIMIT = 40


def echo(text: str, limit: int = ECHO_LIMIT) -> str:
    """``text`` as a message quotes it back: its first ``limit`` characters and «…» when
    longer (a 5,000-character paste quoted whole filled the screen under the field), on one
    line and without controls (a bidi override from a spec file turned the rest of the
    message around on the terminal)."""
    text = " ".join(strip_controls(text).split())
    return text if len(text) <= limit else text[:limit].rstrip() + "…"
