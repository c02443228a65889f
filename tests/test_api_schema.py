"""Schemathesis against /openapi.json: generated requests to every API operation, no 5xx.

Bounded (a few examples per operation, no shrinking) so it stays a test, not a soak, and
authenticated with a token carrying every scope so the requests reach the domain code.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, Phase, given, settings

from test_web_support import api_token, copy_template, settings_for
from test_web_support import seeded_template as seeded_template
from vetline.web import create_app
from vetline.web.deps import SCOPES

EXAMPLES = 5


def test_no_server_errors(
    sqlite_url: str, tmp_path: Path, seeded_template: tuple[Path, int]
) -> None:
    copy_template(seeded_template, sqlite_url)
    app = create_app(settings_for(sqlite_url, tmp_path / "data"))
    with TestClient(app) as c:
        auth = api_token(c, "sam", list(SCOPES))
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 20
    # revoking a token may hit our own: run it last so the other operations stay authenticated
    operations.sort(key=lambda op: op.method.upper() == "DELETE")
    statuses: list[int] = []

    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            database=None,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        def call(case: Any) -> None:
            response = case.call(headers=auth)
            statuses.append(response.status_code)
            assert response.status_code < 500, (
                f"{case.method} {case.formatted_path} -> {response.status_code}: "
                f"{response.text[:300]}"
            )

        call()
    # the run got past authentication: most answers are the domain's, not 401s
    assert sum(code != 401 for code in statuses) > len(statuses) * 0.7
