"""HTTP API of devices."""

from ninja import Router

router = Router(tags=["devices"])
