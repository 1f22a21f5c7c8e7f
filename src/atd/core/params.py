"""Integers read from a page's query string or form: one parser, three named meanings.

A bad or missing value never raises: what it becomes is the caller's choice, and the name says
which one it made (an absent filter, a fallback the form validates, or page one)."""

from __future__ import annotations


def int_or_none(value: str | None) -> int | None:
    """An optional number, e.g. a filter by id: empty or not a number means no value."""
    try:
        return int(value) if value else None
    except ValueError:
        return None


def int_or(value: str | None, default: int) -> int:
    """A number with a fallback, e.g. a form field whose service rejects the fallback with a
    clear message (-1), or a setting with a usual value: empty or not a number gives `default`."""
    number = int_or_none(value)
    return default if number is None else number


def page_number(value: str | None) -> int:
    """A 1-based page number: missing, bad, zero or negative means the first page."""
    return max(int_or_none(value) or 1, 1)
