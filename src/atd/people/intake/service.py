"""The batch import of release records: validate every row, store the good ones once.

Idempotency rests on unique constraints, not on look-ups alone: a participant is unique by
A-number and a case by (participant, release date). A concurrent import of the same record
trips the constraint; the batch is retried and then finds the row already there.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.db import IntegrityError, transaction

from atd.core import clock
from atd.core.actors import Actor, actor_for
from atd.core.audit import audit_record
from atd.core.errors import FieldError, ValidationFailed
from atd.core.extensions import participants_changed
from atd.core.fieldcrypt import blind_index
from atd.people.addresses import (
    AddressContext,
    address_flags_write,
    address_prepare,
    address_shared_flags_refresh,
)
from atd.people.intake.officers import OfficerPicker
from atd.people.intake.schema import ReleaseRecord, release_record_parse
from atd.people.models import (
    Address,
    Alias,
    Case,
    CaseAssignment,
    CaseStatus,
    CaseStatusChange,
    IntakeBatch,
    IntakeRowError,
    Office,
    Participant,
)
from atd.people.phones import phone_default_region
from atd.people.rules import phone_for_storage
from atd.people.search_index import participant_search_tokens

CHUNK = 900  # below SQLite's 999-variable limit for IN (...) lists


@dataclass
class IntakeResult:
    batch: IntakeBatch
    errors: list[FieldError]


def _chunks(items: Sequence[Any], size: int = CHUNK) -> Any:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def intake_import(
    *,
    actor: Any,
    rows: Sequence[dict[str, Any]],
    source: str,
    filename: str = "",
    content: bytes | None = None,
    progress: Callable[[int], None] | None = None,
    max_rows: int = 50_000,
) -> IntakeResult:
    if len(rows) > max_rows:
        raise ValidationFailed(detail=f"a batch holds at most {max_rows} records; split the file")
    digest = hashlib.sha256(content or repr(rows).encode()).hexdigest()
    for attempt in range(3):
        try:
            return _intake_import_once(
                actor=actor,
                rows=rows,
                source=source,
                filename=filename,
                digest=digest,
                progress=progress,
            )
        except IntegrityError:
            # Another import stored some of the same records first; the next pass sees them.
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


@dataclass
class _Stored:
    """What the database already holds for a batch's A-numbers."""

    participants: dict[str, Participant]  # by A-number
    case_keys: set[tuple[int, Any]]  # (participant id, release date)
    open_case: set[int]  # participant ids with a case that is not closed


@dataclass
class _Accepted:
    """Rows that pass every check, each with its officer (None: the office has none)."""

    new: list[ReleaseRecord]  # new participants
    existing: list[tuple[ReleaseRecord, int]]  # a new case for a stored participant
    officers: dict[int, int | None]  # by row number
    unchanged: int  # rows whose case is already stored


@transaction.atomic
def _intake_import_once(
    *,
    actor: Any,
    rows: Sequence[dict[str, Any]],
    source: str,
    filename: str,
    digest: str,
    progress: Callable[[int], None] | None,
) -> IntakeResult:
    now = clock.now()
    who = actor_for(actor)
    offices = {o.code: o.pk for o in Office.objects.all()}
    records, errors = _records_parse(rows, today=now.date(), office_codes=set(offices))
    if progress:
        progress(len(rows) // 4)
    accepted = _records_accept(records, _stored_for(records), offices, errors)
    participants = _participants_create(accepted.new, now=now)
    if progress:
        progress(len(rows) // 4)
    flagged = _addresses_create(participants, accepted.new, now=now, recorded_by=who.label)
    _aliases_create(participants, accepted.new)
    batch = IntakeBatch.objects.create(
        source=source,
        filename=filename[:300],
        content_sha256=digest,
        received_at=now,
        actor_label=who.label,
        rows_total=len(rows),
    )
    case_specs = [
        (r, p.pk) for r, p in zip(accepted.new, participants, strict=True)
    ] + accepted.existing
    cases = _cases_open(case_specs, accepted.officers, offices, batch=batch, now=now, who=who)
    IntakeRowError.objects.bulk_create(
        [
            IntakeRowError(batch=batch, row_number=e.row or 0, field=e.field, reason=e.reason[:300])
            for e in errors
        ],
        batch_size=CHUNK,
    )
    batch.rows_imported = len(cases)
    batch.rows_unchanged = accepted.unchanged
    batch.rows_rejected = len({e.row for e in errors})
    batch.addresses_flagged = flagged
    batch.save(
        update_fields=["rows_imported", "rows_unchanged", "rows_rejected", "addresses_flagged"]
    )
    participants_changed(sorted({c.participant_id for c in cases}))  # e.g. blocking keys
    audit_record(
        actor=actor,
        action="intake.import",
        object_type="intake_batch",
        object_ids=[batch.pk],
        reason=(
            f"{len(cases)} imported, {accepted.unchanged} unchanged, {batch.rows_rejected} rejected"
        ),
    )
    if progress:
        progress(len(rows) - 2 * (len(rows) // 4))
    return IntakeResult(batch=batch, errors=errors)


def _records_parse(
    rows: Sequence[dict[str, Any]], *, today: date, office_codes: set[str]
) -> tuple[list[ReleaseRecord], list[FieldError]]:
    """Every row checked on its own; a row repeating an earlier row's record is rejected."""
    errors: list[FieldError] = []
    records: list[ReleaseRecord] = []
    seen: dict[tuple[str, Any], int] = {}
    for index, row in enumerate(rows, start=1):
        record, row_errors = release_record_parse(
            row, row_number=index, today=today, office_codes=office_codes
        )
        if record is None:
            errors.extend(row_errors)
            continue
        key = (record.a_number, record.release_date)
        if key in seen:
            errors.append(FieldError("a_number", f"same release record as row {seen[key]}", index))
            continue
        seen[key] = index
        records.append(record)
    return records, errors


def _stored_for(records: list[ReleaseRecord]) -> _Stored:
    """Existing participants and cases, in chunks."""
    existing: dict[str, Participant] = {}
    a_numbers = sorted({r.a_number for r in records})
    for chunk in _chunks(a_numbers):
        by_index = {blind_index(a, kind="a-number"): a for a in chunk}
        for pk, index in Participant.objects.filter(a_number_index__in=list(by_index)).values_list(
            "id", "a_number_index"
        ):
            # Only the id is needed: no A-number is decrypted.
            existing[by_index[index]] = Participant(pk=pk, a_number=by_index[index])
    existing_ids = [p.pk for p in existing.values()]
    case_keys: set[tuple[int, Any]] = set()
    open_case: set[int] = set()
    for chunk in _chunks(existing_ids):
        for pid, rdate, status in Case.objects.filter(participant_id__in=chunk).values_list(
            "participant_id", "release_date", "status"
        ):
            case_keys.add((pid, rdate))
            if status != CaseStatus.CLOSED:
                open_case.add(pid)
    return _Stored(participants=existing, case_keys=case_keys, open_case=open_case)


def _records_accept(
    records: list[ReleaseRecord],
    stored: _Stored,
    offices: dict[str, int],
    errors: list[FieldError],
) -> _Accepted:
    """Sorts the records against what is stored (new, unchanged, a second open case, a new
    case), then resolves officers. Rejections are appended to `errors`."""
    unchanged = 0
    to_create: list[ReleaseRecord] = []
    new_case_for_existing: list[tuple[ReleaseRecord, int]] = []
    open_case = set(stored.open_case)
    for record in records:
        participant = stored.participants.get(record.a_number)
        if participant is None:
            to_create.append(record)
        elif (participant.pk, record.release_date) in stored.case_keys:
            unchanged += 1
        elif participant.pk in open_case:
            errors.append(
                FieldError(
                    "release_date", "the participant already has an open case", record.row_number
                )
            )
        else:
            new_case_for_existing.append((record, participant.pk))
            open_case.add(participant.pk)

    # Officers are resolved before anything is written so a bad name rejects only its row.
    picker = OfficerPicker()
    accepted = _Accepted(new=[], existing=[], officers={}, unchanged=unchanged)
    specs = [(r, None) for r in to_create] + [(r, pid) for r, pid in new_case_for_existing]
    for record, pid in specs:
        officer_id, problem = picker.pick(offices[record.office_code], record.officer_username)
        if problem:
            errors.append(FieldError("officer_username", problem, record.row_number))
            continue
        accepted.officers[record.row_number] = officer_id
        if pid is None:
            accepted.new.append(record)
        else:
            accepted.existing.append((record, pid))
    return accepted


def _participants_create(records: list[ReleaseRecord], *, now: datetime) -> list[Participant]:
    participants = [
        Participant(
            a_number=r.a_number,
            given_names=r.given_names,
            first_surname=r.first_surname,
            second_surname=r.second_surname,
            date_of_birth=r.date_of_birth,
            sex=r.sex,
            country_of_citizenship=r.country_of_citizenship,
            languages=list(r.languages),
            preferred_language=r.preferred_language,
            phone=phone_for_storage(r.phone, phone_default_region()),
            email=r.email,
            search_tokens=participant_search_tokens(
                r.given_names,
                r.first_surname,
                r.second_surname,
                [f"{a.given_names} {a.first_surname} {a.second_surname}" for a in r.aliases],
                a_number=r.a_number,
            ),
            created_at=now,
        )
        for r in records
    ]
    Participant.objects.bulk_create(participants, batch_size=CHUNK)
    if any(p.pk is None for p in participants):  # backends without RETURNING
        ids = dict(
            Participant.objects.filter(
                a_number_index__in=[blind_index(p.a_number, kind="a-number") for p in participants]
            ).values_list("a_number_index", "id")
        )
        for p in participants:
            p.pk = ids[blind_index(p.a_number, kind="a-number")]
    return participants


def _addresses_create(
    participants: list[Participant],
    records: list[ReleaseRecord],
    *,
    now: datetime,
    recorded_by: str,
) -> int:
    """Addresses and their flags, evaluated in bulk against the stored ones and each other.
    Returns how many addresses were flagged."""
    prepared = [address_prepare(r.address) for r in records]
    context = AddressContext(prepared)
    address_rows = [
        Address(
            participant_id=p.pk,
            line1=a.value.line1,
            unit=a.value.unit,
            city=a.value.city,
            state=a.value.state,
            postal_code=a.value.postal_code,
            country=a.value.country,
            normalized_key=a.key,
            building_key=a.building_key,
            valid_from=now,
            recorded_by=recorded_by,
        )
        for p, a in zip(participants, prepared, strict=True)
    ]
    Address.objects.bulk_create(address_rows, batch_size=CHUNK)
    if any(a.pk is None for a in address_rows):
        address_ids: dict[int, int] = dict(
            Address.objects.filter(
                participant_id__in=[p.pk for p in participants], is_current=True
            ).values_list("participant_id", "id")
        )
        for a in address_rows:
            a.pk = address_ids[a.participant_id]
    findings = [(a.pk, context.findings(p)) for a, p in zip(address_rows, prepared, strict=True)]
    address_flags_write(findings, now=now)
    address_shared_flags_refresh([p.key for p in prepared], now=now)
    return sum(1 for _, f in findings if f)


def _aliases_create(participants: list[Participant], records: list[ReleaseRecord]) -> None:
    Alias.objects.bulk_create(
        [
            Alias(
                participant_id=p.pk,
                given_names=a.given_names,
                first_surname=a.first_surname,
                second_surname=a.second_surname,
                source="intake",
            )
            for p, r in zip(participants, records, strict=True)
            for a in r.aliases
        ],
        batch_size=CHUNK,
        ignore_conflicts=True,
    )


def _cases_open(
    specs: list[tuple[ReleaseRecord, int]],
    officers: dict[int, int | None],
    offices: dict[str, int],
    *,
    batch: IntakeBatch,
    now: datetime,
    who: Actor,
) -> list[Case]:
    """One case per (record, participant id), with its first status and its assignment."""
    cases = [
        Case(
            participant_id=pid,
            release_type=r.release_type,
            release_date=r.release_date,
            releasing_facility=r.releasing_facility,
            office_id=offices[r.office_code],
            officer_id=officers[r.row_number],
            status=CaseStatus.PENDING_FIRST_REPORT,
            opened_at=now,
            intake_batch=batch,
        )
        for r, pid in specs
    ]
    Case.objects.bulk_create(cases, batch_size=CHUNK)
    if any(c.pk is None for c in cases):
        case_ids: dict[int, int] = dict(
            Case.objects.filter(intake_batch=batch).values_list("participant_id", "id")
        )
        for c in cases:
            c.pk = case_ids[c.participant_id]
    CaseStatusChange.objects.bulk_create(
        [
            CaseStatusChange(
                case_id=c.pk,
                from_status="",
                to_status=CaseStatus.PENDING_FIRST_REPORT,
                reason=f"release record imported in intake batch {batch.pk}",
                actor_label=who.label,
                actor_id=who.id,
                at=now,
            )
            for c in cases
        ],
        batch_size=CHUNK,
    )
    CaseAssignment.objects.bulk_create(
        [
            CaseAssignment(
                case_id=c.pk,
                office_id=c.office_id,
                officer_id=c.officer_id,
                reason="initial assignment at intake",
                actor_label=who.label,
                at=now,
            )
            for c in cases
        ],
        batch_size=CHUNK,
    )
    return cases
