"""ASGI entry point (uvicorn): Django, behind the lean telemetry door (atd.telemetry.door),
which answers device traffic itself when the device log (ATD_NATS_URL) is configured."""

import gc
import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "atd.config.settings")
django_application = get_asgi_application()

from atd.telemetry.door import TelemetryDoor  # noqa: E402  (needs the settings loaded above)

application = TelemetryDoor(django_application)

# Everything imported so far lives as long as the process: keep it out of the cyclic
# collector's oldest generation, so a full collection walks only what requests made since
# (a full walk of all of Django stalls every request in flight on this worker for tens of ms).
gc.collect()
gc.freeze()
