"""Pure alert rules: no database."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest

from atd.alerts import rules
from atd.alerts.rules import (
    OnCallHours,
    TransitionRefused,
    ack_due_at,
    escalation_level_due,
    on_call_at,
    pages_for,
    retry_after,
    severity_for,
    severity_table,
    sla_label,
    sla_table,
    transition_check,
)

T0 = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)  # a Monday


def test_strap_tamper_is_critical_and_battery_medium_by_default() -> None:
    assert severity_for("strap_tamper") == "critical"
    assert severity_for("missed_checkin") == "high"
    assert severity_for("battery_low") == "medium"


def test_configured_severity_overrides_the_default_but_not_the_signal() -> None:
    table = severity_table("battery_low=high, bogus=extreme")
    assert table == {"battery_low": "high"}
    assert severity_for("battery_low", None, table) == "high"
    assert severity_for("battery_low", "low", table) == "low"


def test_default_ack_slas_are_15_minutes_4_hours_24_hours() -> None:
    assert ack_due_at("critical", T0) == T0 + timedelta(minutes=15)
    assert ack_due_at("high", T0) == T0 + timedelta(hours=4)
    assert ack_due_at("medium", T0) == T0 + timedelta(hours=24)


def test_sla_minutes_are_configurable_and_bad_values_ignored() -> None:
    table = sla_table("critical=5,high=abc,nonsense=3")
    assert table["critical"] == timedelta(minutes=5)
    assert table["high"] == timedelta(hours=4)
    assert ack_due_at("critical", T0, table) == T0 + timedelta(minutes=5)


def test_resolve_requires_a_disposition_and_a_note() -> None:
    with pytest.raises(TransitionRefused, match="disposition"):
        transition_check("resolve", "acknowledged", note="called")
    with pytest.raises(TransitionRefused, match="note"):
        transition_check("resolve", "acknowledged", disposition="false_alarm", note="  ")
    assert transition_check("resolve", "open", disposition="device_fault", note="x") == "resolved"


def test_reopen_requires_a_resolved_alert_and_a_reason() -> None:
    with pytest.raises(TransitionRefused, match="cannot"):
        transition_check("reopen", "open", reason="x")
    with pytest.raises(TransitionRefused, match="reason"):
        transition_check("reopen", "resolved", reason="")
    assert transition_check("reopen", "resolved", reason="called back") == "open"


def test_acknowledging_twice_is_refused() -> None:
    with pytest.raises(TransitionRefused):
        transition_check("acknowledge", "acknowledged")


def test_an_unacknowledged_alert_escalates_to_supervisor_then_on_call() -> None:
    due = T0 + timedelta(minutes=15)

    def level(minutes: int, status: str = "open", current: int = 0) -> int:
        return escalation_level_due(
            status=status,
            opened_at=T0,
            ack_due=due,
            level=current,
            now=T0 + timedelta(minutes=minutes),
        )

    assert level(14) == 0
    assert level(15) == 1
    assert level(29) == 1
    assert level(30) == 2
    assert level(600) == 2  # a worker down for hours catches up to the last level only
    assert level(60, status="acknowledged") == 0
    assert level(16, current=2) == 2  # never goes down


def test_on_call_hours_follow_the_officer_time_zone_and_cross_midnight() -> None:
    night = OnCallHours(weekdays=(0,), start=time(22), end=time(6), timezone="America/Chicago")
    # Monday 23:00 Chicago = Tuesday 05:00 UTC
    assert on_call_at(night, datetime(2026, 11, 24, 5, 0, tzinfo=UTC))
    # Tuesday 03:00 Chicago (Monday's window still) = Tuesday 09:00 UTC
    assert on_call_at(night, datetime(2026, 11, 24, 9, 0, tzinfo=UTC))
    # Tuesday 12:00 Chicago
    assert not on_call_at(night, datetime(2026, 11, 24, 18, 0, tzinfo=UTC))
    assert not on_call_at(OnCallHours(weekdays=(), start=None, end=None), T0)


def test_officers_are_paged_for_their_chosen_severities_or_critical_and_high() -> None:
    assert pages_for("critical", [])
    assert not pages_for("medium", [])
    assert pages_for("medium", ["medium"])
    assert not pages_for("critical", ["medium"])


def test_failed_deliveries_back_off_then_give_up() -> None:
    assert retry_after(1, 4) == timedelta(seconds=30)
    assert retry_after(2, 4) == timedelta(minutes=2)
    assert retry_after(3, 4) == timedelta(minutes=10)
    assert retry_after(4, 4) is None
    assert retry_after(1, 1) is None


def test_sla_label_reads_left_or_breached() -> None:
    assert sla_label(timedelta(minutes=12, seconds=5)) == "12m left"
    assert sla_label(timedelta(hours=-1, minutes=-3)) == "breached 1h 3m ago"


def test_sms_length_counts_gsm_and_unicode_segments() -> None:
    assert rules.sms_length("a" * 160) == rules.SmsLength("gsm7", 160, 1)
    assert rules.sms_length("a" * 161).segments == 2  # 153 a segment once split
    assert rules.sms_length("€" * 80).units == 160  # extension characters count twice
    assert rules.sms_length("Audiencia mañana a las 9").encoding == "gsm7"  # ñ is in GSM 03.38
    assert rules.sms_length("Corte de Inmigración").encoding == "ucs2"  # ó is not
    assert rules.sms_length("Você tem uma audiência").encoding == "ucs2"  # ê is not
    assert rules.sms_length("ê" * 70).segments == 1 and rules.sms_length("ê" * 71).segments == 2


def test_sms_fit_cuts_to_three_segments_with_an_ellipsis() -> None:
    short = "Su registro abre hoy."
    assert rules.sms_fit(short) == short
    cut = rules.sms_fit("x" * 1000)
    # A GSM-7 text is cut with "..." (a "…" would turn it UCS-2 and cost two thirds of it).
    assert cut.endswith("...") and rules.sms_length(cut) == rules.SmsLength("gsm7", 459, 3)
    cut = rules.sms_fit("я" * 1000)  # UCS-2 already: the one-character ellipsis
    assert cut.endswith("…") and rules.sms_length(cut).segments == 3


@pytest.mark.parametrize(
    ("reply", "intent"),
    [
        ("STOP", "stop"),
        ("stop please", "stop"),
        ("Parar", "stop"),
        ("¡ALTO!", "stop"),
        ("Arrêt", "stop"),
        ("START", "start"),
        ("comenzar", "start"),
        ("stopping by later", ""),
        ("", ""),
        ("\x00", ""),
    ],
)
def test_sms_replies_that_stop_or_restart_texts(reply: str, intent: str) -> None:
    assert rules.sms_reply_intent(reply) == intent


@pytest.mark.parametrize(
    ("raw", "e164"),
    [
        ("+1 312 555 0100", "+13125550100"),
        ("(312) 555-0100", "+13125550100"),
        ("+52 55 5555 1234", "+525555551234"),
        ("+1 555 0100", None),  # no such area code
        ("call me", None),
        ("", None),
        ("1" * 100, None),
    ],
)
def test_phone_numbers_are_checked_and_written_in_e164(raw: str, e164: str | None) -> None:
    assert rules.phone_e164(raw) == e164


def test_a_stop_moves_a_participants_messages_to_another_channel() -> None:
    assert rules.participant_channel(phone="+1", sms_opted_out=False, email="a@x") == "sms"
    assert rules.participant_channel(phone="+1", sms_opted_out=True, email="a@x") == "email"
    assert rules.participant_channel(phone="+1", sms_opted_out=True, email="") == "in_app"
    assert rules.participant_channel(phone="", sms_opted_out=False, email="") == "in_app"


def test_provider_reports_never_move_a_message_backwards() -> None:
    assert rules.sms_status_advances("", "queued")
    assert rules.sms_status_advances("sent", "delivered")
    assert not rules.sms_status_advances("delivered", "sent")
    assert not rules.sms_status_advances("", "exploded")
