"""The public tracking look-up tells nobody whether a code exists (issue 14): a wrong check
digit, an unknown code and a real code with a wrong mobile tail get the same answer after
the same work. Timing itself is measured by ``python -m bench track``; here the work is
counted: the same SQL statements run, whichever refusal it is."""

from __future__ import annotations

from sqlalchemy import event

from samad_desk.central.testing import Desk


def _statements(server, path: str, params: dict) -> tuple[int, dict, list[str]]:
    central = server.app.state.central
    seen: list[str] = []

    def record(conn, cursor, statement, *args) -> None:
        seen.append(statement.split()[0].upper())

    event.listen(central.engine, "before_cursor_execute", record)
    try:
        answer = server.get(path, params=params)
    finally:
        event.remove(central.engine, "before_cursor_execute", record)
    return answer.status_code, answer.json(), seen


def test_every_refusal_has_the_same_shape_and_the_same_queries(server):
    agent = Desk(server, "agent1")
    ops, _case_id, _cit_id, code = agent.new_call(agency_id="water-qazvin")
    agent.push(*ops)
    bad_digit = code[:-1] + str((int(code[-1]) + 1) % 10)
    refusals = {
        "wrong check digit": (f"/v1/track/{bad_digit}", {"mobile_tail": "4567"}),
        "unknown code": ("/v1/track/000000000000", {"mobile_tail": "4567"}),
        "wrong tail": (f"/v1/track/{code}", {"mobile_tail": "1111"}),
        "malformed tail": (f"/v1/track/{code}", {"mobile_tail": "x"}),
    }
    seen = {name: _statements(server, *args) for name, args in refusals.items()}
    shapes = {(status, tuple(sorted(body.items()))) for status, body, _ in seen.values()}
    assert len(shapes) == 1 and next(iter(shapes))[0] == 404
    work = {name: tuple(stmts) for name, (_s, _b, stmts) in seen.items()}
    assert len(set(work.values())) == 1, work  # before: no query at all for a wrong check digit
    ok = _statements(server, f"/v1/track/{code}", {"mobile_tail": "4567"})
    assert ok[0] == 200 and tuple(ok[2]) == work["unknown code"]
