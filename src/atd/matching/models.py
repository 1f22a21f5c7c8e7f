"""Tables of matching: feed batches and booking records, linkage models and runs, candidates."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from atd.core.fieldcrypt import EncryptedDateField, EncryptedJSONField, EncryptedTextField
from atd.matching.choices import CandidateStatus, FeedChannel, LinkageRunKind, SecondIdentifier


class FeedBatch(models.Model):
    """One delivery from a feed (a file or an API call), with its counts."""

    source = models.CharField(max_length=64, db_index=True)
    channel = models.CharField(max_length=8, choices=FeedChannel.choices)
    filename = models.CharField(max_length=300, blank=True)
    content_sha256 = models.CharField(max_length=64, db_index=True)
    received_at = models.DateTimeField()
    actor_label = models.CharField(max_length=150)
    rows_total = models.PositiveIntegerField(default=0)
    rows_imported = models.PositiveIntegerField(default=0)
    rows_unchanged = models.PositiveIntegerField(default=0)
    rows_rejected = models.PositiveIntegerField(default=0)
    # Set when the continuous matcher has linked this batch (restart-safe work marker).
    linked_at = models.DateTimeField(null=True, blank=True, db_index=True)
    candidates_found = models.PositiveIntegerField(default=0)


class FeedRowError(models.Model):
    batch = models.ForeignKey(FeedBatch, on_delete=models.CASCADE, related_name="row_errors")
    row_number = models.PositiveIntegerField()
    field = models.CharField(max_length=64)
    reason = models.CharField(max_length=300)
    # False for a warning: the row was imported, the value noted.
    row_rejected = models.BooleanField(default=True)

    class Meta:
        ordering = ["row_number", "id"]


class BookingRecord(models.Model):
    """An arrest/booking entry as the feed recorded it (names as recorded, never corrected).
    Names, date of birth, street and postal code are sealed at rest (ADR 0021); the linkage
    reads them through the model."""

    source = models.CharField(max_length=64)
    booking_id = models.CharField(max_length=100)
    booking_date = models.DateField()
    agency = models.CharField(max_length=200)
    given_names = EncryptedTextField(max_length=150)
    first_surname = EncryptedTextField(max_length=150)
    second_surname = EncryptedTextField(max_length=150, blank=True)
    name_as_recorded = EncryptedTextField(max_length=400, blank=True)
    date_of_birth = EncryptedDateField(null=True, blank=True)
    # An impossible date as the feed recorded it ("1965-13-32"): compared, never trusted.
    date_of_birth_recorded = EncryptedTextField(max_length=10, blank=True)
    sex = models.CharField(max_length=1, blank=True)
    address = EncryptedTextField(max_length=300, blank=True)
    postal_code = EncryptedTextField(max_length=16, blank=True)
    city = models.CharField(max_length=100, blank=True)
    charges = models.JSONField(default=list)
    fingerprint_id = models.CharField(max_length=64, blank=True, db_index=True)
    batch = models.ForeignKey(FeedBatch, on_delete=models.PROTECT, related_name="records")
    received_at = models.DateTimeField(db_index=True)

    class Meta:
        constraints = [
            # The idempotency key of a booking: a redelivered record changes nothing.
            models.UniqueConstraint(
                fields=["source", "booking_id"], name="booking_unique_source_id"
            )
        ]


class LinkageModel(models.Model):
    """A trained Splink model (its settings JSON with m/u probabilities), versioned."""

    version = models.PositiveIntegerField(unique=True)
    trained_at = models.DateTimeField()
    settings_json = models.JSONField()
    trained_on_records = models.PositiveIntegerField(default=0)
    trained_on_participants = models.PositiveIntegerField(default=0)
    note = models.CharField(max_length=300, blank=True)
    is_active = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["is_active"], condition=Q(is_active=True), name="linkage_one_active_model"
            )
        ]


class LinkageRun(models.Model):
    """One matching pass; the enrollment pass keeps a cursor of participants already seen."""

    kind = models.CharField(max_length=16, choices=LinkageRunKind.choices)
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    model = models.ForeignKey(LinkageModel, null=True, on_delete=models.PROTECT, related_name="+")
    batch = models.ForeignKey(FeedBatch, null=True, on_delete=models.SET_NULL, related_name="runs")
    records_compared = models.PositiveIntegerField(default=0)
    participants_compared = models.PositiveIntegerField(default=0)
    pairs_scored = models.PositiveIntegerField(default=0)
    candidates_created = models.PositiveIntegerField(default=0)
    # For ENROLLMENT runs: the highest participant id covered, so the next run catches up.
    participant_cursor = models.PositiveBigIntegerField(default=0)


class MatchCandidate(models.Model):
    """A booking record that may be a participant, with the model's probability and reasons."""

    booking = models.ForeignKey(BookingRecord, on_delete=models.PROTECT, related_name="candidates")
    participant = models.ForeignKey(
        "people.Participant", on_delete=models.PROTECT, related_name="match_candidates"
    )
    # When the best-scoring comparison was against one of the participant's aliases.
    alias_id = models.PositiveBigIntegerField(null=True, blank=True)
    probability = models.FloatField()
    match_weight = models.FloatField()
    # Waterfall: [{"comparison", "level", "bayes_factor", "log2_bayes_factor", "left", "right"}]
    # The compared values of both sides (folded names, date of birth, street): sealed at rest.
    explanation = EncryptedJSONField(default=list)
    model = models.ForeignKey(LinkageModel, on_delete=models.PROTECT, related_name="+")
    run = models.ForeignKey(LinkageRun, null=True, on_delete=models.SET_NULL, related_name="+")
    status = models.CharField(
        max_length=16, choices=CandidateStatus.choices, default=CandidateStatus.PENDING
    )
    created_at = models.DateTimeField()
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decision_reason = EncryptedTextField(max_length=500, blank=True)
    second_identifier = models.CharField(
        max_length=24, choices=SecondIdentifier.choices, blank=True
    )
    verification_note = EncryptedTextField(max_length=500, blank=True)
    alert_id = models.PositiveBigIntegerField(null=True, blank=True)

    class Meta:
        constraints = [
            # One candidate per (booking, participant) forever: a rejected pair is never re-queued
            # because re-linking hits this constraint and keeps the decided row.
            models.UniqueConstraint(
                fields=["booking", "participant"], name="candidate_unique_booking_participant"
            )
        ]
        indexes = [models.Index(fields=["status", "-probability"])]


class BlockingKeyCount(models.Model):
    """How many key rows carry each value of a term-frequency column (given names, surnames;
    the value as its blind index, as in BlockingKey), and the totals (column "total": value
    "*" = every name row, or a column's non-null rows).
    Kept in step with BlockingKey by the same writes, so a feed batch reads its term
    frequencies and the population size from here instead of counting 4.5 million rows."""

    column_name = models.CharField(max_length=20)
    value = models.TextField()
    n = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["column_name", "value"], name="bkey_count_unique")
        ]


class BlockingKey(models.Model):
    """The blocking keys of one name of one active participant (their own, or an alias): the
    participant-side columns the blocking rules join on, indexed, plus the two term-frequency
    columns — every one stored as a keyed blind index (HMAC, ADR 0021), so equal values still
    join and nothing in the table reads as a name, a date or an address. `features` is the
    name row's whole linkage input, sealed (AES-GCM): a feed batch's candidates are read and
    opened from this table alone (linkage/keys.py), never from the people tables. Kept current
    inside people's writes (enrolment, aliases, address and case-status changes) through the
    participant-change hook; `atd match --rebuild-keys` rebuilds it from the people tables
    (and after the index key is rotated)."""

    participant_id = models.BigIntegerField()
    alias_id = models.BigIntegerField(null=True, blank=True)
    given_phon = models.TextField(null=True)
    given_init = models.TextField(null=True)
    sp1 = models.TextField(null=True)
    sp2 = models.TextField(null=True)
    name_key = models.TextField(null=True)
    dob = models.TextField(null=True)
    dob_year = models.TextField(null=True)
    dob_md = models.TextField(null=True)
    dob_ym = models.TextField(null=True)
    dob_yd = models.TextField(null=True)
    postcode = models.TextField(null=True)
    city = models.TextField(null=True)
    street_name = models.TextField(null=True)
    given_fold = models.TextField(null=True)
    surnames_sorted = models.TextField(null=True)
    features = models.BinaryField(null=True)  # sealed: keys.FEATURE_CONTEXT

    class Meta:
        # One index per rule shape, its columns leading in the rule's order, so that a
        # booking's bounded count (keys._key_counts: LIMIT cap + 1) is an index-only scan of
        # its own key's entries, and the reach read carries the participant id
        # (PostgreSQL: INCLUDE; elsewhere the table is read). A rule on fewer columns uses
        # the prefix of a longer index (dob + given key serves date of birth alone).
        indexes = [
            models.Index(fields=["participant_id"], name="bkey_participant"),
            models.Index(
                fields=["dob", "given_phon"], name="bkey_dob_given", include=["participant_id"]
            ),
            models.Index(
                fields=["dob", "sp1", "given_init"], name="bkey_dob_sp1", include=["participant_id"]
            ),
            models.Index(
                fields=["dob", "sp2", "given_init"], name="bkey_dob_sp2", include=["participant_id"]
            ),
            models.Index(
                fields=["name_key", "dob_year"], name="bkey_name_year", include=["participant_id"]
            ),
            models.Index(
                fields=["given_phon", "sp1", "dob_md", "sp2"],
                name="bkey_names_md",
                include=["participant_id"],
            ),
            models.Index(
                fields=["given_phon", "sp1", "dob_ym", "sp2"],
                name="bkey_names_ym",
                include=["participant_id"],
            ),
            models.Index(
                fields=["given_phon", "sp1", "dob_yd", "sp2"],
                name="bkey_names_yd",
                include=["participant_id"],
            ),
            models.Index(
                fields=["sp1", "given_phon", "dob_year"],
                name="bkey_sp1_given_year",
                include=["participant_id"],
            ),
            models.Index(
                fields=["postcode", "given_phon", "sp1"],
                name="bkey_postcode",
                include=["participant_id"],
            ),
            models.Index(
                fields=["city", "street_name"], name="bkey_city_street", include=["participant_id"]
            ),
            models.Index(
                fields=["city", "given_phon", "sp1"],
                name="bkey_city_given",
                include=["participant_id"],
            ),
            models.Index(fields=["city", "sp1"], name="bkey_city_sp1", include=["participant_id"]),
            models.Index(fields=["street_name"], name="bkey_street", include=["participant_id"]),
            models.Index(fields=["given_fold"], name="bkey_given_fold"),
            models.Index(fields=["surnames_sorted"], name="bkey_surnames"),
        ]
