"""SMS through a provider's REST API, in the shape most providers share: a form-encoded POST
with basic auth (account id and token) answers the message's id; the provider later posts the
message's delivery state, and the participant's replies, to callbacks signed with the token.

Failures are told apart because they are handled apart: a 4xx means the provider refused this
message (a bad number, a blocked recipient) and retrying cannot help; a 5xx, a timeout or a
refused connection is the provider's trouble and the message is retried with back-off.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.error import HTTPError, URLError
from urllib.parse import urlencode
from urllib.request import Request, urlopen

from django.conf import settings

STATUS_PATH = "/alerts/hooks/sms/status/"
INBOUND_PATH = "/alerts/hooks/sms/inbound/"
MAX_ANSWER_BYTES = 64 * 1024


class SmsRejected(Exception):
    """The provider refused the message (HTTP 4xx): permanent, never retried."""


class SmsUnavailable(Exception):
    """The provider could not take the message now (5xx, timeout, network): retried."""


@dataclass(frozen=True)
class HttpSmsConfig:
    url: str
    account: str
    token: str
    sender: str
    callback_base: str = ""
    timeout_s: float = 10.0

    @classmethod
    def from_settings(cls) -> HttpSmsConfig:
        return cls(
            url=settings.ATD_SMS_URL,
            account=settings.ATD_SMS_ACCOUNT,
            token=settings.ATD_SMS_TOKEN,
            sender=settings.ATD_SMS_FROM,
            callback_base=settings.ATD_SMS_CALLBACK_BASE,
            timeout_s=settings.ATD_SMS_TIMEOUT_S,
        )


def callback_signature(token: str, url: str, params: Mapping[str, str]) -> str:
    """The provider's signature of a callback: HMAC-SHA1 with the account token over the full
    URL it called followed by every form field, name then value, in name order; base64."""
    message = url + "".join(f"{key}{params[key]}" for key in sorted(params))
    digest = hmac.new(token.encode(), message.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def callback_signature_valid(
    token: str, url: str, params: Mapping[str, str], signature: str
) -> bool:
    if not token or not signature:
        return False
    return hmac.compare_digest(callback_signature(token, url, params), signature)


class HttpSmsGateway:
    def __init__(self, config: HttpSmsConfig | None = None) -> None:
        self.config = config or HttpSmsConfig.from_settings()

    def send_sms(self, to: str, text: str) -> str:
        fields = {"To": to, "From": self.config.sender, "Body": text}
        if self.config.callback_base:
            fields["StatusCallback"] = self.config.callback_base + STATUS_PATH
        credentials = base64.b64encode(
            f"{self.config.account}:{self.config.token}".encode()
        ).decode()
        request = Request(  # noqa: S310 - the URL is a setting checked to be http(s) at start-up
            self.config.url,
            data=urlencode(fields).encode(),
            method="POST",
            headers={
                "Authorization": f"Basic {credentials}",
                "Content-Type": "application/x-www-form-urlencoded",
                "Accept": "application/json",
            },
        )
        try:
            with urlopen(request, timeout=self.config.timeout_s) as answer:  # noqa: S310
                body = answer.read(MAX_ANSWER_BYTES)
        except HTTPError as exc:
            detail = _provider_message(exc.read(MAX_ANSWER_BYTES))
            if 400 <= exc.code < 500 and exc.code not in (408, 429):
                raise SmsRejected(f"HTTP {exc.code}: {detail}") from None
            raise SmsUnavailable(f"HTTP {exc.code}: {detail}") from None
        except (URLError, TimeoutError, OSError) as exc:
            raise SmsUnavailable(f"{type(exc).__name__}: {exc}") from None
        try:
            answer_json = json.loads(body)
        except ValueError:
            raise SmsUnavailable("the provider's answer is not JSON") from None
        sid = answer_json.get("sid") if isinstance(answer_json, dict) else None
        if not isinstance(sid, str) or not sid or len(sid) > 200:
            raise SmsUnavailable("the provider's answer has no message id")
        return sid


def _provider_message(body: bytes) -> str:
    try:
        parsed = json.loads(body)
    except ValueError:
        return body[:200].decode("utf-8", "replace")
    if isinstance(parsed, dict):
        return str(parsed.get("message") or parsed.get("detail") or parsed)[:200]
    return str(parsed)[:200]
