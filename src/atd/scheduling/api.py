"""HTTP API of scheduling."""

from ninja import Router

router = Router(tags=["scheduling"])
