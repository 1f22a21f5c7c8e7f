"""Reads of matching: the linkage read model over people's tables, batches, the review queue.

The review queue is records analysts' work: they see only what a decision needs (names as
recorded, dates of birth, booking facts, the model's explanation), never the rest of a
participant's record. Every read of a candidate is audited.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.db import connection
from django.db.models import QuerySet

from atd.core.audit import audit_record
from atd.core.errors import NotFound
from atd.core.roles import Role
from atd.core.scope import Scope
from atd.matching.choices import CandidateStatus
from atd.matching.models import BookingRecord, FeedBatch, LinkageModel, MatchCandidate

QUEUE_ROLES = (Role.RECORDS_ANALYST, Role.ADMIN)
BATCH_ROLES = (Role.RECORDS_ANALYST, Role.SUPERVISOR, Role.ADMIN, Role.INTEGRATION)


# --- the linkage read model ------------------------------------------------------------
#
# READ MODEL FOR LINKAGE. Linkage needs every active participant's names, date of birth, sex,
# current address and aliases as plain rows, millions at a time; people.selectors has no such
# read, and matching may not import people.models. This is the one place that reads people's
# tables, with raw SQL over people_participant / people_alias / people_address / people_case.
# At merge it can move to people.selectors unchanged (it returns plain rows, no models).


@dataclass(frozen=True)
class AliasRow:
    alias_id: int
    given_names: str
    first_surname: str
    second_surname: str
    date_of_birth: date | None


@dataclass(frozen=True)
class ParticipantLinkRow:
    participant_id: int
    given_names: str
    first_surname: str
    second_surname: str
    date_of_birth: date | None
    sex: str
    postal_code: str
    city: str
    street: str
    aliases: tuple[AliasRow, ...]


def _marks(values: list[Any]) -> str:
    """Parameter placeholders only: values always travel as query parameters."""
    return ", ".join(["%s"] * len(values))


def _as_date(value: Any) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def participants_for_linkage(
    *,
    participant_ids: list[int] | None = None,
    after_id: int | None = None,
    active_only: bool = True,
) -> list[ParticipantLinkRow]:
    """Active participants (an open case) with current address and aliases, as plain rows.
    `after_id` reads only participants created after a cursor (the enrollment catch-up)."""
    where = ["1=1"]
    params: list[Any] = [True]
    if active_only:
        where.append(
            "EXISTS (SELECT 1 FROM people_case c WHERE c.participant_id = p.id "
            "AND c.status <> 'closed')"
        )
    if after_id is not None:
        where.append("p.id > %s")
        params.append(after_id)
    if participant_ids is not None:
        if not participant_ids:
            return []
        where.append("p.id IN ({marks})".replace("{marks}", _marks(participant_ids)))
        params.extend(participant_ids)
    sql = (
        "SELECT p.id, p.given_names, p.first_surname, p.second_surname, p.date_of_birth, "
        "p.sex, a.postal_code, a.city, a.line1 "
        "FROM people_participant p "
        "LEFT JOIN people_address a ON a.participant_id = p.id AND a.is_current = %s "
        "WHERE {where} ORDER BY p.id"
    ).replace("{where}", " AND ".join(where))
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        people = cursor.fetchall()
        ids = [row[0] for row in people]
        aliases: dict[int, list[AliasRow]] = {}
        for start in range(0, len(ids), 900):
            chunk = ids[start : start + 900]
            cursor.execute(
                "SELECT al.id, al.participant_id, al.given_names, al.first_surname, "
                "al.second_surname, al.date_of_birth FROM people_alias al "
                "WHERE al.participant_id IN ({marks})".replace("{marks}", _marks(chunk)),
                chunk,
            )
            for alias_id, pid, given, first, second, dob in cursor.fetchall():
                aliases.setdefault(pid, []).append(
                    AliasRow(alias_id, given, first, second or "", _as_date(dob))
                )
    return [
        ParticipantLinkRow(
            participant_id=pid,
            given_names=given,
            first_surname=first,
            second_surname=second or "",
            date_of_birth=_as_date(dob),
            sex=sex or "",
            postal_code=postal or "",
            city=city or "",
            street=street or "",
            aliases=tuple(aliases.get(pid, ())),
        )
        for pid, given, first, second, dob, sex, postal, city, street in people
    ]


def participant_max_id() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT COALESCE(MAX(id), 0) FROM people_participant")
        return int(cursor.fetchone()[0])


def participant_dob(participant_id: int) -> date | None:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT date_of_birth FROM people_participant WHERE id = %s", [participant_id]
        )
        row = cursor.fetchone()
    return _as_date(row[0]) if row else None


def alias_dob(alias_id: int | None) -> date | None:
    if alias_id is None:
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT date_of_birth FROM people_alias WHERE id = %s", [alias_id])
        row = cursor.fetchone()
    return _as_date(row[0]) if row else None


def participant_names(participant_ids: list[int]) -> dict[int, dict[str, Any]]:
    """Name and date of birth only: what the review queue shows of a participant."""
    if not participant_ids:
        return {}
    out: dict[int, dict[str, Any]] = {}
    with connection.cursor() as cursor:
        for start in range(0, len(participant_ids), 900):
            chunk = participant_ids[start : start + 900]
            cursor.execute(
                "SELECT id, given_names, first_surname, second_surname, date_of_birth, sex "
                "FROM people_participant WHERE id IN ({marks})".replace("{marks}", _marks(chunk)),
                chunk,
            )
            for pid, given, first, second, dob, sex in cursor.fetchall():
                out[pid] = {
                    "given_names": given,
                    "surnames": " ".join(s for s in (first, second) if s),
                    "date_of_birth": _as_date(dob),
                    "sex": sex,
                }
    return out


def alias_names(alias_ids: list[int]) -> dict[int, str]:
    if not alias_ids:
        return {}
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id, given_names, first_surname, second_surname FROM people_alias "
            "WHERE id IN ({marks})".replace("{marks}", _marks(alias_ids)),
            alias_ids,
        )
        return {aid: " ".join(p for p in (g, f, s) if p) for aid, g, f, s in cursor.fetchall()}


# --- feeds ------------------------------------------------------------------------------


def feed_batch_get(*, scope: Scope, batch_id: int) -> FeedBatch:
    """Counts and row errors (row, field, reason: no personal values)."""
    if scope.role not in BATCH_ROLES:
        raise NotFound()
    batch = FeedBatch.objects.filter(pk=batch_id).first()
    if batch is None:
        raise NotFound()
    return batch


def feed_batch_list(*, scope: Scope, limit: int = 50) -> list[FeedBatch]:
    if scope.role not in BATCH_ROLES:
        return []
    return list(FeedBatch.objects.order_by("-received_at", "-pk")[:limit])


def bookings_unlinked_batches() -> QuerySet[FeedBatch]:
    return FeedBatch.objects.filter(linked_at__isnull=True).order_by("pk")


def bookings_for_linkage(
    *, batch_ids: list[int] | None = None, received_since: datetime | None = None
) -> QuerySet[BookingRecord]:
    qs = BookingRecord.objects.all()
    if batch_ids is not None:
        qs = qs.filter(batch_id__in=batch_ids)
    if received_since is not None:
        qs = qs.filter(received_at__gte=received_since)
    return qs.order_by("pk")


def linkage_model_active() -> LinkageModel | None:
    return LinkageModel.objects.filter(is_active=True).first()


# --- the review queue ---------------------------------------------------------------------


@dataclass(frozen=True)
class QueueItem:
    candidate: MatchCandidate
    participant: dict[str, Any]
    alias_name: str


def _candidates_in_scope(scope: Scope) -> QuerySet[MatchCandidate]:
    if scope.role not in QUEUE_ROLES:
        return MatchCandidate.objects.none()
    return MatchCandidate.objects.select_related("booking")


def review_queue_read(
    *, scope: Scope, actor: Any, status: str = CandidateStatus.PENDING, limit: int = 100
) -> list[QueueItem]:
    """Candidates to decide, most probable first; the ids shown are audited."""
    scope.require(*QUEUE_ROLES)
    rows = list(
        _candidates_in_scope(scope).filter(status=status).order_by("-probability", "pk")[:limit]
    )
    items = _queue_items(rows)
    audit_record(
        actor=actor,
        action="matching.queue_read",
        object_type="match_candidate",
        object_ids=[c.pk for c in rows],
        reason=f"status={status}",
    )
    return items


def candidate_detail_read(*, scope: Scope, actor: Any, candidate_id: int) -> QueueItem:
    candidate = _candidates_in_scope(scope).filter(pk=candidate_id).first()
    audit_record(
        actor=actor,
        action="matching.candidate_read",
        object_type="match_candidate",
        object_ids=[candidate_id],
        outcome="ok" if candidate else "not_found",
    )
    if candidate is None:
        raise NotFound()
    return _queue_items([candidate])[0]


def _queue_items(rows: list[MatchCandidate]) -> list[QueueItem]:
    people = participant_names(sorted({c.participant_id for c in rows}))
    aliases = alias_names(sorted({c.alias_id for c in rows if c.alias_id}))
    return [
        QueueItem(
            candidate=c,
            participant=people.get(c.participant_id, {}),
            alias_name=aliases.get(c.alias_id or -1, ""),
        )
        for c in rows
    ]


def queue_counts(scope: Scope) -> dict[str, int]:
    if scope.role not in QUEUE_ROLES:
        return {}
    from django.db.models import Count

    rows = MatchCandidate.objects.values("status").annotate(n=Count("id"))
    return {r["status"]: r["n"] for r in rows}


def fingerprints_known_for(participant_id: int) -> set[str]:
    """Fingerprint identifiers of bookings already confirmed as this participant."""
    return set(
        MatchCandidate.objects.filter(
            participant_id=participant_id, status=CandidateStatus.CONFIRMED
        )
        .exclude(booking__fingerprint_id="")
        .values_list("booking__fingerprint_id", flat=True)
    )
