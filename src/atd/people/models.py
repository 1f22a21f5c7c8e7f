"""Tables for organisations, offices, participants, aliases, addresses, cases and intake."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from atd.core.fieldcrypt import (
    BlindIndexField,
    EncryptedDateField,
    EncryptedTextField,
)
from atd.people.choices import CaseStatus, ClosureReason, ReleaseType, Sex


class Organisation(models.Model):
    class Kind(models.TextChoices):
        AGENCY = "agency", "Agency"
        CONTRACTOR = "contractor", "Contractor"

    name = models.CharField(max_length=200, unique=True)
    kind = models.CharField(max_length=16, choices=Kind.choices)

    def __str__(self) -> str:
        return self.name


class Office(models.Model):
    """A field office / area of responsibility. Capacity lives in `scheduling`."""

    code = models.CharField(max_length=16, unique=True)
    name = models.CharField(max_length=200)
    timezone = models.CharField(max_length=64, default="America/New_York")
    street = models.CharField(max_length=200, blank=True)
    city = models.CharField(max_length=100, blank=True)
    state = models.CharField(max_length=32, blank=True)
    postal_code = models.CharField(max_length=16, blank=True)
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)
    organisation = models.ForeignKey(Organisation, null=True, on_delete=models.PROTECT)

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class KnownAddress(models.Model):
    """Addresses that are not a residence: offices, shelters, businesses."""

    class Kind(models.TextChoices):
        OFFICE = "office", "Government office"
        SHELTER = "shelter", "Shelter"
        BUSINESS = "business", "Business"

    normalized_key = models.CharField(max_length=300, unique=True)
    kind = models.CharField(max_length=16, choices=Kind.choices)
    label = models.CharField(max_length=200)


class Participant(models.Model):
    # Encrypted at rest (ADR 0021): names, A-number, date of birth, phone, e-mail. Exact
    # lookups use the blind indexes; the console's search uses `search_tokens`.
    a_number = EncryptedTextField(max_length=9)
    a_number_index = BlindIndexField(sources=("a_number",), kind="a-number", unique=True)
    given_names = EncryptedTextField(max_length=150)
    first_surname = EncryptedTextField(max_length=150)
    second_surname = EncryptedTextField(max_length=150, blank=True)
    date_of_birth = EncryptedDateField()
    sex = models.CharField(max_length=1, choices=Sex.choices, default=Sex.OTHER)
    country_of_citizenship = models.CharField(max_length=2)
    languages = models.JSONField(default=list)
    preferred_language = models.CharField(max_length=8, default="en")
    phone = EncryptedTextField(max_length=32, blank=True)
    email = EncryptedTextField(max_length=254, blank=True)
    # Keyed tokens of the names' prefixes and of the A-number, for search; never shown
    # (people.search_index).
    search_tokens = models.TextField(default="", blank=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="participant_profile",
    )
    enrollment_code_hash = models.CharField(max_length=64, blank=True)
    enrollment_code_expires_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"Participant {self.pk}"


class Alias(models.Model):
    class Kind(models.TextChoices):
        SPELLING = "spelling", "Other spelling"
        OTHER_NAME = "other_name", "Other name"
        TRANSLITERATION = "transliteration", "Transliteration"
        MAIDEN_OR_MARRIED = "maiden_married", "Maiden or married name"

    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="aliases")
    given_names = EncryptedTextField(max_length=150)
    first_surname = EncryptedTextField(max_length=150)
    second_surname = EncryptedTextField(max_length=150, blank=True)
    name_index = BlindIndexField(
        sources=("given_names", "first_surname", "second_surname"), kind="alias-name"
    )
    date_of_birth = EncryptedDateField(null=True, blank=True)
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.SPELLING)
    source = models.CharField(max_length=100, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["participant", "name_index"], name="alias_unique_per_participant"
            )
        ]


class PhoneChange(models.Model):
    """History of a participant's phone number: the current one is Participant.phone."""

    participant = models.ForeignKey(
        Participant, on_delete=models.CASCADE, related_name="phone_changes"
    )
    old_phone = EncryptedTextField(max_length=32, blank=True)
    new_phone = EncryptedTextField(max_length=32)
    changed_at = models.DateTimeField()
    recorded_by = models.CharField(max_length=150, blank=True)
    reason = models.CharField(max_length=300)

    class Meta:
        indexes = [models.Index(fields=["participant", "changed_at"])]


class Address(models.Model):
    class Verification(models.TextChoices):
        UNVERIFIED = "unverified", "Unverified"
        VERIFIED = "verified", "Verified"
        FAILED = "failed", "Verification failed"

    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="addresses")
    # Street, unit and postal code are encrypted at rest (ADR 0021); city, state and country
    # (coarse geography, report dimensions) stay clear.
    line1 = EncryptedTextField(max_length=200, blank=True)
    unit = EncryptedTextField(max_length=32, blank=True)
    city = models.CharField(max_length=100, blank=True)
    state = models.CharField(max_length=32, blank=True)
    postal_code = EncryptedTextField(max_length=16, blank=True)
    country = models.CharField(max_length=2, default="US")
    # Keyed blind indexes of the normalised dwelling and building (people.addresses).
    normalized_key = models.CharField(max_length=300, db_index=True)
    building_key = models.CharField(max_length=300, db_index=True, default="")
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)
    verification = models.CharField(
        max_length=16, choices=Verification.choices, default=Verification.UNVERIFIED
    )
    is_current = models.BooleanField(default=True)
    valid_from = models.DateTimeField()
    valid_to = models.DateTimeField(null=True, blank=True)
    recorded_by = models.CharField(max_length=150, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["participant"],
                condition=Q(is_current=True),
                name="address_one_current_per_participant",
            )
        ]
        indexes = [models.Index(fields=["normalized_key", "is_current"])]


class AddressFlag(models.Model):
    class Kind(models.TextChoices):
        BLANK = "blank", "Blank or incomplete address"
        UNDELIVERABLE = "undeliverable", "Undeliverable address"
        MISSING_UNIT = "missing_unit", "Missing unit number in a multi-unit building"
        SHARED = "shared", "Address shared by many participants"
        NON_RESIDENTIAL = "non_residential", "Known office, shelter or business"

    address = models.ForeignKey(Address, on_delete=models.CASCADE, related_name="flags")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    detail = models.CharField(max_length=200, blank=True)
    raised_at = models.DateTimeField()
    cleared_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["address", "kind"], name="address_flag_unique_kind")
        ]
        indexes = [models.Index(fields=["kind", "cleared_at"])]


class Case(models.Model):
    participant = models.ForeignKey(Participant, on_delete=models.PROTECT, related_name="cases")
    release_type = models.CharField(max_length=16, choices=ReleaseType.choices)
    release_date = models.DateField()
    releasing_facility = models.CharField(max_length=200, blank=True)
    office = models.ForeignKey(Office, on_delete=models.PROTECT, related_name="cases")
    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="caseload",
    )
    status = models.CharField(
        max_length=24, choices=CaseStatus.choices, default=CaseStatus.PENDING_FIRST_REPORT
    )
    closure_reason = models.CharField(max_length=24, choices=ClosureReason.choices, blank=True)
    opened_at = models.DateTimeField()
    closed_at = models.DateTimeField(null=True, blank=True)
    intake_batch = models.ForeignKey(
        "IntakeBatch", null=True, blank=True, on_delete=models.SET_NULL, related_name="cases"
    )

    class Meta:
        constraints = [
            # The idempotency key of a release record: re-importing it changes nothing.
            models.UniqueConstraint(
                fields=["participant", "release_date"], name="case_unique_release"
            ),
            models.UniqueConstraint(
                fields=["participant"],
                condition=~Q(status="closed"),
                name="case_one_open_per_participant",
            ),
        ]
        indexes = [
            models.Index(fields=["officer", "status"]),
            models.Index(fields=["office", "status"]),
        ]


class CaseStatusChange(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="status_changes")
    from_status = models.CharField(max_length=24, blank=True)
    to_status = models.CharField(max_length=24)
    closure_reason = models.CharField(max_length=24, blank=True)
    reason = models.CharField(max_length=500)
    actor_label = models.CharField(max_length=150)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField()

    class Meta:
        ordering = ["at", "id"]


class CaseAssignment(models.Model):
    """History of who supervised a case; the current one is on Case itself."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="assignments")
    office = models.ForeignKey(Office, on_delete=models.PROTECT, related_name="+")
    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    reason = models.CharField(max_length=500)
    actor_label = models.CharField(max_length=150)
    at = models.DateTimeField()

    class Meta:
        ordering = ["at", "id"]


class IntakeBatch(models.Model):
    class Source(models.TextChoices):
        CLI = "cli", "Command line"
        API = "api", "API"
        CONSOLE = "console", "Console upload"

    source = models.CharField(max_length=16, choices=Source.choices)
    filename = models.CharField(max_length=300, blank=True)
    content_sha256 = models.CharField(max_length=64, db_index=True)
    received_at = models.DateTimeField()
    actor_label = models.CharField(max_length=150)
    rows_total = models.PositiveIntegerField(default=0)
    rows_imported = models.PositiveIntegerField(default=0)
    rows_unchanged = models.PositiveIntegerField(default=0)
    rows_rejected = models.PositiveIntegerField(default=0)
    addresses_flagged = models.PositiveIntegerField(default=0)


class IntakeRowError(models.Model):
    batch = models.ForeignKey(IntakeBatch, on_delete=models.CASCADE, related_name="row_errors")
    row_number = models.PositiveIntegerField()
    field = models.CharField(max_length=64)
    reason = models.CharField(max_length=300)

    class Meta:
        ordering = ["row_number", "id"]


class LocateReferral(models.Model):
    """A case at large handed to the field team to find the person (issue 19). Who took it is
    recorded; its outcome drives the case (people.rules.referral_outcome_effect)."""

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        CLOSED = "closed", "Outcome recorded"

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="locate_referrals")
    taken_by = models.CharField(max_length=150)  # the field team or person who took it
    note = EncryptedTextField(max_length=500, blank=True)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.OPEN)
    opened_at = models.DateTimeField()
    opened_by = models.CharField(max_length=150)
    outcome = models.CharField(max_length=20, blank=True)
    outcome_note = EncryptedTextField(max_length=500, blank=True)
    outcome_at = models.DateTimeField(null=True, blank=True)
    outcome_by = models.CharField(max_length=150, blank=True)

    class Meta:
        ordering = ["-opened_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["case"],
                condition=Q(status="open"),
                name="locate_referral_one_open_per_case",
            )
        ]


class LocateAttempt(models.Model):
    """One attempt of the field team to find the person (a visit, a call)."""

    referral = models.ForeignKey(LocateReferral, on_delete=models.CASCADE, related_name="attempts")
    at = models.DateTimeField()
    place = EncryptedTextField(max_length=200, blank=True)
    note = EncryptedTextField(max_length=500)
    recorded_by = models.CharField(max_length=150)

    class Meta:
        ordering = ["at", "id"]
