"""Query and form parameters of console pages, parsed in one place: numbers the database can
compare (a 64-bit signed integer), page numbers clamped to a reachable page.

A bad or missing value never raises: what it becomes is the caller's choice, and the name says
which one it made (an absent filter, a fallback the form validates, or page one)."""

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


def int_or_none(value: str | None) -> int | None:
    """An optional number, e.g. a filter by id: empty, not a number or out of the database's
    range means no value."""
    return int_param(value)


def int_or(value: str | None, default: int) -> int:
    """A number with a fallback, e.g. a form field whose service rejects the fallback with a
    clear message (-1), or a setting with a usual value: empty or not a number gives `default`."""
    number = int_param(value)
    return default if number is None else number


def page_number(value: str | None, *, page_size: int = 50) -> int:
    """A 1-based page number: missing, bad, zero or negative means the first page; past the
    deepest reachable page it is clamped there (that page is simply empty)."""
    last = MAX_OFFSET // page_size + 1
    text = (value or "").strip()
    if not (text.isascii() and text.isdigit()):
        return 1  # missing, negative or malformed
    if len(text) > len(str(last)):
        return last  # a huge page number: clamped without parsing thousands of digits
    return max(1, min(int(text), last))


def page_param(request: HttpRequest, *, page_size: int, name: str = "page") -> int:
    """The page number of a list page from its query string (see `page_number`)."""
    return page_number(request.GET.get(name), page_size=page_size)
