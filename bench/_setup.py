"""Shared set-up for benchmarks: a private database (never the demo's), Django configured."""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def bench_django(*, postgres_db: str | None = None) -> Path:
    """Configures Django on a throw-away SQLite file, or on a fresh PostgreSQL database named
    `postgres_db` (dropped and re-created on the local server)."""
    var = Path(tempfile.mkdtemp(prefix="atd-bench-"))
    os.environ["ATD_VAR_DIR"] = str(var)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "atd.config.settings")
    os.environ["ATD_TASKS_IMMEDIATE"] = "1"
    if postgres_db:
        import psycopg

        base = os.environ.get("ATD_BENCH_POSTGRES", "postgres://postgres@127.0.0.1:5432/postgres")
        with psycopg.connect(base, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{postgres_db}"')
            conn.execute(f'CREATE DATABASE "{postgres_db}"')
        os.environ["DATABASE_URL"] = base.rsplit("/", 1)[0] + "/" + postgres_db
    else:
        os.environ["DATABASE_URL"] = f"sqlite:///{var / 'bench.sqlite3'}"
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    return var


def scale() -> str:
    return os.environ.get("BENCH_SCALE", "full")


def peak_rss_mb() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
