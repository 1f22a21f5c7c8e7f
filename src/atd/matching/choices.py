"""Statuses and kinds of feeds, candidates and decisions, importable without the tables."""

from django.db import models


class FeedChannel(models.TextChoices):
    CSV = "csv", "CSV file"
    JSON = "json", "JSON file"
    API = "api", "API"


class CandidateStatus(models.TextChoices):
    PENDING = "pending", "Pending review"
    CONFIRMED = "confirmed", "Confirmed match"
    REJECTED = "rejected", "Rejected (not the same person)"


class SecondIdentifier(models.TextChoices):
    DATE_OF_BIRTH = "date_of_birth", "Date of birth agrees exactly"
    FINGERPRINT = "fingerprint", "Fingerprint identifier agrees"
    ANALYST_VERIFICATION = "analyst_verification", "Analyst's recorded verification"


class LinkageRunKind(models.TextChoices):
    FEED_BATCH = "feed_batch", "New feed batch against active participants"
    ENROLLMENT = "enrollment", "New enrollments against recent feeds"
    FULL = "full", "Full re-link"
