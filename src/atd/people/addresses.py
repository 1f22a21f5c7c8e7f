"""Address checks against the database: dwelling sharing, multi-unit buildings, known places.

Used by intake (in bulk) and by every single change of address; both write the same flags.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db.models import Count

from atd.core.fieldcrypt import blind_index
from atd.people.models import Address, AddressFlag, KnownAddress
from atd.people.rules import (
    AddressFinding,
    AddressFlagKind,
    AddressInput,
    address_building_key,
    address_findings,
    address_key,
    address_split_unit,
)


@dataclass(frozen=True)
class PreparedAddress:
    """An address with the keyed blind indexes of its dwelling and building (what
    Address.normalized_key / building_key store: the clear keys would spell out the address),
    and the clear dwelling key, compared with the known offices, shelters and businesses."""

    value: AddressInput
    key: str
    building_key: str
    clear_key: str = ""


def address_prepare(address: AddressInput) -> PreparedAddress:
    value = address_split_unit(address)
    clear = address_key(value)
    return PreparedAddress(
        value,
        blind_index(clear, kind="dwelling"),
        blind_index(address_building_key(value), kind="building"),
        clear,
    )


def _chunks(items: Sequence[str], size: int = 500) -> Iterable[Sequence[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


class AddressContext:
    """Counts needed to evaluate a set of new addresses, fetched in a few bulk queries."""

    def __init__(
        self, prepared: Sequence[PreparedAddress], *, exclude_participant: int | None = None
    ):
        keys = sorted({p.key for p in prepared})
        clear_keys = sorted({p.clear_key for p in prepared})
        buildings = sorted({p.building_key for p in prepared})
        self.existing_at_key: Counter[str] = Counter()
        self.buildings_with_units: set[str] = set()
        self.known: dict[str, str] = {}
        for chunk in _chunks(keys):
            rows = Address.objects.filter(normalized_key__in=chunk, is_current=True)
            if exclude_participant is not None:
                rows = rows.exclude(participant_id=exclude_participant)
            for row in rows.values("normalized_key").annotate(n=Count("id")):
                self.existing_at_key[row["normalized_key"]] = row["n"]
        for chunk in _chunks(clear_keys):
            # Known places (offices, shelters, businesses) are not personal: kept clear.
            for k in KnownAddress.objects.filter(normalized_key__in=chunk).values(
                "normalized_key", "kind"
            ):
                self.known[k["normalized_key"]] = k["kind"]
        for chunk in _chunks(buildings):
            self.buildings_with_units.update(
                Address.objects.filter(building_key__in=chunk)
                .exclude(unit="")
                .values_list("building_key", flat=True)
                .distinct()
            )
        # Within one batch, addresses also count against each other.
        self.batch_at_key: Counter[str] = Counter(p.key for p in prepared)
        self.batch_buildings_with_units = {p.building_key for p in prepared if p.value.unit.strip()}

    def findings(self, prepared: PreparedAddress) -> list[AddressFinding]:
        others = self.existing_at_key[prepared.key] + self.batch_at_key[prepared.key] - 1
        has_units = (
            prepared.building_key in self.buildings_with_units
            or prepared.building_key in self.batch_buildings_with_units
        )
        return address_findings(
            prepared.value,
            others_at_dwelling=others,
            shared_threshold=settings.ATD_ADDRESS_SHARED_THRESHOLD,
            building_has_units=has_units,
            known_kind=self.known.get(prepared.clear_key),
        )


def address_flags_write(pairs: Iterable[tuple[int, list[AddressFinding]]], *, now: datetime) -> int:
    rows = [
        AddressFlag(address_id=address_id, kind=str(f.kind), detail=f.detail[:200], raised_at=now)
        for address_id, findings in pairs
        for f in findings
    ]
    AddressFlag.objects.bulk_create(rows, ignore_conflicts=True, batch_size=2000)
    return len(rows)


def address_shared_flags_refresh(keys: Iterable[str], *, now: datetime) -> None:
    """Once a dwelling passes the threshold, every current address there carries the flag."""
    threshold = settings.ATD_ADDRESS_SHARED_THRESHOLD
    for chunk in _chunks(sorted(set(keys))):
        crowded = (
            Address.objects.filter(normalized_key__in=chunk, is_current=True)
            .values("normalized_key")
            .annotate(n=Count("id"))
            .filter(n__gt=threshold)
        )
        counts = {row["normalized_key"]: row["n"] for row in crowded}
        if not counts:
            continue
        ids = Address.objects.filter(normalized_key__in=list(counts), is_current=True).values_list(
            "id", "normalized_key"
        )
        AddressFlag.objects.bulk_create(
            [
                AddressFlag(
                    address_id=i,
                    kind=AddressFlagKind.SHARED.value,
                    detail=f"{counts[k]} participants at this address",
                    raised_at=now,
                )
                for i, k in ids
            ],
            ignore_conflicts=True,
            batch_size=2000,
        )
