"""The Spark backend on a standalone cluster: a master and two workers on loopback, started with
the launcher shipped in the pyspark package (bin/spark-class), link a few thousand records and
find the same pairs as DuckDB. What `ATD_SPARK_MASTER=spark://host:port` runs against."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from atd.matching.linkage.model import LinkageEngine, pairs_scored
from atd.matching.synthetic import feature_rows, synthetic_set
from atd.matching.tests.conftest import trained_settings
from atd.testing.services import require_java

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        os.environ.get("ATD_SECOND_PASS") == "1", reason="pure test: it ran in the first pass"
    ),
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_for(path: Path, text: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if path.exists() and text in path.read_text(errors="replace"):
            return
        time.sleep(0.5)
    raise AssertionError(f"{path.name}: no {text!r} within {timeout:.0f} s")


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[str]:
    """`spark-class ...Master` and two `...Worker`s (one core, 1 GB each) on 127.0.0.1."""
    require_java()
    import pyspark

    home = Path(pyspark.__file__).parent
    launcher = str(home / "bin" / "spark-class")
    port = _free_port()
    env = dict(
        os.environ,
        SPARK_HOME=str(home),
        SPARK_LOCAL_IP="127.0.0.1",
        PYSPARK_PYTHON=sys.executable,
        SPARK_NO_DAEMONIZE="1",
    )
    master_url = f"spark://127.0.0.1:{port}"
    procs: list[subprocess.Popen[bytes]] = []

    def start(name: str, *args: str) -> Path:
        log = tmp_path / f"{name}.log"
        procs.append(
            subprocess.Popen(  # noqa: S603 (pyspark's own launcher)
                [launcher, *args], env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT
            )
        )
        return log

    try:
        master_log = start(
            "master",
            "org.apache.spark.deploy.master.Master",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--webui-port",
            str(_free_port()),
        )
        _wait_for(master_log, "I have been elected leader", 180)
        for n in (1, 2):
            log = start(
                f"worker{n}",
                "org.apache.spark.deploy.worker.Worker",
                master_url,
                "--host",
                "127.0.0.1",
                "--cores",
                "1",
                "--memory",
                "1g",
                "--webui-port",
                str(_free_port()),
                "--work-dir",
                str(tmp_path / f"work{n}"),
            )
            _wait_for(log, "Successfully registered with master", 180)
        yield master_url
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            try:
                p.wait(timeout=30)
            except subprocess.TimeoutExpired:
                p.kill()


def test_a_standalone_cluster_finds_the_same_pairs_as_duckdb(cluster: str) -> None:
    from atd.matching.linkage.spark import spark_session, spark_session_stop

    s = synthetic_set(participants=2500, linked=600, near_misses=100, unrelated=400, seed=5)
    left, right = feature_rows(s)
    model = trained_settings()
    duck = LinkageEngine(left, right, model, wide_max_pairs=0)
    on_duckdb = {
        (p.booking_id, p.participant_id): p.probability
        for p in pairs_scored(duck, duck.predict(threshold=0.5))
    }
    spark_session_stop()  # another test may have started local mode in this process
    try:
        session = spark_session(master=cluster, memory="1g")
        assert session.sparkContext.master == cluster
        # Executors register with the driver a little after the session starts: wait (bounded)
        # for one on each worker, so the link below really runs on the cluster.
        deadline = time.monotonic() + 120
        executors: Any = 0
        while time.monotonic() < deadline:
            executors = session.sparkContext._jsc.sc().getExecutorMemoryStatus().size()
            if executors >= 3:
                break
            time.sleep(1)
        engine = LinkageEngine(left, right, model, backend="spark", spark=session, wide_max_pairs=0)
        on_spark = {
            (p.booking_id, p.participant_id): p.probability
            for p in pairs_scored(engine, engine.predict(threshold=0.5))
        }
    finally:
        spark_session_stop()
    assert executors == 3  # the driver and an executor on each of the two workers
    assert len(left) + len(right) > 3000
    assert set(on_spark) == set(on_duckdb)
    for key, probability in on_duckdb.items():
        assert on_spark[key] == pytest.approx(probability, abs=1e-4)
