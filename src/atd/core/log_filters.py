"""Logging filters: a refused request (403) is one line in the server log, not a traceback;
device credentials in a query string never reach the access log.

Django logs PermissionDenied on `django.request` with the exception attached; a role limit
doing its job is not an error, and a traceback per refusal buried the real ones."""

from __future__ import annotations

import logging
import re


class ForbiddenOneLine(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "status_code", None) == 403:
            record.exc_info = None
            record.exc_text = None
            record.stack_info = None
        return True


# Tracker apps put their credential in the query string: OsmAnd's `key`/`password`, and the
# `id` of an enrolled phone (its identifier is its key: Traccar Client can send nothing else).
_CREDENTIAL_PARAM = re.compile(r"([?&](?:id|deviceid|key|password)=)[^&#\s]*", re.IGNORECASE)


def query_credentials_redacted(path: str) -> str:
    return _CREDENTIAL_PARAM.sub(r"\1[redacted]", path)


class QueryCredentialsRedacted(logging.Filter):
    """For uvicorn's access log (`atd serve --access-log`): its record's args are (client,
    method, path with query, HTTP version, status)."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) >= 3 and isinstance(args[2], str):
            record.args = (*args[:2], query_credentials_redacted(args[2]), *args[3:])
        return True
