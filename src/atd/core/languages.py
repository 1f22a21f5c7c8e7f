"""Which of the program's languages a participant is written to in."""

from __future__ import annotations

from django.conf import settings


def language_supported(preferred: str) -> str:
    """The language code ("es" for "es-MX" or "es_MX") if every participant text exists in it,
    else "" (the caller decides the fallback). Completeness is checked by a test against the
    catalogs, so a language is in settings.LANGUAGES only when it is whole."""
    code = (preferred or "").replace("_", "-").split("-")[0].lower()
    return code if code in {c for c, _name in settings.LANGUAGES} else ""
