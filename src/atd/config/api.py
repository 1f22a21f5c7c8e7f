"""The one NinjaAPI instance: every app's router mounted under /api/."""

from __future__ import annotations

from typing import Any

from ninja import NinjaAPI

from atd.alerts.api import router as alerts_router
from atd.checkins.api import router as checkins_router
from atd.core.api import api_key_auth, install_problem_handlers, session_auth
from atd.core.audit_api import router as audit_router
from atd.court.api import router as court_router
from atd.devices.api import router as devices_router
from atd.matching.api import router as matching_router
from atd.people.api import intake_router, me_router
from atd.people.api import router as people_router
from atd.portal.api import router as portal_router
from atd.reporting.api import router as reporting_router
from atd.reviews.api import router as reviews_router
from atd.scheduling.api import router as scheduling_router
from atd.supervision.api import router as supervision_router
from atd.telemetry.api import router as telemetry_router


class AtdNinjaAPI(NinjaAPI):
    """Documents the problem+json error responses every operation can give."""

    def get_openapi_schema(self, *args: Any, **kwargs: Any) -> Any:
        schema = super().get_openapi_schema(*args, **kwargs)
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        components["Problem"] = PROBLEM_SCHEMA
        problem = {
            "description": "RFC 9457 problem details",
            "content": {
                "application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}
            },
        }
        _time_without_offset(schema)
        for operations in schema["paths"].values():
            for operation in operations.values():
                responses = operation.setdefault("responses", {})
                for code in ("401", "403", "404", "409", "413", "422", "429"):
                    responses.setdefault(code, problem)
                responses.setdefault("400", problem)
        return schema


TIME_PATTERN = r"^([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9](\.[0-9]+)?)?$"


def _time_without_offset(node: Any) -> None:
    """Times of day (office hours, curfews) are local wall-clock times without an offset;
    JSON Schema's "time" format demands one, so they are described by a pattern instead."""
    if isinstance(node, dict):
        if node.get("format") == "time" and node.get("type") == "string":
            del node["format"]
            node["pattern"] = TIME_PATTERN
        for value in node.values():
            _time_without_offset(value)
    elif isinstance(node, list):
        for value in node:
            _time_without_offset(value)


PROBLEM_SCHEMA = {
    "type": "object",
    "required": ["type", "title", "status"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "instance": {"type": "string"},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["field", "reason"],
                "properties": {
                    "field": {"type": "string"},
                    "reason": {"type": "string"},
                    "row": {"type": "integer"},
                },
            },
        },
    },
}

api = AtdNinjaAPI(
    title="atd API",
    version="1",
    description="Alternatives to Detention: case management and electronic monitoring. "
    "Errors are RFC 9457 problem+json; lists are paginated (limit/offset).",
    urls_namespace="api",
    auth=[session_auth, api_key_auth],
)
install_problem_handlers(api)

api.add_router("/me", me_router)
api.add_router("/people", people_router)
api.add_router("/intake", intake_router)
api.add_router("/audit", audit_router)
api.add_router("/court", court_router)
api.add_router("/supervision", supervision_router)
api.add_router("/devices", devices_router)
api.add_router("/telemetry", telemetry_router)
api.add_router("/checkins", checkins_router)
api.add_router("/scheduling", scheduling_router)
api.add_router("/alerts", alerts_router)
api.add_router("/matching", matching_router)
api.add_router("/reviews", reviews_router)
api.add_router("/reporting", reporting_router)
api.add_router("/portal", portal_router)
