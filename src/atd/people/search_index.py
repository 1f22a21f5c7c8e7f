"""Keyed search tokens of a participant (ADR 0021): names and A-numbers are encrypted at rest,
so the console's search by name or A-number compares blind indexes instead of text.

A participant's `search_tokens` holds the HMAC of every prefix (3 to 20 characters) of every
folded word of their names and aliases, the HMAC of the A-number and of its last 4 to 8 digits.
A query matches when each of its words is one of those prefixes (so "gar" finds García, "arci"
no longer does), or when its digits are the whole A-number or its last 4 to 8 digits."""

from __future__ import annotations

from collections.abc import Iterable

from atd.core.fieldcrypt import blind_index
from atd.people.rules import text_fold

PREFIX_MIN = 3
PREFIX_MAX = 20
NAME = "name-prefix"
A_NUMBER = "a-number"
A_NUMBER_LAST4 = "a-number-suffix"


def _prefixes(word: str) -> list[str]:
    word = word[:PREFIX_MAX]
    if len(word) < PREFIX_MIN:
        return [word]
    return [word[:n] for n in range(PREFIX_MIN, len(word) + 1)]


def participant_search_tokens(
    given_names: str,
    first_surname: str,
    second_surname: str,
    aliases: Iterable[str] = (),
    *,
    a_number: str = "",
) -> str:
    words = text_fold(" ".join([given_names, first_surname, second_surname, *aliases])).split()
    tokens = sorted(
        {blind_index(p, kind=NAME) for w in words for p in _prefixes(w)}
        | ({blind_index(a_number, kind=A_NUMBER)} if a_number else set())
        | {blind_index(a_number[-k:], kind=A_NUMBER_LAST4) for k in range(4, min(len(a_number), 9))}
    )
    return f" {' '.join(tokens)} " if tokens else ""


def name_needles(q: str) -> list[str]:
    """The tokens a search text's words must all be among (empty: no name condition)."""
    return [f" {blind_index(w[:PREFIX_MAX], kind=NAME)} " for w in text_fold(q).split()][:8]


def a_number_needle(q: str) -> str:
    """The token of a search text's digits: the whole A-number (9 digits) or its last 4 to 8."""
    digits = "".join(c for c in q if c.isdigit())
    if len(digits) == 9:
        return f" {blind_index(digits, kind=A_NUMBER)} "
    if 4 <= len(digits) <= 8:
        return f" {blind_index(digits, kind=A_NUMBER_LAST4)} "
    return ""
