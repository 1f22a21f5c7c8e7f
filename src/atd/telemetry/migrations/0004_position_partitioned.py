"""On PostgreSQL, the position table becomes range-partitioned by day on fix_time (ADR 0017).
SQLite is left as it is. The rows move in one transaction; the first day partitions are made
by the `telemetry.partitions_ahead` job (until then every row lands in the default partition)."""

from django.db import migrations

# ruff: noqa: S608  (constant table names, no input)

T = "telemetry_position"

FORWARD = [
    f"ALTER TABLE {T} RENAME TO {T}_unpartitioned",
    f"ALTER TABLE {T}_unpartitioned RENAME CONSTRAINT {T}_pkey TO {T}_unpartitioned_pkey",
    f"ALTER TABLE {T}_unpartitioned RENAME CONSTRAINT position_unique_fix TO position_unique_fix_old",
    "ALTER INDEX position_participant RENAME TO position_participant_old",
    f"CREATE TABLE {T} (LIKE {T}_unpartitioned INCLUDING DEFAULTS INCLUDING IDENTITY "
    "INCLUDING CONSTRAINTS) PARTITION BY RANGE (fix_time)",
    # A partitioned table's keys must contain the partition key; id stays unique by its sequence.
    f"ALTER TABLE {T} ADD CONSTRAINT {T}_pkey PRIMARY KEY (id, fix_time)",
    f"ALTER TABLE {T} ADD CONSTRAINT position_unique_fix UNIQUE (device_id, fix_time)",
    f"CREATE INDEX position_participant ON {T} (participant_id, fix_time)",
    f"CREATE TABLE {T}_default PARTITION OF {T} DEFAULT",
    f"INSERT INTO {T} OVERRIDING SYSTEM VALUE SELECT * FROM {T}_unpartitioned",
    f"SELECT setval(pg_get_serial_sequence('{T}', 'id'), "
    f"COALESCE((SELECT max(id) FROM {T}), 0) + 1, false)",
    f"DROP TABLE {T}_unpartitioned",
]

BACKWARD = [
    f"ALTER TABLE {T} RENAME TO {T}_partitioned",
    f"ALTER TABLE {T}_partitioned RENAME CONSTRAINT {T}_pkey TO {T}_partitioned_pkey",
    f"ALTER TABLE {T}_partitioned RENAME CONSTRAINT position_unique_fix TO position_unique_fix_p",
    "ALTER INDEX position_participant RENAME TO position_participant_p",
    f"CREATE TABLE {T} (LIKE {T}_partitioned INCLUDING DEFAULTS INCLUDING IDENTITY "
    "INCLUDING CONSTRAINTS)",
    f"ALTER TABLE {T} ADD CONSTRAINT {T}_pkey PRIMARY KEY (id)",
    f"ALTER TABLE {T} ADD CONSTRAINT position_unique_fix UNIQUE (device_id, fix_time)",
    f"CREATE INDEX position_participant ON {T} (participant_id, fix_time)",
    f"INSERT INTO {T} OVERRIDING SYSTEM VALUE SELECT * FROM {T}_partitioned",
    f"SELECT setval(pg_get_serial_sequence('{T}', 'id'), "
    f"COALESCE((SELECT max(id) FROM {T}), 0) + 1, false)",
    f"DROP TABLE {T}_partitioned CASCADE",
]


def _run(statements):
    def apply(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        with schema_editor.connection.cursor() as cur:
            for sql in statements:
                cur.execute(sql)

    return apply


class Migration(migrations.Migration):
    dependencies = [("telemetry", "0003_message_attempt")]

    operations = [migrations.RunPython(_run(FORWARD), _run(BACKWARD))]
