"""Hearing messages in the participant's language, from the translation catalogs."""

from atd.court import texts


def test_reminder_text_is_in_the_participants_language() -> None:
    subject, body = texts.hearing_reminder_text("es", court="Corte", when="2026-06-08 09:00")
    assert subject == "Recordatorio de audiencia"
    assert "Corte" in body and "2026-06-08 09:00" in body
    assert texts.hearing_reminder_text("xx", court="C", when="w")[0] == "Court hearing reminder"


def test_changed_hearing_text_in_french_names_the_court_and_time() -> None:
    subject, body = texts.hearing_changed_text("fr-CA", court="Cour", when="2026-06-08 09:00 EST")
    assert subject == "Votre audience a changé"
    assert "Cour" in body and "2026-06-08 09:00 EST" in body
