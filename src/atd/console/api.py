"""HTTP API of console."""

from ninja import Router

router = Router(tags=["console"])
