"""Alert kinds, severities, statuses and dispositions, importable without the tables."""

from django.db import models


class AlertKind(models.TextChoices):
    STRAP_TAMPER = "strap_tamper", "Strap tamper / device removed"
    BATTERY_LOW = "battery_low", "Battery low"
    BATTERY_CRITICAL = "battery_critical", "Battery critical"
    CHARGING = "charging", "Charging started/stopped"
    NO_SIGNAL = "no_signal", "No signal"
    ZONE_EXIT = "zone_exit", "Inclusion zone exit"
    ZONE_ENTRY = "zone_entry", "Exclusion zone entry"
    CURFEW = "curfew", "Curfew violation"
    MISSED_CHECKIN = "missed_checkin", "Missed check-in"
    LOCATION_UNVERIFIED = "location_unverified", "Check-in location unverified"
    CHECKIN_PLAUSIBILITY = "checkin_plausibility", "Check-in plausibility flag"
    REPORT_DEADLINE = "report_deadline", "Report-by deadline passed"
    NOTICE_NOT_SERVED = "notice_not_served", "Notice not served"
    HEARING_MISSED = "hearing_missed", "Hearing missed"
    ARREST_MATCH = "arrest_match", "Confirmed arrest/booking match"
    LOW_STOCK = "low_stock", "Device stock low"
    REVIEW_OVERDUE = "review_overdue", "Review request overdue"
    LOGIN_ATTACK = "login_attack", "Failed sign-ins on one account from many addresses"
    IDENTITY_NO_MATCH = "identity_no_match", "Check-in photo does not match enrolment photo"
    # Proposed by people.rules.at_large_findings; an officer confirms or dismisses it.
    AT_LARGE_PROPOSED = "at_large_proposed", "Contact lost: at large proposed"
    OTHER = "other", "Other"


class Severity(models.TextChoices):
    CRITICAL = "critical", "Critical"
    HIGH = "high", "High"
    MEDIUM = "medium", "Medium"
    LOW = "low", "Low"


class AlertStatus(models.TextChoices):
    OPEN = "open", "Open"
    ACKNOWLEDGED = "acknowledged", "Acknowledged"
    RESOLVED = "resolved", "Resolved"


class Disposition(models.TextChoices):
    DEVICE_FAULT = "device_fault", "Device fault"
    CONTACTED_COMPLIANT = "contacted_compliant", "Participant contacted and in compliance"
    FALSE_ALARM = "false_alarm", "False alarm / GPS drift"
    REFERRED = "referred", "Referred for enforcement action"
    OTHER = "other", "Other"
