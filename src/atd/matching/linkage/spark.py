"""Spark backend helpers: a local SparkSession with Splink's similarity UDFs, and input frames.

Optional: pyspark is a dev extra, not a runtime dependency. `ATD_MATCHING_BACKEND=spark` makes
the linkage services score on Spark; `ATD_SPARK_MASTER` says where (local[N] by default, or a
standalone cluster's spark://host:port), and `spark_session()` is the one place that reads it.
"""

from __future__ import annotations

import logging
import os
import sys
import tempfile
from typing import Any

import pandas as pd

from atd.matching.linkage.features import COLUMNS

_INTS = frozenset({"booking_id", "participant_id", "alias_id", "dob_year"})
_ARRAYS = frozenset({"surname_tokens", "surname_phons"})
_session: Any = None


def spark_master() -> str:
    from django.conf import settings

    return str(getattr(settings, "ATD_SPARK_MASTER", "local[2]"))


def spark_session(*, cores: int = 2, memory: str = "2g", master: str | None = None) -> Any:
    """The process's SparkSession on `master` (default: the ATD_SPARK_MASTER setting), with
    Splink's jar of similarity functions (shipped inside the splink wheel: nothing is
    downloaded; on a cluster Spark ships it to the executors)."""
    global _session  # noqa: PLW0603 - one JVM per process, started on first use
    if _session is None:
        from pyspark.sql import SparkSession
        from splink.backends.spark import similarity_jar_location

        # PySpark takes the workers' interpreter from PYSPARK_PYTHON when the context starts
        # (the spark.pyspark.python setting alone leaves local mode on `python3` from PATH,
        # which lacks atd's dependencies).
        os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
        _session = (
            SparkSession.builder.master(master or spark_master())
            .appName("atd-matching")
            .config("spark.jars", similarity_jar_location())
            .config("spark.driver.memory", memory)
            .config("spark.sql.shuffle.partitions", str(cores))
            .config("spark.default.parallelism", str(cores))
            .config("spark.ui.enabled", "false")
            .config("spark.ui.showConsoleProgress", "false")
            .config("spark.sql.session.timeZone", "UTC")
            # Python workers must be this interpreter (the one with atd's dependencies).
            .config("spark.pyspark.python", sys.executable)
            .config("spark.pyspark.driver.python", sys.executable)
            .getOrCreate()
        )
        _session.sparkContext.setLogLevel("ERROR")
        _udfs_register(_session)
        # py4j logs its shutdown at INFO after pytest/Django closed the log stream.
        logging.getLogger("py4j").setLevel(logging.WARNING)
        # Splink breaks long query lineages with checkpoints: a private temporary directory.
        _session.sparkContext.setCheckpointDir(tempfile.mkdtemp(prefix="atd-spark-"))
    return _session


def _udfs_register(session: Any) -> None:
    """atd_jaro_winkler: DuckDB's Jaro-Winkler (linkage/similarity.py), so both backends put a
    pair on the same side of every similarity threshold. A vectorised (Arrow) UDF; executors
    import atd from this interpreter (spark.pyspark.python)."""
    from pyspark.sql.functions import pandas_udf
    from pyspark.sql.types import DoubleType

    from atd.matching.linkage.similarity import jaro_winkler

    @pandas_udf(DoubleType())  # type: ignore[call-overload]
    def atd_jaro_winkler(a: pd.Series, b: pd.Series) -> pd.Series:
        return pd.Series(
            [
                None if x is None or y is None else jaro_winkler(x, y)
                for x, y in zip(a.where(a.notna(), None), b.where(b.notna(), None), strict=True)
            ],
            dtype="float64",
        )

    session.udf.register("atd_jaro_winkler", atd_jaro_winkler)


def spark_session_stop() -> None:
    """Stop the process's session (a test that moves from local mode to a cluster)."""
    global _session  # noqa: PLW0603
    if _session is not None:
        _session.stop()
        _session = None


def spark_frame(spark: Any, frame: pd.DataFrame) -> Any:
    """The linkage columns as a Spark DataFrame with an explicit schema (no inference from
    pandas: nullable integers and lists of names would be guessed wrong)."""
    from pyspark.sql import types as t

    fields = []
    for col in COLUMNS:
        if col in _INTS:
            kind: Any = t.LongType()
        elif col in _ARRAYS:
            kind = t.ArrayType(t.StringType())
        else:
            kind = t.StringType()
        fields.append(t.StructField(col, kind, nullable=True))
    rows = []
    for record in frame[list(COLUMNS)].to_dict("records"):
        row: list[Any] = []
        for col in COLUMNS:
            value = record[col]
            if col in _ARRAYS:
                row.append(list(value) if isinstance(value, list | tuple) else None)
            elif value is None or (not isinstance(value, list) and pd.isna(value)):
                row.append(None)
            else:
                row.append(int(value) if col in _INTS else str(value))
        rows.append(row)
    return spark.createDataFrame(rows, schema=t.StructType(fields))
