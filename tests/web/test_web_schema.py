"""API tests generated from the app's own OpenAPI schema (schemathesis): no input makes the server fail.

A few examples per operation keep this fast in CI; every endpoint and page in the schema is exercised,
including the POST (which must refuse: this app has no token). Hypothesis drives schemathesis' strategies
directly, one operation at a time, so the test does not depend on the pytest plugin's internals.
"""
from __future__ import annotations

import pytest

schemathesis = pytest.importorskip("schemathesis")
from hypothesis import HealthCheck, Phase, given, settings  # noqa: E402
from schemathesis.checks import not_a_server_error  # noqa: E402

EXAMPLES = 6


def _operations(app):
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    ops = []
    for result in schema.get_all_operations():
        ops.append(result.ok())
    return ops


def test_every_operation_is_generated(app):
    labels = {op.label for op in _operations(app)}
    assert "GET /api/stories/{story_id}/comparison" in labels
    assert "POST /api/articles" in labels
    assert "GET /stories" in labels


def _fuzz(operation, calls: dict[str, int]) -> None:
    label, method = operation.label, operation.method.upper()

    @given(case=operation.as_strategy())
    @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
              phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
    def run(case):
        response = case.call_and_validate(checks=[not_a_server_error])
        calls[label] = calls.get(label, 0) + 1
        if method == "POST":
            assert response.status_code in (401, 403, 413, 422)

    run()


def test_no_server_error(app):
    calls: dict[str, int] = {}
    for operation in _operations(app):
        _fuzz(operation, calls)
    assert len(calls) == len(_operations(app))
