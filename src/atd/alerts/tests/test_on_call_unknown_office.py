"""An on-call list for an office that does not exist is 404, not a 500 from the foreign key
(found by schemathesis, issue 16)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from atd.testing.world import World


@pytest.mark.django_db
def test_on_call_list_for_an_unknown_office_is_not_found(world: World, client_for: Any) -> None:
    body = json.dumps({"user_ids": [world.user("admin").pk], "office_id": 999_999})
    response = client_for("admin").put("/api/alerts/on-call", body, content_type="application/json")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"
