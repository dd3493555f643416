"""Schemathesis over /openapi.json: every documented operation with generated input (a
bounded number of examples, one fixed seed) gets no 5xx, a documented status code, and
an answer that matches the documented schema."""

from __future__ import annotations

import pytest

schemathesis = pytest.importorskip("schemathesis")  # in the `test` extras

from hypothesis import HealthCheck, given, settings  # noqa: E402

from samad_desk.central.testing import Desk  # noqa: E402


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_openapi_operations_with_generated_input(server):
    desk = Desk(server, "agent1")
    schema = schemathesis.openapi.from_asgi("/openapi.json", server.app)
    from schemathesis.checks import not_a_server_error
    from schemathesis.specs.openapi.checks import (
        content_type_conformance,
        response_schema_conformance,
        status_code_conformance,
    )

    checks = [not_a_server_error, status_code_conformance, content_type_conformance,
              response_schema_conformance]
    for result in schema.get_all_operations():
        operation = result.ok()

        @settings(max_examples=20, deadline=None, derandomize=True, database=None,
                  suppress_health_check=list(HealthCheck))
        @given(case=operation.as_strategy())
        def run(case):
            # a valid token everywhere (public endpoints ignore it), so the input reaches the handler
            case.headers = {**(case.headers or {}), "Authorization": f"Bearer {desk.token}"}
            case.call_and_validate(checks=checks)

        run()
