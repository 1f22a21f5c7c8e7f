"""Reads of people and cases. Each applies the caller's scope; reads of personal data are
audited by the functions named `*_read` (the unaudited `*_in_scope` ones are for services)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.db.models import (
    Count,
    Exists,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    TextField,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import Cast

from atd.core.audit import audit_record, read_one_audited
from atd.core.errors import NotFound
from atd.core.fieldcrypt import blind_index
from atd.core.roles import CASELOAD_ROLES, Role
from atd.core.scope import Scope

# The linkage_read and report_read names below are published with the selectors: the read
# models other contexts run in bulk (matching's linkage reads, reporting's case reads and SQL
# fragments). Those modules themselves are private to people (import-linter).
from atd.people.linkage_read import (  # noqa: F401
    AliasRow,
    ParticipantLinkRow,
    alias_dob,
    alias_names,
    participant_dob,
    participant_max_id,
    participant_names,
    participants_for_linkage,
)
from atd.people.models import (
    Address,
    AddressFlag,
    Case,
    IntakeBatch,
    LocateAttempt,
    LocateReferral,
    Office,
    Participant,
    PhoneChange,
)
from atd.people.name_cache import participant_names_open
from atd.people.report_read import (  # noqa: F401
    case_history_marks,
    case_ids_all,
    case_ids_changed,
    case_office_at_sql,
    case_report_rows,
    case_status_at_sql,
    participant_a_number_join_sql,
    participant_a_number_open,
)

# at_large_findings is published with the selectors: the pure rule the at-large job (in the
# console, which reads the event sources) asks whether a case should be proposed at large.
from atd.people.rules import at_large_findings, text_fold  # noqa: F401
from atd.people.search_index import a_number_needle, name_needles
from atd.people.types import CaseRouting


def case_queryset_in_scope(scope: Scope) -> QuerySet[Case]:
    if not scope.sees_cases:
        return Case.objects.none()
    return Case.objects.filter(scope.case_q())


def participant_queryset_in_scope(scope: Scope) -> QuerySet[Participant]:
    """Participants with at least one case the caller may see. Other apps use
    `participant_ids_in_scope` to filter their own tables by participant."""
    if scope.role == Role.PARTICIPANT:
        return Participant.objects.filter(pk=scope.participant_id or -1)
    if scope.role == Role.ADMIN:
        return Participant.objects.all()
    if not scope.sees_cases:
        return Participant.objects.none()
    visible = Case.objects.filter(participant=OuterRef("pk")).filter(scope.case_q())
    return Participant.objects.filter(Exists(visible))


def participant_ids_in_scope(scope: Scope) -> QuerySet[Any]:
    """A subquery of visible participant ids, for `filter(participant_id__in=...)` elsewhere."""
    return participant_queryset_in_scope(scope).values("pk")


def participant_ids_in_scope_by_case(scope: Scope) -> QuerySet[Any]:
    """The same ids as `participant_ids_in_scope`, read from the visible cases alone (no
    participant row is touched; an id may repeat, which `__in` ignores): for bulk reads that
    filter their own table by participant, such as the fleet map's 10,000 last positions,
    where the participant table's scan was a third of the query."""
    if scope.role in (Role.PARTICIPANT, Role.ADMIN) or not scope.sees_cases:
        return participant_ids_in_scope(scope)
    return Case.objects.filter(scope.case_q()).values("participant_id")


def participant_get_in_scope(*, scope: Scope, participant_id: int) -> Participant:
    participant = participant_queryset_in_scope(scope).filter(pk=participant_id).first()
    if participant is None:
        raise NotFound()
    return participant


def participant_preferred_language(*, participant_id: int) -> str:
    """The language a participant asked to be written to in (a code such as "es"); "" if none."""
    value = (
        Participant.objects.filter(pk=participant_id)
        .values_list("preferred_language", flat=True)
        .first()
    )
    return value or ""


def case_get_in_scope(*, scope: Scope, case_id: int, for_update: bool = False) -> Case:
    qs = case_queryset_in_scope(scope).filter(pk=case_id)
    if for_update:
        qs = qs.select_for_update()
    case = qs.first()
    if case is None:
        raise NotFound()
    return case


def case_office_timezones(case_ids: set[int] | list[int]) -> dict[int, str]:
    """case id -> its office's time zone name (for times told to the participant)."""
    ids = sorted(set(case_ids))
    out: dict[int, str] = {}
    for start in range(0, len(ids), 900):
        out.update(
            Case.objects.filter(pk__in=ids[start : start + 900]).values_list(
                "pk", "office__timezone"
            )
        )
    return out


def participant_exists_in_scope(*, scope: Scope, participant_id: int) -> bool:
    return participant_queryset_in_scope(scope).filter(pk=participant_id).exists()


@dataclass(frozen=True)
class ParticipantFilters:
    q: str = ""
    office_id: int | None = None
    officer_id: int | None = None
    status: str = ""
    flag: str = ""


def participant_list_read(
    *, scope: Scope, actor: Any, filters: ParticipantFilters, offset: int, limit: int
) -> tuple[list[Participant], int]:
    """One page of the caller's caseload; the ids shown are audited."""
    qs = participant_queryset_in_scope(scope)
    if filters.q:
        qs = qs.filter(_search_condition(filters.q))
    case_filter = Q()
    if filters.office_id:
        case_filter &= Q(office_id=filters.office_id)
    if filters.officer_id:
        case_filter &= Q(officer_id=filters.officer_id)
    if filters.status:
        case_filter &= Q(status=filters.status)
    if case_filter:
        cases = (
            Case.objects.filter(participant=OuterRef("pk"))
            .filter(case_filter)
            .filter(scope.case_q())
        )
        qs = qs.filter(Exists(cases))
    if filters.flag:
        flagged = AddressFlag.objects.filter(
            address__participant=OuterRef("pk"),
            address__is_current=True,
            kind=filters.flag,
            cleared_at__isnull=True,
        )
        qs = qs.filter(Exists(flagged))
    total = qs.count()
    page_ids = _page_ids_by_name(qs, total=total, offset=offset, limit=limit)
    found = {
        p.pk: p
        for p in Participant.objects.filter(pk__in=page_ids).prefetch_related(
            Prefetch(
                "cases",
                queryset=Case.objects.select_related("office", "officer").order_by("-release_date"),
            ),
            Prefetch(
                "addresses",
                queryset=Address.objects.filter(is_current=True).prefetch_related("flags"),
            ),
        )
    }
    page = [found[i] for i in page_ids if i in found]
    audit_record(
        actor=actor,
        action="participant.list",
        object_type="participant",
        object_ids=[p.pk for p in page],
        reason=f"caseload page offset={offset}",
    )
    return page, total


# Names are encrypted (ADR 0021), so the database cannot sort by them: up to this many
# matching participants are sorted by name in Python (two names decrypted per row); a larger
# list (an admin's whole program, unfiltered) is paged in enrolment order.
NAME_SORT_LIMIT = 5000


def _search_condition(q: str) -> Q:
    """Each word of `q` is a prefix of a name word, or its digits are the A-number or its last
    four digits (blind tokens, people.search_index)."""
    needles = name_needles(q)
    condition = Q(pk__in=[])
    if needles:
        words = Q()
        for needle in needles:
            words &= Q(search_tokens__contains=needle)
        condition = words
    digits_needle = a_number_needle(q)
    if digits_needle:
        condition |= Q(search_tokens__contains=digits_needle)
    return condition


def _page_ids_by_name(qs: QuerySet[Any], *, total: int, offset: int, limit: int) -> list[int]:
    if total > NAME_SORT_LIMIT:
        return list(qs.order_by("pk").values_list("pk", flat=True)[offset : offset + limit])
    rows = qs.values_list("pk", "first_surname", "given_names")
    ordered = sorted(rows, key=lambda r: (r[1].casefold(), r[2].casefold(), r[0]))
    return [pk for pk, _, _ in ordered[offset : offset + limit]]


def participant_detail_read(
    *, scope: Scope, actor: Any, participant_id: int, reason: str = ""
) -> Participant:
    """The whole record of one participant; every call is audited."""
    return read_one_audited(
        participant_queryset_in_scope(scope).prefetch_related(
            "aliases",
            Prefetch(
                "addresses",
                queryset=Address.objects.order_by("-valid_from").prefetch_related("flags"),
            ),
            Prefetch("phone_changes", queryset=PhoneChange.objects.order_by("-changed_at")),
            Prefetch(
                "cases",
                queryset=Case.objects.select_related("office", "officer")
                .prefetch_related("status_changes", "assignments")
                .order_by("-release_date"),
            ),
        ),
        pk=participant_id,
        actor=actor,
        action="participant.read",
        object_type="participant",
        reason=reason,
    )


def case_detail_read(*, scope: Scope, actor: Any, case_id: int) -> Case:
    return read_one_audited(
        case_queryset_in_scope(scope)
        .select_related("office", "officer", "participant")
        .prefetch_related("status_changes", "assignments"),
        pk=case_id,
        actor=actor,
        action="case.read",
        object_type="case",
    )


def office_list() -> QuerySet[Office]:
    return Office.objects.order_by("name")


def officer_list_for(scope: Scope) -> QuerySet[Any]:
    """Officers a supervisor may assign to (own office) or an admin (all)."""
    from django.contrib.auth import get_user_model

    users = get_user_model().objects.filter(role__in=list(CASELOAD_ROLES), is_active=True)
    if scope.role == Role.SUPERVISOR:
        return users.filter(office_id=scope.office_id or -1).order_by("last_name", "first_name")
    if scope.role == Role.ADMIN:
        return users.order_by("last_name", "first_name")
    return users.filter(pk=scope.user_id or -1)


def caseload_counts(scope: Scope) -> dict[str, int]:
    rows = case_queryset_in_scope(scope).values("status").annotate(n=Count("id"))
    return {row["status"]: row["n"] for row in rows}


def address_flag_counts(scope: Scope) -> dict[str, int]:
    """Open flags on current addresses of visible participants, by kind (reportable)."""
    rows = (
        AddressFlag.objects.filter(
            cleared_at__isnull=True,
            address__is_current=True,
            address__participant__in=participant_ids_in_scope(scope),
        )
        .values("kind")
        .annotate(n=Count("id"))
    )
    return {row["kind"]: row["n"] for row in rows}


def intake_batch_get(*, scope: Scope, batch_id: int) -> IntakeBatch:
    """Batch counts and row errors (row, field, reason: no personal values)."""
    if scope.role not in {Role.RECORDS_ANALYST, Role.ADMIN, Role.SUPERVISOR, Role.INTEGRATION}:
        raise NotFound()
    batch = IntakeBatch.objects.filter(pk=batch_id).first()
    if batch is None:
        raise NotFound()
    return batch


def intake_batch_list(*, scope: Scope, limit: int = 50) -> list[IntakeBatch]:
    if scope.role not in {Role.RECORDS_ANALYST, Role.ADMIN, Role.SUPERVISOR}:
        return []
    return list(IntakeBatch.objects.order_by("-received_at")[:limit])


def case_routing_for_participants(
    participant_ids: set[int] | list[int],
) -> dict[int, CaseRouting]:
    """participant id -> where their alerts and tasks go (open case, its office and officer).
    A participant with no open case routes to their latest case."""
    out: dict[int, CaseRouting] = {}
    ids = sorted(set(participant_ids))
    for start in range(0, len(ids), 900):
        rows = (
            Case.objects.filter(participant_id__in=ids[start : start + 900])
            .order_by("participant_id", "closed_at", "-release_date")
            .values_list("participant_id", "id", "office_id", "officer_id", "status")
        )
        for pid, case_id, office_id, officer_id, status in rows:
            route = CaseRouting(case_id=case_id, office_id=office_id, officer_id=officer_id)
            if status != "closed":
                out[pid] = route
            else:
                out.setdefault(pid, route)
    return out


def participant_ids_unknown(participant_ids: Any) -> list[int]:
    """The ids among `participant_ids` that name no participant (sorted): the bulk check
    for tables whose participant key has no database constraint (scheduling's appointments,
    ADR 0010). On PostgreSQL one indexed count over an array parameter answers the usual
    case (all known); the ids are listed only when some are missing."""
    ids = sorted({int(i) for i in participant_ids})
    if not ids:
        return []
    if connection.vendor == "postgresql":
        table = connection.ops.quote_name(Participant._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT count(*) FROM {table} WHERE id = ANY(%s::bigint[])",  # noqa: S608
                [ids],
            )
            (found,) = cursor.fetchone()
        if found == len(ids):
            return []
    known: set[int] = set()
    for start in range(0, len(ids), 10_000):
        chunk = ids[start : start + 10_000]
        known.update(Participant.objects.filter(pk__in=chunk).values_list("pk", flat=True))
    return [i for i in ids if i not in known]


@dataclass(frozen=True)
class ParticipantLabel:
    id: int
    name: str  # "Surname, Given names"
    a_number: str


def participant_labels_in_scope(
    *, scope: Scope, participant_ids: Iterable[Any]
) -> dict[int, ParticipantLabel]:
    """Names and A-numbers of the given participants the caller may see (others are left
    out). The caller audits the ids it shows."""
    ids = sorted({int(i) for i in participant_ids})
    out: dict[int, ParticipantLabel] = {}
    qs = participant_queryset_in_scope(scope)
    for chunk in _pk_filters(ids):
        rows = qs.filter(chunk).values_list("pk", "first_surname", "given_names", "a_number")
        for pk, surname, given, a_number in rows:
            out[pk] = ParticipantLabel(pk, f"{surname}, {given}", a_number)
    return out


def participant_names_in_scope(scope: Scope) -> dict[int, str]:
    """participant id -> "Surname, Given names" of every participant the caller may see, in
    one query: the lean form of `participant_labels_in_scope` for a whole office's map (no list
    of 10,000 ids to send). The names are sealed at rest (ADR 0021): the scoped query reads
    the sealed text (every poll: who is shown is the database's answer) and each sealed name
    is opened once per process (people.name_cache, keyed by the ciphertext, so a rename shows
    on the next poll). The caller audits the ids it shows."""
    sealed = participant_queryset_in_scope(scope).values_list(
        "pk",
        Cast("first_surname", output_field=TextField()),  # the stored text, not opened
        Cast("given_names", output_field=TextField()),
    )
    return participant_names_open(sealed)


def _pk_filters(ids: list[int]) -> Iterable[Q]:
    """`pk IN ids` as few queries as the backend allows: one array parameter on PostgreSQL (a
    supervisor's fleet map names 10,000 participants: 12 lists of 900 placeholders cost more to
    build than to run), lists of 900 on SQLite (its parameter limit)."""
    if not ids:
        return
    if connection.vendor == "postgresql":
        yield Q(pk__in=RawSQL("SELECT unnest(%s::bigint[])", (ids,)))
        return
    for start in range(0, len(ids), 900):
        yield Q(pk__in=ids[start : start + 900])


def participant_id_for_a_number(*, scope: Scope, a_number: str) -> int | None:
    """The visible participant with this A-number (digits only, 'A' and dashes ignored)."""
    digits = "".join(ch for ch in a_number if ch.isdigit())
    if len(digits) != 9:
        return None
    return (
        participant_queryset_in_scope(scope)
        .filter(a_number_index=blind_index(digits, kind="a-number"))
        .values_list("pk", flat=True)
        .first()
    )


def participant_ids_matching(scope: Scope, q: str) -> QuerySet[Any]:
    """A subquery of visible participant ids whose names have each word of `q` as a prefix of
    a word (accents and case folded), or whose A-number is `q`'s digits or ends with them (four
    digits): the alert queue's text search (blind tokens, ADR 0021)."""
    return participant_queryset_in_scope(scope).filter(_search_condition(q)).values("pk")


def address_flag_labels() -> dict[str, str]:
    """Address flag codes and their words ("missing_unit" -> "Missing unit number ...")."""
    return dict(AddressFlag.Kind.choices)


def participant_timezones(participant_ids: set[int] | list[int]) -> dict[int, str]:
    """participant id -> the time zone of their case's office (the open case, else the latest):
    the zone their quiet hours and reminder times are read in."""
    routes = case_routing_for_participants(participant_ids)
    zones = dict(
        Office.objects.filter(pk__in={r.office_id for r in routes.values()}).values_list(
            "pk", "timezone"
        )
    )
    return {pid: zones.get(r.office_id, "UTC") for pid, r in routes.items()}


# --- at large and locate referrals (issue 19) ----------------------------------------------


@dataclass(frozen=True)
class OpenCaseContact:
    """An open case as the at-large job sees it: the moments that count as contact."""

    case_id: int
    participant_id: int
    status: str
    opened_at: Any
    last_status_at: Any  # the latest status change (a reopening or activation is contact)


def case_open_contacts() -> list[OpenCaseContact]:
    """Every open case not yet at large (the platform's own read, for the at-large job)."""
    from django.db.models import Max

    rows = (
        Case.objects.filter(status__in=["pending_first_report", "active"])
        .annotate(last_change=Max("status_changes__at"))
        .values_list("pk", "participant_id", "status", "opened_at", "last_change")
        .order_by("pk")
    )
    return [
        OpenCaseContact(
            case_id=pk, participant_id=pid, status=status, opened_at=opened, last_status_at=last
        )
        for pk, pid, status, opened, last in rows
    ]


def locate_referrals_for_case(*, scope: Scope, case_id: int) -> list[LocateReferral]:
    """A case's referrals, newest first, with their attempts (the case page audits its read)."""
    case = case_get_in_scope(scope=scope, case_id=case_id)
    return list(
        LocateReferral.objects.filter(case=case).prefetch_related(
            Prefetch("attempts", queryset=LocateAttempt.objects.order_by("at", "id"))
        )
    )


def locate_referrals_for_participant(*, scope: Scope, participant_id: int) -> list[LocateReferral]:
    return list(
        LocateReferral.objects.filter(case__in=case_queryset_in_scope(scope))
        .filter(case__participant_id=participant_id)
        .prefetch_related(Prefetch("attempts", queryset=LocateAttempt.objects.order_by("at", "id")))
    )


def participant_locate_read(*, scope: Scope, participant_id: int) -> Participant:
    """A participant's contact record (addresses with flags, phone history, cases) for the
    locate package. Scope applied here; the caller writes the one audit entry of the package
    read, with its reason."""
    participant = (
        participant_queryset_in_scope(scope)
        .prefetch_related(
            Prefetch(
                "addresses",
                queryset=Address.objects.order_by("-is_current", "-valid_from").prefetch_related(
                    "flags"
                ),
            ),
            Prefetch("phone_changes", queryset=PhoneChange.objects.order_by("-changed_at")),
            Prefetch(
                "cases", queryset=Case.objects.select_related("office").order_by("-opened_at")
            ),
        )
        .filter(pk=participant_id)
        .first()
    )
    if participant is None:
        raise NotFound()
    return participant


def locate_referral_get(*, scope: Scope, referral_id: int) -> list[LocateReferral]:
    """The referral (a list of one, or empty) if its case is in the caller's scope."""
    return list(
        LocateReferral.objects.filter(
            pk=referral_id, case__in=case_queryset_in_scope(scope)
        ).select_related("case")[:1]
    )


@dataclass(frozen=True)
class ClosedCase:
    case_id: int
    closure_reason: str
    closed_at: Any


def case_closed_for_participant(participant_id: int) -> ClosedCase | None:
    """The participant's latest case when every case of theirs is closed (a booking match on
    such a person offers reopening), else None. Names no personal data; the caller's page
    is scoped and audited."""
    cases = list(
        Case.objects.filter(participant_id=participant_id)
        .order_by("-closed_at", "-pk")
        .values_list("pk", "status", "closure_reason", "closed_at")
    )
    if not cases or any(status != "closed" for _pk, status, _r, _c in cases):
        return None
    pk, _status, reason, closed_at = cases[0]
    return ClosedCase(case_id=pk, closure_reason=reason, closed_at=closed_at)
