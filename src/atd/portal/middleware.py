"""A signed-in participant is answered in their language on every page and form they use.

The portal's own pages, and the forms other contexts render into it (appointments, reviews,
letters), are all in the language the participant chose with the switcher (a cookie, so a shared
phone can be switched without changing the record) or, failing that, their preferred language on
record. Flash messages are translated when the form is posted, so the language must be active on
the POST too: that is why this is middleware and not a decorator on the portal's views.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import translation

from atd.core.languages import language_supported
from atd.core.roles import Role
from atd.core.scope import Scope
from atd.people.selectors import participant_preferred_language


def portal_language(request: HttpRequest, preferred: str) -> str:
    """The switcher's choice (a cookie) if it names a program language, else the record's."""
    return (
        language_supported(request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, ""))
        or language_supported(preferred)
        or settings.LANGUAGE_CODE
    )


class ParticipantLanguageMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or user.role != Role.PARTICIPANT:
            return self.get_response(request)
        participant_id = Scope.for_user(user).participant_id or -1
        language = portal_language(
            request, participant_preferred_language(participant_id=participant_id)
        )
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        return response
