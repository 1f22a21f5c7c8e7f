"""The decision letter: paragraphs chosen by the decision, words from the translation catalogs."""

from atd.reviews import letters


def test_denial_letter_in_spanish_offers_the_appeal() -> None:
    letter = letters.decision_letter(
        language="es-MX",
        approved=False,
        old_technology="gps_ankle",
        new_technology="",
        reason="missed_checkins",
        explanation="",
        decided_on="2026-06-01",
        appeal_until="2026-07-01",
        device_return=False,
    )
    assert letter.language == "es"
    assert letter.title.startswith("Decisión")
    assert any("apelar" in p and "2026-07-01" in p for p in letter.paragraphs)
    assert any("monitor GPS de tobillo" in p for p in letter.paragraphs)


def test_approval_letter_mentions_the_device_return_and_falls_back_to_english() -> None:
    letter = letters.decision_letter(
        language="zz",
        approved=True,
        old_technology="wrist",
        new_technology="smartphone",
        reason="sustained_compliance",
        explanation="",
        decided_on="2026-06-01",
        appeal_until=None,
        device_return=True,
    )
    assert letter.language == "en"
    assert "from wrist-worn device to smartphone check-in" in letter.paragraphs[0]
    assert any("return of your device" in p for p in letter.paragraphs)


def test_letter_in_portuguese_and_french_from_the_catalogs() -> None:
    def denial(language: str) -> letters.Letter:
        return letters.decision_letter(
            language=language,
            approved=False,
            old_technology="wrist",
            new_technology="",
            reason="missed_checkins",
            explanation="",
            decided_on="2026-06-01",
            appeal_until="2026-07-01",
            device_return=False,
        )

    pt = denial("pt-BR")
    assert pt.language == "pt"
    assert pt.title.startswith("Decisão")
    assert any("dispositivo de pulso" in p for p in pt.paragraphs)
    fr = denial("fr")
    assert fr.language == "fr"
    assert fr.title.startswith("Décision")
    assert any("2026-07-01" in p and "superviseur" in p for p in fr.paragraphs)
