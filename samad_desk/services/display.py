"""Numbers, IDs and subjects inside Persian text: wrapped in bidi isolates so that a
right-to-left line keeps their groups (and their neighbours) in order."""

from __future__ import annotations

from typing import Any

from samad_desk.domain.tracking import format_tracking_code


def tracking_label(code: str) -> str:
    """The grouped tracking code with Persian digits, isolated (LRI…PDI) so that inside a
    Persian sentence its groups keep their order (``0912-345`` would read ``345-0912``)."""
    return f"\u2066{format_tracking_code(code)}\u2069"


def isolated(value: object) -> str:
    """Any number, ID or phone inside Persian text, isolated left to right."""
    return f"\u2066{value}\u2069"


def subject_text(services: Any, case: dict[str, Any]) -> str:
    """A case's subject for a line of Persian text: its Persian title, isolated (FSI…PDI).

    Cases store the subject key (``water.sewage``); an unknown key or free text is shown
    as it is, and the isolate keeps a Latin key from joining the date or code beside it
    into one left-to-right run (which swaps their places in the row)."""
    return f"\u2068{services.subject_label(case.get('subject'))}\u2069"
