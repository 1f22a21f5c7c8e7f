"""Query and form parameters of console pages, parsed in one place: numbers the database can
compare (a 64-bit signed integer), page numbers clamped to a reachable page."""

from __future__ import annotations

from django.http import HttpRequest

# PostgreSQL's bigint and SQLite's INTEGER: a larger id cannot exist and cannot even be
# compared (PostgreSQL answers "bigint out of range", SQLite raises OverflowError).
DB_INT_MAX = 2**63 - 1
# The deepest row a list page reaches (the API's offset has the same bound, core.api).
MAX_OFFSET = 10_000_000


def int_param(
    value: str | None, *, minimum: int = -DB_INT_MAX, maximum: int = DB_INT_MAX
) -> int | None:
    """An integer parameter, or None when it is missing, not a number or out of range (an id
    that cannot exist filters nothing, exactly as a malformed one)."""
    if value is None:
        return None
    text = value.strip()
    if not text or len(text) > 20:  # 20 characters hold any 64-bit integer; int() of a
        return None  # huge string is slow (CPython refuses past 4,300 digits anyway)
    try:
        number = int(text)
    except ValueError:
        return None
    if not minimum <= number <= maximum:
        return None
    return number


def page_param(request: HttpRequest, *, page_size: int, name: str = "page") -> int:
    """The 1-based page number of a list page: missing or malformed is the first page; past
    the deepest reachable page it is clamped there (that page is simply empty)."""
    last = MAX_OFFSET // page_size + 1
    text = (request.GET.get(name) or "").strip()
    if not (text.isascii() and text.isdigit()):
        return 1  # missing, negative or malformed
    if len(text) > len(str(last)):
        return last  # a huge page number: clamped without parsing thousands of digits
    return max(1, min(int(text), last))
