"""HTTP API of reporting."""

from ninja import Router

router = Router(tags=["reporting"])
