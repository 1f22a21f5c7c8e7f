"""HTTP API of matching."""

from ninja import Router

router = Router(tags=["matching"])
