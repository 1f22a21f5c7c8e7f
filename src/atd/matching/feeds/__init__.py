"""Arrest/booking feed intake: decoding files and requests, importing records idempotently."""
