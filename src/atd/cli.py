"""The `atd` command: friendly names for Django management commands."""

from __future__ import annotations

import os
import sys

COMMANDS = {
    "serve": "serve",
    "worker": "worker",
    "migrate": "migrate",
    "demo": "demo",
    "demo-codes": "demo_codes",
    "import-releases": "import_releases",
    "audit": "audit",
    "crypto": "crypto",
    "apikey": "apikey",
    "staff": "staff",
    "scheduler": "scheduler",
    "checkins": "checkins",
    "schedule": "schedule_appointments",
    "alerts-escalate": "alerts_escalate",
    "notify": "notifications_deliver",
    "report": "cohort_report",
    "report-refresh": "reporting_refresh",
    "import-bookings": "matching_import",
    "match": "matching_link",
}

USAGE = """usage: atd COMMAND [options]

commands:
  serve                 start the web server (uvicorn) at 127.0.0.1:8000
  worker [--queue-name Q]  run background jobs: queued tasks and periodic jobs, fired
                        once per period across replicas (--queue-name paging: a worker
                        reserved for paging; --no-schedule: run jobs only)
  migrate               create or update the database tables
  demo                  migrate, seed synthetic data, start web + worker (make demo)
  demo-codes            print the demo users' current one-time codes (demo only)
  import-releases FILE  import release records from CSV or JSON
  simulate people       make synthetic participants (--count N)
  simulate devices      synthetic device tracks (--count N --hours H --via http|mqtt|osmand)
  ingest mqtt           subscribe to device telemetry on the MQTT broker
  ingest log            drain the JetStream device log (ATD_NATS_URL) into the database
  ingest bridge         MQTT broker -> JetStream device log (ack after the durable append)
  scheduler             alias of `atd worker`
  checkins windows|close|all   generate check-in windows / close the ones that ended
  schedule [--office CODE]     book due in-person check-ins into office capacity
  alerts-escalate [--loop S]   escalate alerts past their acknowledgement SLA
  notify [--loop S]            deliver queued notifications (in-app, email, SMS, webhook)
  report --cohort ID --as-of DATE   cohort status report (CSV/PDF, reproducible)
  report-refresh [--full]      bring the reporting summary rows up to date
  import-bookings --source S FILE [--link]   import an arrest/booking feed file
  match [--train]              link new bookings and participants (review queue)
  audit verify          check the audit log's keyed chain and its signed checkpoints
  audit checkpoint      sign the chain head now (also a periodic job)
  audit rotate-key      add a new audit key (the old ones stay for verification)
  crypto status|rotate-key|reencrypt
                        field encryption keys: values per key, add a key, re-seal
  apikey issue|revoke   manage integration API keys
  staff create          create a staff account
  manage ARGS...        any Django management command
"""


def main(argv: list[str] | None = None) -> None:
    args = list(sys.argv[1:] if argv is None else argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "atd.config.settings")
    if not args or args[0] in {"-h", "--help", "help"}:
        print(USAGE)
        return
    name, rest = args[0], args[1:]
    if name == "demo":
        # Demo-only conveniences are switched on here, before settings load, never by default.
        os.environ.setdefault("ATD_DEMO", "1")
        os.environ.setdefault("ATD_HTTPS", "0")
    from django.core.management import execute_from_command_line

    if name == "manage":
        execute_from_command_line(["atd", *rest])
        return
    if name in {"simulate", "ingest"} and rest and not rest[0].startswith("-"):
        # `atd simulate people ...` -> simulate_people; `atd ingest mqtt` -> ingest_mqtt
        execute_from_command_line(["atd", f"{name}_{rest[0].replace('-', '_')}", *rest[1:]])
        return
    if name not in COMMANDS:
        print(f"atd: unknown command {name!r}\n\n{USAGE}", file=sys.stderr)
        sys.exit(2)
    execute_from_command_line(["atd", COMMANDS[name], *rest])


if __name__ == "__main__":
    main()
