"""Forwarded headers are believed only from ATD_TRUSTED_PROXIES; the caller's X-Request-ID is
kept apart from the server's own (issue 16, "Why" item 6)."""

from __future__ import annotations

import os
import subprocess
import sys
from typing import Any

import pytest
from django.test import Client, override_settings

from atd.config.env import SettingsError, env_networks
from atd.core.middleware import client_address, trusted_networks
from atd.core.models import AuditEntry
from atd.testing.world import World

PROXIES = ["10.0.0.0/24", "fd00::1"]


def _login_and_read(client: Client, world: World, **headers: Any) -> AuditEntry:
    client.force_login(world.user("admin"), backend="django.contrib.auth.backends.ModelBackend")
    pid = world.participants["officer_a"].pk
    response = client.get(f"/api/people/participants/{pid}", **headers)
    assert response.status_code == 200, response.content
    entry = AuditEntry.objects.filter(action="participant.read").order_by("id").last()
    assert entry is not None
    entry.response_request_id = response["X-Request-ID"]  # type: ignore[attr-defined]
    return entry


@pytest.mark.django_db
def test_forwarded_for_from_an_untrusted_client_is_ignored(world: World) -> None:
    entry = _login_and_read(
        Client(REMOTE_ADDR="203.0.113.7"),
        world,
        HTTP_X_FORWARDED_FOR="198.51.100.1",
        HTTP_X_REQUEST_ID="forged-id-1",
    )
    assert entry.source_ip == "203.0.113.7"
    assert entry.request_id != "forged-id-1"
    assert entry.request_id == entry.response_request_id  # type: ignore[attr-defined]
    assert entry.client_request_id == "forged-id-1"


@pytest.mark.django_db
def test_forwarded_for_from_a_trusted_proxy_names_the_client(world: World) -> None:
    with override_settings(ATD_TRUSTED_PROXIES=PROXIES):
        entry = _login_and_read(
            Client(REMOTE_ADDR="10.0.0.5"),
            world,
            # The client's own forged hop, then the real client as the proxy saw it.
            HTTP_X_FORWARDED_FOR="192.0.2.99, 198.51.100.1",
        )
    assert entry.source_ip == "198.51.100.1"
    assert entry.client_request_id == ""


@pytest.mark.django_db
def test_forwarded_proto_from_an_untrusted_client_does_not_make_the_request_secure(
    world: World,
) -> None:
    seen: dict[str, Any] = {}
    from atd.core import middleware

    def capture(request: Any) -> Any:
        from django.http import HttpResponse

        seen["secure"] = request.is_secure()
        seen["forwarded"] = request.META.get("HTTP_X_FORWARDED_FOR")
        return HttpResponse()

    with override_settings(SECURE_PROXY_SSL_HEADER=("HTTP_X_FORWARDED_PROTO", "https")):
        from django.test import RequestFactory

        request = RequestFactory().get(
            "/",
            REMOTE_ADDR="203.0.113.7",
            HTTP_X_FORWARDED_PROTO="https",
            HTTP_X_FORWARDED_FOR="1.2.3.4",
        )
        middleware.RequestContextMiddleware(capture)(request)
        assert seen == {"secure": False, "forwarded": None}
        with override_settings(ATD_TRUSTED_PROXIES=PROXIES):
            request = RequestFactory().get(
                "/",
                REMOTE_ADDR="10.0.0.9",
                HTTP_X_FORWARDED_PROTO="https",
                HTTP_X_FORWARDED_FOR="1.2.3.4",
            )
            middleware.RequestContextMiddleware(capture)(request)
        assert seen == {"secure": True, "forwarded": "1.2.3.4"}
        assert request.META["REMOTE_ADDR"] == "1.2.3.4"


@pytest.mark.django_db
def test_a_malformed_client_request_id_is_not_kept(world: World) -> None:
    entry = _login_and_read(Client(), world, HTTP_X_REQUEST_ID="x" * 65)
    assert entry.client_request_id == ""


def test_client_address_walks_only_trusted_hops() -> None:
    trusted = trusted_networks(PROXIES)
    assert client_address("203.0.113.7", "1.1.1.1", trusted) == "203.0.113.7"
    assert client_address("10.0.0.5", "", trusted) == "10.0.0.5"
    assert client_address("10.0.0.5", "1.1.1.1, 2.2.2.2, 10.0.0.7", trusted) == "2.2.2.2"
    assert client_address("10.0.0.5", "10.0.0.8, 10.0.0.7", trusted) == "10.0.0.8"
    assert client_address("10.0.0.5", "1.1.1.1, not-an-ip", trusted) == "10.0.0.5"
    assert client_address("fd00::1", "2001:db8::5", trusted) == "2001:db8::5"


def test_trusted_proxies_setting_fails_fast_on_a_bad_value(monkeypatch: Any) -> None:
    monkeypatch.setenv("ATD_TRUSTED_PROXIES", "10.0.0.1, 192.168.0.0/16 ,::1")
    assert env_networks("ATD_TRUSTED_PROXIES", []) == ["10.0.0.1/32", "192.168.0.0/16", "::1/128"]
    monkeypatch.setenv("ATD_TRUSTED_PROXIES", "10.0.0.1,*")
    with pytest.raises(SettingsError, match="not an IP address"):
        env_networks("ATD_TRUSTED_PROXIES", [])
    env = {**os.environ, "ATD_TRUSTED_PROXIES": "proxy.example"}
    result = subprocess.run(  # noqa: S603 (fixed argv)
        [sys.executable, "-c", "import django; from django.conf import settings; settings.DEBUG"],
        env={**env, "DJANGO_SETTINGS_MODULE": "atd.config.settings"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0
    assert "ATD_TRUSTED_PROXIES" in result.stderr


def test_serve_does_not_let_uvicorn_believe_forwarded_headers(monkeypatch: Any) -> None:
    import uvicorn

    from atd.core.management.commands.serve import Command

    calls: list[dict[str, Any]] = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: calls.append(kw))
    Command().handle(host="127.0.0.1", port=8102, workers=1, access_log=False)
    assert calls and calls[0]["proxy_headers"] is False
