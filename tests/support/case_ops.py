"""A stored case and a refusal's parts, for the exact-outcome tests of the case ops
(tests/unit/domain/test_mcases_*.py)."""

from __future__ import annotations


def stored(reader, **over) -> dict:
    """A complaint referred to the water company on Thursday 1 May, stored in ``reader``."""
    doc = {
        "id": "case-1", "tracking_code": "000123456786", "citizen_id": "cit-1", "type": "complaint",
        "subject": "water.outage", "agency_id": "water-qazvin", "city": "قزوین",
        "description": "آب سه روز است قطع است", "urgency": "normal", "channel": "call", "state": "referred",
        "registered_at": "2025-05-01T06:00:00Z", "referred_at": "2025-05-01T07:00:00Z",
        "due_date": "2025-05-13", "extended_days": 0, "assigned_to": None, "answer": None,
        "answered_at": None, "closed_at": None, "escalated": False, "version": 2,
    }
    doc.update(over)
    reader.put("case", doc)
    return dict(doc)


def refusal(out) -> tuple:
    """A refused outcome's code, message and ``current`` (nothing changed, not a duplicate)."""
    assert out.status == "rejected" and out.changes == [] and not out.duplicate
    return out.code, out.message, out.current
