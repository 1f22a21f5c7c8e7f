"""HTTP API of court."""

from ninja import Router

router = Router(tags=["court"])
