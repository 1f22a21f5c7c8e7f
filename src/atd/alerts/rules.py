"""Pure alert rules: severity per kind, acknowledgement SLAs, lifecycle moves, escalation
levels, on-call hours and delivery retries. No Django: `now` and configuration are passed in."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import phonenumbers

DEFAULT_SEVERITY: dict[str, str] = {
    "strap_tamper": "critical",
    "missed_checkin": "high",
    "zone_exit": "high",
    "zone_entry": "high",
    "curfew": "high",
    "arrest_match": "high",
    "report_deadline": "high",
    "hearing_missed": "high",
    "battery_critical": "medium",
    "battery_low": "medium",
    "no_signal": "medium",
    "location_unverified": "medium",
    "checkin_plausibility": "medium",
    "notice_not_served": "medium",
    "low_stock": "low",
    "charging": "low",
    "review_overdue": "medium",
    "login_attack": "high",
    "identity_no_match": "high",
    "at_large_proposed": "high",
}

ACK_SLA: dict[str, timedelta] = {
    "critical": timedelta(minutes=15),
    "high": timedelta(hours=4),
    "medium": timedelta(hours=24),
    "low": timedelta(hours=72),
}

SEVERITY_ORDER = ("critical", "high", "medium", "low")


def severity_for(
    kind: str, override: str | None = None, table: dict[str, str] | None = None
) -> str:
    """The signal's own severity wins, then the configured table, then the defaults."""
    if override:
        return override
    if table and kind in table:
        return table[kind]
    return DEFAULT_SEVERITY.get(kind, "medium")


def ack_due_at(
    severity: str, opened_at: datetime, sla: dict[str, timedelta] | None = None
) -> datetime:
    table = sla or ACK_SLA
    return opened_at + table.get(severity, table.get("medium", ACK_SLA["medium"]))


def parse_pairs(text: str) -> dict[str, str]:
    """'battery_low=high, no_signal=low' -> {'battery_low': 'high', 'no_signal': 'low'}."""
    out: dict[str, str] = {}
    for part in text.split(","):
        if "=" in part:
            key, value = part.split("=", 1)
            if key.strip() and value.strip():
                out[key.strip()] = value.strip()
    return out


def sla_table(minutes_text: str) -> dict[str, timedelta]:
    """Defaults overridden by 'critical=10,high=120' (minutes); bad values are ignored."""
    table = dict(ACK_SLA)
    for severity, value in parse_pairs(minutes_text).items():
        if severity in SEVERITY_ORDER and value.isdigit() and int(value) > 0:
            table[severity] = timedelta(minutes=int(value))
    return table


def severity_table(text: str) -> dict[str, str]:
    return {k: v for k, v in parse_pairs(text).items() if v in SEVERITY_ORDER}


# --- lifecycle -------------------------------------------------------------

# action -> (statuses it may start from, status it ends in)
TRANSITIONS: dict[str, tuple[frozenset[str], str]] = {
    "acknowledge": (frozenset({"open"}), "acknowledged"),
    "resolve": (frozenset({"open", "acknowledged"}), "resolved"),
    "reopen": (frozenset({"resolved"}), "open"),
}

DISPOSITIONS = ("device_fault", "contacted_compliant", "false_alarm", "referred", "other")


class TransitionRefused(ValueError):
    """The move is not allowed from the alert's current state, or lacks what it requires."""


def transition_check(
    action: str, status: str, *, disposition: str = "", note: str = "", reason: str = ""
) -> str:
    """Returns the status the alert moves to, or raises TransitionRefused saying why."""
    if action not in TRANSITIONS:
        raise TransitionRefused(f"unknown action {action!r}")
    allowed_from, to_status = TRANSITIONS[action]
    if status not in allowed_from:
        raise TransitionRefused(f"an alert that is {status} cannot be {to_status}")
    if action == "resolve":
        if disposition not in DISPOSITIONS:
            raise TransitionRefused("a disposition is required to resolve an alert")
        if not note.strip():
            raise TransitionRefused("a note is required to resolve an alert")
    if action == "reopen" and not reason.strip():
        raise TransitionRefused("a reason is required to reopen an alert")
    return to_status


# --- SLA and escalation ----------------------------------------------------

MAX_ESCALATION_LEVEL = 2  # 1: the office supervisor, 2: the office's on-call list


def sla_remaining(ack_due: datetime, now: datetime) -> timedelta:
    return ack_due - now


def escalation_level_due(
    *, status: str, opened_at: datetime, ack_due: datetime, level: int, now: datetime
) -> int:
    """The escalation level an alert should have reached by `now` (never below `level`).

    Level n is due at `ack_due + (n-1) * SLA`: a critical alert (15 min) goes to the
    supervisor at 15 min and to the on-call list at 30 min. Only unacknowledged alerts
    escalate. Derived from stored times alone, so a worker that was down catches up."""
    if status != "open" or now < ack_due:
        return level
    step = max(ack_due - opened_at, timedelta(minutes=1))
    reached = 1 + int((now - ack_due) / step)
    return max(level, min(reached, MAX_ESCALATION_LEVEL))


# --- on-call and paging ----------------------------------------------------


@dataclass(frozen=True)
class OnCallHours:
    weekdays: tuple[int, ...]
    start: time | None
    end: time | None
    timezone: str = "UTC"


def on_call_at(hours: OnCallHours, moment: datetime) -> bool:
    """True inside the officer's hours (local time); a window may cross midnight. No hours set
    means never on call (they are still paged as supervisor of their office)."""
    if hours.start is None or hours.end is None or not hours.weekdays:
        return False
    try:
        local = moment.astimezone(ZoneInfo(hours.timezone))
    except (KeyError, ValueError):
        local = moment
    if hours.start <= hours.end:
        return local.weekday() in hours.weekdays and hours.start <= local.time() < hours.end
    if local.time() >= hours.start:
        return local.weekday() in hours.weekdays
    if local.time() < hours.end:
        return (local - timedelta(days=1)).weekday() in hours.weekdays
    return False


def pages_for(severity: str, page_severities: Iterable[str]) -> bool:
    """Whether a severity pages an officer: their choice, or critical/high when unset."""
    chosen = set(page_severities)
    return severity in (chosen or {"critical", "high"})


# --- delivery retries ------------------------------------------------------

RETRY_DELAYS = (timedelta(seconds=30), timedelta(minutes=2), timedelta(minutes=10))


def retry_after(attempt_no: int, max_attempts: int) -> timedelta | None:
    """The wait before the next try after failed attempt `attempt_no` (1-based); None: give up."""
    if attempt_no >= max_attempts:
        return None
    return RETRY_DELAYS[min(attempt_no - 1, len(RETRY_DELAYS) - 1)]


def sla_label(remaining: timedelta) -> str:
    """'12m left', '3h 5m left', 'breached 4m ago' (for the visible timer's fallback text)."""
    seconds = int(remaining.total_seconds())
    past = seconds < 0
    seconds = abs(seconds)
    hours, rest = divmod(seconds, 3600)
    minutes = rest // 60
    text = f"{hours}h {minutes}m" if hours else f"{minutes}m"
    return f"breached {text} ago" if past else f"{text} left"


# --- text messages -----------------------------------------------------------

# GSM 03.38 basic alphabet (and its extension table, whose characters count twice). A message in
# it is sent 7 bits a character: 160 in one segment, 153 a segment when split. Any other
# character (an accented capital outside the set, most non-Latin scripts) makes the whole
# message UCS-2: 70 in one segment, 67 a segment when split.
GSM_BASIC = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM_EXTENDED = set("^{}\\[~]|€\f")
SMS_MAX_SEGMENTS = 3


@dataclass(frozen=True)
class SmsLength:
    encoding: str  # "gsm7" or "ucs2"
    units: int  # characters as the network counts them
    segments: int


def sms_length(text: str) -> SmsLength:
    if all(c in GSM_BASIC or c in GSM_EXTENDED for c in text):
        units = sum(2 if c in GSM_EXTENDED else 1 for c in text)
        single, multi, encoding = 160, 153, "gsm7"
    else:
        units = sum(2 if ord(c) > 0xFFFF else 1 for c in text)
        single, multi, encoding = 70, 67, "ucs2"
    segments = 1 if units <= single else -(-units // multi)
    return SmsLength(encoding, units, segments)


_GSM_LOOKALIKES = {
    "\u2018": "'",
    "\u2019": "'",
    "\u201c": '"',
    "\u201d": '"',
    "\u2013": "-",
    "\u2014": "-",
    "\u2026": "...",
    "\u00a0": " ",
    "\u0153": "oe",
    "\u0152": "OE",
}


def sms_gsm_fold(text: str) -> str:
    """The text with each character outside the GSM 7-bit alphabet replaced by its plain
    letter when it has one (á -> a, ç -> c, ã -> a, ê -> e, typographic quotes and dashes ->
    ASCII), as providers' "smart encoding" does: one such character would otherwise make the
    whole message UCS-2 (70 characters a segment instead of 160). Letters GSM-7 has (é, ñ, ü,
    à, ¿, ¡) are kept; a character with no plain form (a non-Latin script) is kept, and the
    message then goes as UCS-2, whole."""
    out = []
    for c in text:
        if c in GSM_BASIC or c in GSM_EXTENDED:
            out.append(c)
            continue
        if c in _GSM_LOOKALIKES:
            out.append(_GSM_LOOKALIKES[c])
            continue
        plain = "".join(d for d in unicodedata.normalize("NFKD", c) if not unicodedata.combining(d))
        out.append(plain if plain and all(d in GSM_BASIC for d in plain) else c)
    return "".join(out)


def sms_fit(text: str, max_segments: int = SMS_MAX_SEGMENTS) -> str:
    """The text cut (with an ellipsis) to at most `max_segments` segments; unchanged if it fits.
    The ellipsis is "..." for a GSM-7 text (a "…" would make it UCS-2)."""
    if sms_length(text).segments <= max_segments:
        return text
    ellipsis = "..." if sms_length(text).encoding == "gsm7" else "…"
    low, high = 0, len(text)
    while low < high:  # the longest prefix that fits with the ellipsis
        mid = (low + high + 1) // 2
        if sms_length(text[:mid].rstrip() + ellipsis).segments <= max_segments:
            low = mid
        else:
            high = mid - 1
    return text[:low].rstrip() + ellipsis


def sms_text(subject: str, body: str, max_segments: int = SMS_MAX_SEGMENTS) -> str:
    """What a text message says: subject and body, folded to GSM-7 where it can be, cut to at
    most `max_segments` segments."""
    return sms_fit(sms_gsm_fold(f"{subject}: {body}"), max_segments)


# Replies that stop or restart text messages, in the program's languages (and the carriers'
# standard English words). Compared on the first word, case and accents ignored.
SMS_STOP_WORDS = frozenset(
    {
        "stop",
        "stopall",
        "unsubscribe",
        "cancel",
        "end",
        "quit",
        "parar",
        "alto",
        "baja",
        "cancelar",
        "arret",
        "arreter",
        "desabonner",
        "pare",
        "sair",
        "cancele",
        "desinscrever",
    }
)
SMS_START_WORDS = frozenset(
    {
        "start",
        "unstop",
        "yes",
        "comenzar",
        "iniciar",
        "reanudar",
        "comecar",
        "voltar",
        "commencer",
        "reprendre",
    }
)


def sms_reply_intent(body: str) -> str:
    """ "stop", "start" or "" for a participant's reply to a text message."""
    words = body.strip().split()
    if not words:
        return ""
    first = unicodedata.normalize("NFKD", words[0]).encode("ascii", "ignore").decode().lower()
    first = first.strip(".!¡¿?,;:")
    if first in SMS_STOP_WORDS:
        return "stop"
    if first in SMS_START_WORDS:
        return "start"
    return ""


def phone_e164(raw: str, default_region: str = "US") -> str | None:
    """A phone number in E.164 (+13125550100), or None when it is not a valid number."""
    text = (raw or "").strip()
    if not text or len(text) > 40:
        return None
    try:
        number = phonenumbers.parse(text, default_region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def participant_channel(*, phone: str, sms_opted_out: bool, email: str) -> str:
    """Where a message to a participant goes: a text if they have a number and have not replied
    STOP; else e-mail; else the portal's in-app list. A STOP therefore never silences a notice:
    it moves it to another channel."""
    if phone and not sms_opted_out:
        return "sms"
    if email:
        return "email"
    return "in_app"


# Delivery states a provider reports, in the order a message goes through them; a report never
# moves a message backwards (callbacks can arrive out of order).
SMS_STATUS_RANK = {
    "accepted": 1,
    "scheduled": 1,
    "queued": 1,
    "sending": 2,
    "sent": 3,
    "delivered": 4,
    "read": 4,
    "undelivered": 4,
    "failed": 4,
    "canceled": 4,
}


def sms_status_advances(current: str, reported: str) -> bool:
    """Whether a provider's report changes what is recorded (unknown states never do)."""
    if reported not in SMS_STATUS_RANK:
        return False
    return SMS_STATUS_RANK[reported] >= SMS_STATUS_RANK.get(current, 0)


# --- quiet hours -------------------------------------------------------------


@dataclass(frozen=True)
class QuietHours:
    """A nightly span (local time) in which non-urgent texts to participants wait; it may cross
    midnight (21:00-08:00)."""

    start: time
    end: time


def quiet_hours_parse(text: str) -> QuietHours | None:
    """'21:00-08:00' -> QuietHours; '' or 'off' -> None (no quiet hours); ValueError otherwise."""
    value = (text or "").strip().lower()
    if value in ("", "off", "none"):
        return None
    try:
        start_text, end_text = value.split("-")
        start, end = time.fromisoformat(start_text.strip()), time.fromisoformat(end_text.strip())
    except ValueError:
        raise ValueError(f"quiet hours must look like 21:00-08:00, not {text!r}") from None
    if start == end:
        raise ValueError("quiet hours need a start and an end that differ")
    return QuietHours(start, end)


def quiet_hours_release(hours: QuietHours | None, moment: datetime, zone: str) -> datetime | None:
    """When a message held at `moment` may go: the end of the quiet hours (an aware datetime)
    if `moment` falls inside them in the zone `zone`; None when it may go now. An unknown zone
    is read as UTC."""
    if hours is None:
        return None
    try:
        tz = ZoneInfo(zone)
    except (KeyError, ValueError):
        tz = ZoneInfo("UTC")
    local = moment.astimezone(tz)
    now_t = local.time().replace(tzinfo=None)
    if hours.start < hours.end:
        inside = hours.start <= now_t < hours.end
        end_day = local.date()
    else:
        inside = now_t >= hours.start or now_t < hours.end
        end_day = local.date() + timedelta(days=1) if now_t >= hours.start else local.date()
    if not inside:
        return None
    release = datetime.combine(end_day, hours.end, tzinfo=tz)
    return max(release, moment)


# Messages to participants that never wait for the quiet hours: they lose their point if held
# until morning. The morning-of hearing reminder (sent early on the day of the hearing) and the
# check-in window's closing reminder (the window may close before the quiet hours end).
QUIET_HOURS_EXEMPT_KINDS = frozenset({"hearing_reminder_day", "checkin_window_closing"})

# Legally required notices: they reach the participant even after a STOP, by e-mail, or when
# no e-mail is on file, by a letter the officer is asked to send.
LEGAL_NOTICE_KINDS = frozenset(
    {
        "hearing_scheduled",
        "hearing_reminder",
        "hearing_reminder_7d",
        "hearing_reminder_1d",
        "hearing_reminder_day",
    }
)


def quiet_hours_apply(kind: str, channel: str) -> bool:
    """Whether the quiet hours hold this message: texts only (an e-mail or a portal message
    wakes no one), and not the urgent kinds."""
    return channel == "sms" and kind not in QUIET_HOURS_EXEMPT_KINDS


# --- delivery state as the officer reads it ----------------------------------------------


def message_delivery_state(status: str, provider_status: str) -> str:
    """One of queued / sent / delivered / failed (or cancelled) from the message's own status
    and what the provider last reported: "sent" means handed to the channel; "delivered" only
    when the provider said so; a provider's failure after sending is a failure."""
    if status == "queued":
        return "queued"
    if status == "failed":
        return "failed"
    if status == "cancelled":
        return "cancelled"
    if provider_status in ("delivered", "read"):
        return "delivered"
    if provider_status in ("failed", "undelivered", "canceled"):
        return "failed"
    return "sent"
