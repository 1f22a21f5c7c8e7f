"""The read model for record linkage: every active participant's names, date of birth, sex,
current address and aliases as plain rows, millions at a time (used by `matching`).

It lives in people because it reads people's tables; it uses raw SQL because the ORM's per-row
object cost is too high at linkage scale (4.5 million participants), and returns plain frozen
rows, never models.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.db import connection

from atd.core.fieldcrypt import decrypt_text


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


def _id_in(column: str, ids: list[int], params: list[Any]) -> str:
    """`column` is one of `ids`. PostgreSQL takes the list as one array parameter: a list of
    thousands of placeholders costs more to build and parse than the query costs to run."""
    if connection.vendor == "postgresql":
        params.append(list(ids))
        return f"{column} = ANY(%s)"
    params.extend(ids)
    return f"{column} IN ({_marks(ids)})"


def _open(value: Any, column: str) -> str:
    """A value of an encrypted column read by raw SQL, decrypted (ADR 0021): every name, date
    of birth and street of the linkage read is decrypted here, in Python, one value at a time."""
    if value is None or value == "":
        return ""
    return decrypt_text(str(value), context=column)


def _as_date(value: Any, column: str = "") -> date | None:
    if value is None or value == "":
        return None
    if column and isinstance(value, str):
        value = _open(value, column)
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def participants_for_linkage(
    *,
    participant_ids: list[int] | None = None,
    after_id: int | None = None,
    until_id: int | None = None,
    active_only: bool = True,
) -> list[ParticipantLinkRow]:
    """Active participants (an open case) with current address and aliases, as plain rows.
    `after_id` reads only participants created after a cursor (the enrollment catch-up);
    `until_id` bounds it from above (matching rebuilds its blocking keys range by range)."""
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
    if until_id is not None:
        where.append("p.id <= %s")
        params.append(until_id)
    if participant_ids is not None:
        if not participant_ids:
            return []
        where.append(_id_in("p.id", participant_ids, params))
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
        step = 50_000 if connection.vendor == "postgresql" else 900
        for start in range(0, len(ids), step):
            chunk = ids[start : start + step]
            alias_params: list[Any] = []
            where_alias = _id_in("al.participant_id", chunk, alias_params)
            cursor.execute(
                "SELECT al.id, al.participant_id, al.given_names, al.first_surname, "  # noqa: S608
                f"al.second_surname, al.date_of_birth FROM people_alias al WHERE {where_alias}",
                alias_params,
            )
            for alias_id, pid, given, first, second, dob in cursor.fetchall():
                aliases.setdefault(pid, []).append(
                    AliasRow(
                        alias_id,
                        _open(given, "people_alias.given_names"),
                        _open(first, "people_alias.first_surname"),
                        _open(second, "people_alias.second_surname"),
                        _as_date(dob, "people_alias.date_of_birth"),
                    )
                )
    return [
        ParticipantLinkRow(
            participant_id=pid,
            given_names=_open(given, "people_participant.given_names"),
            first_surname=_open(first, "people_participant.first_surname"),
            second_surname=_open(second, "people_participant.second_surname"),
            date_of_birth=_as_date(dob, "people_participant.date_of_birth"),
            sex=sex or "",
            postal_code=_open(postal, "people_address.postal_code"),
            city=city or "",
            street=_open(street, "people_address.line1"),
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
    return _as_date(row[0], "people_participant.date_of_birth") if row else None


def alias_dob(alias_id: int | None) -> date | None:
    if alias_id is None:
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT date_of_birth FROM people_alias WHERE id = %s", [alias_id])
        row = cursor.fetchone()
    return _as_date(row[0], "people_alias.date_of_birth") if row else None


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
                first = _open(first, "people_participant.first_surname")
                second = _open(second, "people_participant.second_surname")
                out[pid] = {
                    "given_names": _open(given, "people_participant.given_names"),
                    "surnames": " ".join(s for s in (first, second) if s),
                    "date_of_birth": _as_date(dob, "people_participant.date_of_birth"),
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
        return {
            aid: " ".join(
                p
                for p in (
                    _open(g, "people_alias.given_names"),
                    _open(f, "people_alias.first_surname"),
                    _open(s, "people_alias.second_surname"),
                )
                if p
            )
            for aid, g, f, s in cursor.fetchall()
        }


# --- feeds ------------------------------------------------------------------------------
