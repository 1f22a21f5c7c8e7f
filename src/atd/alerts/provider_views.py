"""The SMS provider's callbacks: delivery states and participants' replies.

They carry no session and no API key: each request must bear the provider's signature (HMAC
with the account token over the URL and the form fields; channels.sms.http). An unsigned or
wrongly signed request is refused with 403 and changes nothing; a signed one with bad fields
gets a 400 problem. Both answer quickly and never 500, since a provider retries errors.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from atd.alerts.channels.sms.http import callback_signature_valid
from atd.alerts.services.sms_replies import sms_reply_record, sms_status_record
from atd.core.api import problem_response
from atd.core.errors import DomainError

MAX_FIELD = 2000


def _signed_fields(request: HttpRequest) -> dict[str, str] | None:
    fields = {key: request.POST.get(key, "") for key in request.POST}
    if any(len(key) > 100 or len(value) > MAX_FIELD for key, value in fields.items()):
        return None
    base = settings.ATD_SMS_CALLBACK_BASE or f"{request.scheme}://{request.get_host()}"
    signature = request.headers.get(settings.ATD_SMS_SIGNATURE_HEADER, "")
    if not callback_signature_valid(settings.ATD_SMS_TOKEN, base + request.path, fields, signature):
        return None
    return fields


def _forbidden(request: HttpRequest) -> HttpResponse:
    return problem_response(
        request,
        {"type": "about:blank", "title": "Forbidden", "status": 403, "detail": "bad signature"},
    )


@csrf_exempt
@require_POST
def sms_status(request: HttpRequest) -> HttpResponse:
    fields = _signed_fields(request)
    if fields is None:
        return _forbidden(request)
    try:
        sms_status_record(
            provider_ref=fields.get("MessageSid", ""),
            status=fields.get("MessageStatus", ""),
            error_code=fields.get("ErrorCode", ""),
        )
    except DomainError as exc:
        return problem_response(request, exc.problem())
    return HttpResponse(status=204)


@csrf_exempt
@require_POST
def sms_inbound(request: HttpRequest) -> HttpResponse:
    fields = _signed_fields(request)
    if fields is None:
        return _forbidden(request)
    try:
        sms_reply_record(
            sender=fields.get("From", ""),
            body=fields.get("Body", ""),
            reply_ref=fields.get("MessageSid", ""),
        )
    except DomainError as exc:
        return problem_response(request, exc.problem())
    return HttpResponse(status=204)
