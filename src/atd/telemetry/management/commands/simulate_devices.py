"""`atd simulate devices --count N --hours H [--via http|mqtt|osmand|direct] [--live]`."""

from __future__ import annotations

import base64
import json
import random
import time
import urllib.parse
import urllib.request
from collections import defaultdict
from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from atd.core import clock
from atd.telemetry.demo import demo_devices_load, demo_devices_seed
from atd.telemetry.pipeline import Submission, pipeline_run
from atd.telemetry.simulate import SimDevice, track


class Command(BaseCommand):
    help = "Synthetic device tracks (home/work/errands, noise, gaps, drift, tamper, battery)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--count", type=int, default=20, help="devices (made if missing)")
        parser.add_argument("--hours", type=float, default=1.0, help="hours of history to send")
        parser.add_argument("--via", choices=["http", "mqtt", "osmand", "direct"], default="direct")
        parser.add_argument("--url", default="http://127.0.0.1:8000", help="for http/osmand")
        parser.add_argument(
            "--topic-root", default=None, help="for mqtt; default ATD_MQTT_TOPIC_ROOT"
        )
        parser.add_argument("--live", action="store_true", help="keep sending the current fix")
        parser.add_argument(
            "--interval", type=float, default=15.0, help="seconds between live fixes"
        )

    def handle(self, *args: Any, **opts: Any) -> None:
        sims = demo_devices_load()
        if len(sims) < opts["count"] and not opts["live"]:
            from atd.people.selectors import case_routing_for_participants  # noqa: F401
            from atd.telemetry.demo import participants_without_devices

            more = demo_devices_seed(
                participants_without_devices(),
                count=opts["count"],
                rng=random.Random(7),  # noqa: S311 (synthetic, seeded)
            )
            sims = sims + more
        sims = sims[: opts["count"]] if not opts["live"] else sims
        if not sims:
            raise CommandError("no devices to simulate: run `atd demo` or give --count")
        send = Sender(opts["via"], opts["url"], topic_root=opts["topic_root"])
        if opts["live"]:
            self._live(sims, send, opts["interval"])
            return
        end = clock.now().replace(microsecond=0)
        start = end - timedelta(hours=opts["hours"])
        records = [r for s in sims for r in track(s, start, opts["hours"])]
        records.sort(key=lambda r: r["time"])
        sent = send(records)
        self.stdout.write(f"sent {sent} record(s) from {len(sims)} device(s) via {opts['via']}")

    def _live(self, sims: list[SimDevice], send: Sender, interval: float) -> None:
        while True:
            started = time.monotonic()
            now = clock.now().replace(microsecond=0)
            records: list[dict[str, Any]] = []
            for s in sims:
                records.extend(
                    track(s, now, interval / 3600.0, step_s=max(1, int(interval)), gap_rate=0.0)
                )
            try:
                send(records)
            except Exception as exc:  # noqa: BLE001 - the demo keeps moving; the error is shown
                self.stderr.write(f"simulate_devices: sending failed ({exc}); retrying next tick")
            time.sleep(max(0.5, interval - (time.monotonic() - started)))


class Sender:
    """Sends canonical records by one of the ingest paths, exactly as a device would."""

    def __init__(self, via: str, url: str, *, topic_root: str | None = None) -> None:
        self.via = via
        self.url = url.rstrip("/")
        self.topic_root = topic_root
        self.mqtt: Any = None

    def __call__(self, records: list[dict[str, Any]]) -> int:
        if self.via == "direct":
            result = pipeline_run(submissions=[Submission(records)], via="http")
            return result.accepted
        if self.via == "http":
            by_device: dict[str, list[dict[str, Any]]] = defaultdict(list)
            for r in records:
                by_device[r["device"]].append(r)
            for serial, items in by_device.items():
                secret = items[0]["key"]
                body = json.dumps(
                    [{k: v for k, v in r.items() if k not in {"device", "key"}} for r in items]
                )
                request = urllib.request.Request(  # noqa: S310 - our own server's URL
                    f"{self.url}/api/telemetry",
                    data=body.encode(),
                    headers={
                        "Content-Type": "application/json",
                        "X-Device-Serial": serial,
                        "X-Device-Key": secret,
                    },
                    method="POST",
                )
                urllib.request.urlopen(request, timeout=30).read()  # noqa: S310
            return len(records)
        if self.via == "osmand":
            sent = 0
            for r in records:
                if "event" in r:  # the OsmAnd protocol carries positions only
                    continue
                params = {
                    "id": r["device"],
                    "key": r["key"],
                    "lat": r["lat"],
                    "lon": r["lon"],
                    "timestamp": r["time"],
                    "accuracy": r["accuracy"],
                    "batt": r["battery"],
                    "speed": r["speed"] / 0.514444,
                }
                auth = base64.b64encode(f"{r['device']}:{r['key']}".encode()).decode()
                request = urllib.request.Request(  # noqa: S310
                    f"{self.url}/api/telemetry/osmand?{urllib.parse.urlencode(params)}",
                    headers={"Authorization": f"Basic {auth}"},
                )
                urllib.request.urlopen(request, timeout=30).read()  # noqa: S310
                sent += 1
            return sent
        return self._mqtt(records)

    def _mqtt(self, records: list[dict[str, Any]]) -> int:
        import paho.mqtt.client as mqtt
        from paho.mqtt.enums import CallbackAPIVersion

        from atd.telemetry.mqtt import topic_for

        if self.mqtt is None:
            self.mqtt = mqtt.Client(CallbackAPIVersion.VERSION2, protocol=mqtt.MQTTv5)
            self.mqtt.connect("127.0.0.1", 1883)
            self.mqtt.loop_start()
        infos = []
        for r in records:
            payload = {
                "key": r["key"],
                "records": [{k: v for k, v in r.items() if k not in {"device", "key"}}],
            }
            topic = topic_for(r["device"], self.topic_root)
            infos.append(self.mqtt.publish(topic, json.dumps(payload), qos=1))
        for info in infos:
            info.wait_for_publish(timeout=30)
        return len(records)
