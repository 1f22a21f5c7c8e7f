"""HTTP API of supervision."""

from ninja import Router

router = Router(tags=["supervision"])
