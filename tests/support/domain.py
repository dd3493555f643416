"""The domain tests' clock and actors (one per role, two agencies)."""

from __future__ import annotations

from datetime import UTC, datetime

NOW = datetime(2025, 5, 3, 6, 0, tzinfo=UTC)  # Saturday 13 Ordibehesht 1404, 09:30 Tehran

ACTORS = {
    "agent": {"operator_id": "op-agent1", "name": "نرگس احمدی", "role": "agent", "agency_id": None, "office_id": "QZV-111"},
    "officer": {"operator_id": "op-water1", "name": "رضا عباسی", "role": "officer", "agency_id": "water-qazvin", "office_id": "W"},
    "manager": {"operator_id": "op-watermgr", "name": "علیرضا کریمی", "role": "manager", "agency_id": "water-qazvin", "office_id": "W"},
    "supervisor": {"operator_id": "op-super1", "name": "بهرام سلیمانی", "role": "supervisor", "agency_id": None, "office_id": "S"},
    "admin": {"operator_id": "op-admin", "name": "مدیر سامانه", "role": "admin", "agency_id": None, "office_id": "A"},
    "other_officer": {"operator_id": "op-power1", "name": "سعید مرادی", "role": "officer", "agency_id": "power-qazvin", "office_id": "P"},
    # the server's identity for the citizen on the tracking page (central/citizen_web.py)
    "citizen": {"operator_id": "citizen-web", "name": "شهروند (درگاه اینترنتی)", "role": "citizen", "agency_id": None, "office_id": None},
    "other_manager": {"operator_id": "op-powermgr", "name": "حمید رضایی", "role": "manager", "agency_id": "power-qazvin", "office_id": "P"},
}
