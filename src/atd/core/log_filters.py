"""Logging filters: a refused request (403) is one line in the server log, not a traceback.

Django logs PermissionDenied on `django.request` with the exception attached; a role limit
doing its job is not an error, and a traceback per refusal buried the real ones."""

from __future__ import annotations

import logging


class ForbiddenOneLine(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "status_code", None) == 403:
            record.exc_info = None
            record.exc_text = None
            record.stack_info = None
        return True
