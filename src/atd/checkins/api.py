"""HTTP API of checkins."""

from ninja import Router

router = Router(tags=["checkins"])
