"""HTTP API of portal."""

from ninja import Router

router = Router(tags=["portal"])
