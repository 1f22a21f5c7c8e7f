"""Participants' display names opened from their sealed text, kept in this process by that text.

The fleet map names a whole office (~10,000 participants) every few seconds; opening 20,000
AES-GCM fields per poll was most of its time. The database still answers, on every poll and
through the caller's scoped query, which participants the caller may see and their sealed
names; only the opening is remembered, keyed by the sealed text itself:

- A renamed participant (by any path: a service, the shell, `atd crypto reencrypt`) has new
  ciphertext (a fresh random nonce each sealing), so the next poll misses and opens it: no
  invalidation hook and no TTL to get wrong, and every web process sees the change at once.
- Nothing crosses scopes: a name is found only from a ciphertext the caller's own scoped read
  returned, and a ciphertext belongs to one participant's one version of a name (a copy
  elsewhere would open to the same name, cache or not). Who is shown is decided by the
  database on every poll, never by the cache.
- Clear names stay in this process's memory, as they do during any request; nothing goes to a
  shared or external cache (the project configures none and keeps no personal data in one).
  The dict is bounded (ATD_NAME_CACHE_ENTRIES); when full the oldest entries are dropped.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from itertools import islice

from django.conf import settings

from atd.people.models import Participant
from atd.people.rules import participant_display_name

_lock = threading.Lock()  # writers only: readers use dict.get, atomic under the GIL
_opened: dict[tuple[str, str], str] = {}


def _capacity() -> int:
    return max(0, int(getattr(settings, "ATD_NAME_CACHE_ENTRIES", 50_000)))


def participant_names_open(rows: Iterable[tuple[int, str, str]]) -> dict[int, str]:
    """participant id -> display name, from (id, sealed first surname, sealed given names)
    rows the caller's scoped query returned; each sealed pair is opened once per process."""
    surname_field = Participant._meta.get_field("first_surname")
    given_field = Participant._meta.get_field("given_names")
    opened = _opened
    out: dict[int, str] = {}
    fresh: dict[tuple[str, str], str] = {}
    for pk, surname, given in rows:
        key = (surname or "", given or "")
        name = opened.get(key)
        if name is None:
            name = fresh.get(key)
        if name is None:
            # The fields' own reading, so the cache opens exactly what the ORM would (and a
            # value that does not open raises DecryptionError, as an uncached read does).
            name = participant_display_name(
                surname_field.from_db_value(key[0], None, None),  # type: ignore[attr-defined]
                given_field.from_db_value(key[1], None, None),  # type: ignore[attr-defined]
            )
            fresh[key] = name
        out[pk] = name
    if fresh:
        _remember(fresh)
    return out


def _remember(fresh: dict[tuple[str, str], str]) -> None:
    capacity = _capacity()
    if len(fresh) > capacity:  # one read bigger than the cache (an admin's whole map)
        fresh = dict(islice(fresh.items(), capacity))
    with _lock:
        overflow = len(_opened) + len(fresh) - capacity
        if overflow > 0:
            # Drop the oldest (insertion order), a quarter more than needed, so a full cache
            # is not trimmed on every poll.
            for key in list(islice(_opened, overflow + capacity // 4)):
                del _opened[key]
        _opened.update(fresh)


def name_cache_clear() -> None:
    """Forgets every opened name (tests; a key rotation needs none: new ciphertext misses)."""
    with _lock:
        _opened.clear()


def name_cache_size() -> int:
    return len(_opened)
