"""HTTP API of telemetry."""

from ninja import Router

router = Router(tags=["telemetry"])
