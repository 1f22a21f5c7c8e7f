"""Every reminder a participant gets, in every language, fits in a stated number of SMS segments
(GSM-7: 160 characters, or 153 a segment when split; UCS-2: 70, or 67) with the longest court
name, office name and address the texts allow. The channel writes accented letters GSM-7 lacks
plainly (alerts.rules.sms_gsm_fold), so these messages go 7-bit; the cut at three segments
(alerts.rules.sms_fit) is a safety net that none of them needs."""

from __future__ import annotations

import pytest

from atd.alerts.rules import SMS_MAX_SEGMENTS, sms_gsm_fold, sms_length
from atd.checkins import texts as checkin_texts
from atd.court import texts as court_texts
from atd.scheduling import texts as appointment_texts

LANGUAGES = ("en", "es", "pt", "fr")
COURT = "Immigration Court, " + "N" * 41  # 60 characters
OFFICE = "Field Office " + "O" * 47  # 60 characters
ADDRESS = "1234 Example Boulevard West, Suite 1500, " + "A" * 46 + ", TX 77002"  # 100
WHEN = "2026-12-03 09:00 CST"
DUE = "3 de diciembre de 2026"

# The stated maximum per reminder (docs/alerts.md, "Text length").
MAX_SEGMENTS = {
    "hearing_reminder": 3,
    "hearing_reminder_day": 3,
    "hearing_changed": 2,
    "appointment_reminder": 3,
    "checkin_window_open": 1,
    "checkin_window_closing": 2,
}


def _all(language: str) -> dict[str, tuple[str, str]]:
    return {
        "hearing_reminder": court_texts.hearing_reminder_text(
            language, court=COURT, when=WHEN, address=ADDRESS, label="7d"
        ),
        "hearing_reminder_day": court_texts.hearing_reminder_text(
            language, court=COURT, when=WHEN, address=ADDRESS, label="day"
        ),
        "hearing_changed": court_texts.hearing_changed_text(
            language, court=COURT, when=WHEN, address=ADDRESS
        ),
        "appointment_reminder": appointment_texts.appointment_reminder_text(
            language, office=OFFICE, address=ADDRESS, when=WHEN
        ),
        "checkin_window_open": checkin_texts.window_open_text(language, in_person=True, due=DUE),
        "checkin_window_closing": checkin_texts.window_closing_text(
            language, in_person=True, when=WHEN
        ),
    }


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_reminder_fits_its_stated_number_of_segments(language: str) -> None:
    for kind, (subject, body) in _all(language).items():
        text = sms_gsm_fold(f"{subject}: {body}")
        length = sms_length(text)
        assert length.encoding == "gsm7", (language, kind, text)
        assert length.segments <= MAX_SEGMENTS[kind] <= SMS_MAX_SEGMENTS, (
            language,
            kind,
            length,
            text,
        )


@pytest.mark.parametrize("language", ("es", "pt", "fr"))
def test_every_reminder_is_written_in_the_participants_language(language: str) -> None:
    english = _all("en")
    for kind, (subject, body) in _all(language).items():
        assert subject != english[kind][0], (language, kind)
        assert body != english[kind][1], (language, kind)


def test_segments_are_counted_as_the_network_counts_them() -> None:
    assert sms_length("a" * 160).segments == 1
    assert sms_length("a" * 161).segments == 2  # 153 a segment once split
    assert sms_length("a" * 306).segments == 2
    assert sms_length("a" * 307).segments == 3
    assert sms_length("€" * 80).units == 160  # the extension table counts twice
    assert sms_length("á" * 70).segments == 1  # á is not GSM-7: UCS-2
    assert sms_length("á" * 71).segments == 2  # 67 a segment once split
    assert sms_length("á" * 134).segments == 2


def test_folding_keeps_the_letters_gsm7_has_and_writes_the_others_plainly() -> None:
    assert sms_gsm_fold("¿Cuándo? Inmigración, José Núñez, ação, être") == (
        "¿Cuando? Inmigracion, José Nuñez, acao, etre"
    )
    assert sms_gsm_fold("“Aviso” – fin…") == '"Aviso" - fin...'
    assert sms_length(sms_gsm_fold("Привет")).encoding == "ucs2"  # no plain form: kept
