"""schemathesis against /openapi.json: no 5xx, and every response matches the schema.

Bounded: a few generated requests per operation, sent anonymously and as an archivist. (The
schemathesis pytest plugin's lazy fixture loader does not work with pytest 9, so the operations
are walked here and each is given to Hypothesis.)"""

from __future__ import annotations

import schemathesis
from hypothesis import HealthCheck, given, settings

from api import create_app
from tests.api.conftest import Archive, Keys

MAX_EXAMPLES = 10


def test_every_operation_keeps_its_schema(archive: Archive, keys: Keys) -> None:
    schema = schemathesis.openapi.from_asgi("/openapi.json", create_app(archive.settings))
    operations = [result.ok() for result in schema.get_all_operations()]
    assert {f"{op.method.upper()} {op.path}" for op in operations} >= {
        "GET /search",
        "GET /records/{record_id}",
        "GET /records/{record_id}/text",
        "GET /records/{record_id}/pages/{number}",
        "GET /records/{record_id}/pdf",
        "GET /records/{record_id}/original",
        "GET /review",
        "POST /review/{record_id}",
        "GET /restricted",
        "GET /health",
        "GET /metrics",
        "GET /whoami",
    }
    for operation in operations:

        @settings(
            max_examples=MAX_EXAMPLES, deadline=None, database=None, suppress_health_check=list(HealthCheck)
        )
        @given(case=operation.as_strategy())
        def check(case: schemathesis.Case) -> None:
            case.call_and_validate()
            case.call_and_validate(headers={"X-API-Key": keys.archivist})

        check()
