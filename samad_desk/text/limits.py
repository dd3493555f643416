"""The Persian message for a text longer than its field takes (one wording for the form's
check at F2 and for a paste that makes a field too long)."""

from __future__ import annotations

from samad_desk.text.digits import to_persian_digits


def too_long_message(label: str, length: int, limit: int, *, kept: bool = True) -> str:
    """``«label» بلند است: N نویسه، حداکثر M`` and what became of the text: kept in the form
    (to be shortened), or, for a field that cannot hold it, not inserted."""
    name = f"«{label}»" if label else "متن"
    tail = "متن شما در فرم می‌ماند" if kept else "چیزی چسبانده نشد"
    return (
        f"{name} بلند است: {to_persian_digits(str(length))} نویسه، "
        f"حداکثر {to_persian_digits(str(limit))}؛ {tail}"
    )
