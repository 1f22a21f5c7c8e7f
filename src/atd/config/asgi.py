"""ASGI entry point (uvicorn): Django, behind the lean telemetry door (atd.telemetry.door),
which answers device traffic itself when the device log (ATD_NATS_URL) is configured."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "atd.config.settings")
django_application = get_asgi_application()

from atd.telemetry.door import TelemetryDoor  # noqa: E402  (needs the settings loaded above)

application = TelemetryDoor(django_application)
