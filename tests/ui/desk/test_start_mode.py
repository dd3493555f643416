"""Each role starts where it works (issue 12, finding 8): an agency's officer or manager on
the cartable, a supervisor on supervision, an agent on the call form."""

from __future__ import annotations

import pytest

from tests.support.desk_ui import desk

OPERATORS = {
    "agent": ({"id": "op-agent1", "username": "agent1", "role": "agent"}, "call", "CallEntryScreen"),
    "officer": ({"id": "op-water1", "username": "water1", "role": "officer",
                 "agency_id": "water-qazvin"}, "cartable", "CartableScreen"),
    "manager": ({"id": "op-watermgr", "username": "watermgr", "role": "manager",
                 "agency_id": "water-qazvin"}, "cartable", "CartableScreen"),
    "supervisor": ({"id": "op-super1", "username": "super1", "role": "supervisor"},
                   "supervisor", "SupervisorScreen"),
}


@pytest.mark.parametrize("role", sorted(OPERATORS))
async def test_each_role_starts_where_it_works(make_app, role: str) -> None:
    operator, mode, screen = OPERATORS[role]
    app = make_app(operator={**operator, "name": operator["username"], "province": "qazvin"})
    async with desk(app):
        assert app.current_mode == mode
        assert type(app.screen).__name__ == screen
