"""The one NinjaAPI instance: every app's router mounted under /api/."""

from __future__ import annotations

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

api = NinjaAPI(
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
