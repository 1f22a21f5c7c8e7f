"""Linkage services: train and version the model, link bookings to participants, store
candidates. Scoring runs outside the write transaction (it can take minutes); only the
storing of its results is one atomic, audited change."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Max

from atd.core import clock
from atd.core.audit import audit_record
from atd.core.errors import ValidationFailed
from atd.core.jobs.progress import job_progress
from atd.matching import selectors
from atd.matching.choices import LinkageRunKind
from atd.matching.linkage.blocking import KeyCaps
from atd.matching.linkage.bootstrap import model_from_synthetic
from atd.matching.linkage.keys import feed_candidates, feed_tf_lookup
from atd.matching.linkage.model import LinkageEngine, ScoredPair, pairs_scored
from atd.matching.linkage.rows import booking_rows, participant_rows
from atd.matching.models import BookingRecord, FeedBatch, LinkageModel, LinkageRun, MatchCandidate
from atd.people import selectors as people_selectors

log = logging.getLogger(__name__)
# Below these, EM has too few pairs to learn from (and u sampling sees a handful of names).
MIN_TRAIN_BOOKINGS = 200
MIN_TRAIN_PARTICIPANTS = 1000


@transaction.atomic
def linkage_model_save(
    *, actor: Any, settings_json: dict[str, Any], records: int, participants: int, note: str = ""
) -> LinkageModel:
    """Stores a trained model as the next version and makes it the active one."""
    version = (LinkageModel.objects.aggregate(v=Max("version"))["v"] or 0) + 1
    LinkageModel.objects.filter(is_active=True).update(is_active=False)
    model = LinkageModel.objects.create(
        version=version,
        trained_at=clock.now(),
        settings_json=settings_json,
        trained_on_records=records,
        trained_on_participants=participants,
        note=note[:300],
        is_active=True,
    )
    audit_record(
        actor=actor,
        action="matching.model_train",
        object_type="linkage_model",
        object_ids=[model.pk],
        reason=f"version {version}: {records} bookings x {participants} participants",
    )
    return model


def linkage_model_train(*, actor: Any, note: str = "") -> LinkageModel:
    """EM-trains a new model on stored bookings (recent window) and active participants."""
    since = clock.now() - timedelta(days=settings.ATD_MATCHING_RECENT_FEED_DAYS)
    left = booking_rows(selectors.bookings_for_linkage(received_since=since))
    people = people_selectors.participants_for_linkage()
    if len(left) < MIN_TRAIN_BOOKINGS or len(people) < MIN_TRAIN_PARTICIPANTS:
        raise ValidationFailed(
            detail=(
                f"too little data to train a model: {len(left)} bookings (need "
                f"{MIN_TRAIN_BOOKINGS}), {len(people)} participants (need {MIN_TRAIN_PARTICIPANTS})"
            )
        )
    right = participant_rows(people)
    engine = LinkageEngine(left, right)
    settings_json = engine.train(max_pairs=settings.ATD_MATCHING_U_MAX_PAIRS)
    return linkage_model_save(
        actor=actor,
        settings_json=settings_json,
        records=len(left),
        participants=len(people),
        note=note,
    )


@dataclass
class LinkResult:
    run: LinkageRun
    candidates_created: int
    pairs: list[ScoredPair]


def _model_for(actor: Any) -> LinkageModel:
    """The active model; the first time, one EM-trained on the data at hand. When there is too
    little data for EM to converge, a bootstrap model trained on the synthetic population is
    stored instead (its note says so) until `matching_link --train` retrains on real data."""
    model = selectors.linkage_model_active()
    if model is not None:
        return model
    try:
        return linkage_model_train(actor=actor, note="first model, trained on arrival of data")
    except ValidationFailed as exc:
        log.warning("%s; storing a bootstrap model", exc.detail)
        return linkage_model_save(
            actor=actor,
            settings_json=model_from_synthetic(),
            records=0,
            participants=0,
            note="bootstrap: trained on the synthetic population (too little data for EM)",
        )


def key_caps() -> KeyCaps:
    return KeyCaps(
        core=settings.ATD_MATCHING_BLOCK_KEY_MAX_ROWS,
        wide=settings.ATD_MATCHING_WIDE_BLOCK_KEY_MAX_ROWS,
        address=settings.ATD_MATCHING_ADDRESS_BLOCK_KEY_MAX_ROWS,
    )


def _engine_for(
    left: list[dict[str, Any]], right: list[dict[str, Any]], model: Any, **candidates: Any
) -> Any:
    """The scoring engine on the configured backend (ATD_MATCHING_BACKEND); `candidates` are a
    by-key run's plan, term frequencies and population size (LinkageEngine)."""
    spark = None
    if settings.ATD_MATCHING_BACKEND == "spark":
        from atd.matching.linkage.spark import spark_session

        spark = spark_session()
    return LinkageEngine(
        left,
        right,
        model.settings_json,
        backend=settings.ATD_MATCHING_BACKEND,
        spark=spark,
        wide_max_pairs=settings.ATD_MATCHING_WIDE_BLOCK_MAX_PAIRS,
        wide_pairs_per_record=settings.ATD_MATCHING_WIDE_BLOCK_PAIRS_PER_BOOKING,
        key_caps=key_caps(),
        **candidates,
    )


def link_bookings(
    *,
    actor: Any,
    kind: str,
    bookings: list[BookingRecord],
    people: list[people_selectors.ParticipantLinkRow],
    batch: FeedBatch | None = None,
    participant_cursor: int = 0,
) -> LinkResult:
    """Scores bookings against participants with the active model; pairs at or above the review
    threshold become pending candidates. A (booking, participant) pair is stored once: a pair
    already decided (rejected or confirmed) is never queued again."""
    started = clock.now()
    pairs: list[ScoredPair] = []
    model = selectors.linkage_model_active()
    if bookings and people:
        model = _model_for(actor)
        engine = _engine_for(booking_rows(bookings), participant_rows(people), model)
        frame = engine.predict(threshold=settings.ATD_MATCHING_REVIEW_THRESHOLD)
        pairs = pairs_scored(engine, frame)
    return _candidates_store(
        actor=actor,
        kind=kind,
        model=model,
        pairs=pairs,
        started=started,
        batch=batch,
        records=len(bookings),
        participants=len(people),
        participant_cursor=participant_cursor,
    )


@transaction.atomic
def _candidates_store(
    *,
    actor: Any,
    kind: str,
    model: LinkageModel | None,
    pairs: list[ScoredPair],
    started: Any,
    batch: FeedBatch | None,
    records: int,
    participants: int,
    participant_cursor: int,
) -> LinkResult:
    now = clock.now()
    run = LinkageRun.objects.create(
        kind=kind,
        started_at=started,
        model=model,
        batch=batch,
        records_compared=records,
        participants_compared=participants,
        pairs_scored=len(pairs),
        participant_cursor=participant_cursor,
    )
    before = MatchCandidate.objects.filter(run=run).count()
    MatchCandidate.objects.bulk_create(
        [
            MatchCandidate(
                booking_id=p.booking_id,
                participant_id=p.participant_id,
                alias_id=p.alias_id,
                probability=p.probability,
                match_weight=p.match_weight,
                explanation=p.explanation,
                model=model,
                run=run,
                created_at=now,
            )
            for p in pairs
        ],
        batch_size=1000,
        # The unique (booking, participant) constraint is the rule "never queued twice".
        ignore_conflicts=True,
    )
    created = MatchCandidate.objects.filter(run=run).count() - before
    run.candidates_created = created
    run.finished_at = clock.now()
    run.save(update_fields=["candidates_created", "finished_at"])
    if batch is not None:
        FeedBatch.objects.filter(pk=batch.pk).update(linked_at=now, candidates_found=created)
    audit_record(
        actor=actor,
        action="matching.link",
        object_type="linkage_run",
        object_ids=[run.pk],
        reason=f"{kind}: {records} bookings x {participants} participants, {created} new candidates",
    )
    return LinkResult(run=run, candidates_created=created, pairs=pairs)


def feed_batch_link(*, actor: Any, batch: FeedBatch) -> LinkResult:
    """A new feed batch against all active participants, reading only those its blocking rules
    can reach (the blocking-key table, linkage/keys.py): the same pairs and scores as reading
    everyone, without loading 4.5 million people for a thousand bookings."""
    started = clock.now()
    bookings = list(selectors.bookings_for_linkage(batch_ids=[batch.pk]))
    model = selectors.linkage_model_active()
    pairs: list[ScoredPair] = []
    reached = 0
    if bookings:
        model = _model_for(actor)
        left = booking_rows(bookings)
        t0 = time.perf_counter()
        found = feed_candidates(
            left,
            wide_max_pairs=settings.ATD_MATCHING_WIDE_BLOCK_MAX_PAIRS,
            wide_pairs_per_record=settings.ATD_MATCHING_WIDE_BLOCK_PAIRS_PER_BOOKING,
            key_caps=key_caps(),
        )
        t1 = time.perf_counter()
        reached = found.participants
        if len(found.right):
            engine = _engine_for(
                found.left,
                found.right,
                model,
                plan=found.plan,
                tf_lookup=feed_tf_lookup(left, found),
                population_rows=found.population,
            )
            frame = engine.predict(threshold=settings.ATD_MATCHING_REVIEW_THRESHOLD)
            pairs = pairs_scored(engine, frame)
        log.info(
            "feed batch %s: %d bookings reached %d participants (%d name rows) in %.2f s "
            "(%s), scored in %.2f s; %d rules, %d capped, %d wide left out",
            batch.pk,
            len(bookings),
            reached,
            len(found.right),
            t1 - t0,
            ", ".join(f"{phase} {sec:.2f}" for phase, sec in found.seconds.items()),
            time.perf_counter() - t1,
            len(found.plan.rules),
            len(found.plan.capped),
            len(found.plan.wide_skipped),
        )
    return _candidates_store(
        actor=actor,
        kind=LinkageRunKind.FEED_BATCH,
        model=model,
        pairs=pairs,
        started=started,
        batch=batch,
        records=len(bookings),
        participants=reached,
        participant_cursor=0,
    )


def feed_batches_link_pending(*, actor: Any) -> list[LinkResult]:
    """Periodic job: every batch not yet linked (restart-safe: linked_at is the marker)."""
    batches = list(selectors.bookings_unlinked_batches())
    results = []
    for done, batch in enumerate(batches, start=1):
        results.append(feed_batch_link(actor=actor, batch=batch))
        job_progress(done, len(batches))  # batches linked / pending, seen in the admin
    return results


def enrollments_link_pending(*, actor: Any) -> LinkResult | None:
    """Periodic job: participants enrolled since the last enrollment run against recent feeds,
    so a new participant's past arrests are checked. Restart-safe through the id cursor."""
    last = (
        LinkageRun.objects.filter(kind=LinkageRunKind.ENROLLMENT)
        .order_by("-participant_cursor")
        .values_list("participant_cursor", flat=True)
        .first()
    )
    cursor = last or 0
    newest = people_selectors.participant_max_id()
    if newest <= cursor:
        return None
    people = people_selectors.participants_for_linkage(after_id=cursor)
    since = clock.now() - timedelta(days=settings.ATD_MATCHING_RECENT_FEED_DAYS)
    bookings = list(selectors.bookings_for_linkage(received_since=since))
    return link_bookings(
        actor=actor,
        kind=LinkageRunKind.ENROLLMENT,
        bookings=bookings,
        people=people,
        participant_cursor=newest,
    )
