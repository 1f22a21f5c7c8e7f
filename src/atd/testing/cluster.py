"""Throwaway services on loopback for cluster and fault tests and benchmarks: a NATS JetStream
cluster of N nodes and a PostgreSQL server, each in a temporary directory, killed and restarted
at will. Never the machine's shared services (other test runs use those)."""

from __future__ import annotations

import glob
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path


def free_ports(n: int) -> list[int]:
    socks = []
    try:
        for _ in range(n):
            s = socket.socket()
            s.bind(("127.0.0.1", 0))
            socks.append(s)
        return [s.getsockname()[1] for s in socks]
    finally:
        for s in socks:
            s.close()


def port_answers(port: int, timeout: float = 0.5) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=timeout):
            return True
    except OSError:
        return False


@dataclass
class NatsCluster:
    """`size` nats-server processes with JetStream on file storage, routed to each other."""

    binary: str
    size: int = 3
    root: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="atd-nats-")))
    ports: list[int] = field(default_factory=list)
    route_ports: list[int] = field(default_factory=list)
    procs: list[subprocess.Popen[bytes] | None] = field(default_factory=list)

    def __post_init__(self) -> None:
        ports = free_ports(self.size * 2)
        self.ports, self.route_ports = ports[: self.size], ports[self.size :]
        self.procs = [None] * self.size

    @property
    def url(self) -> str:
        return ",".join(f"nats://127.0.0.1:{p}" for p in self.ports)

    def _config(self, i: int) -> Path:
        routes = ", ".join(
            f"nats://127.0.0.1:{p}" for j, p in enumerate(self.route_ports) if j != i
        )
        path = self.root / f"n{i}.conf"
        # One node: a lone server (JetStream refuses a cluster block without routes).
        cluster = (
            f"cluster {{ name: atd, listen: 127.0.0.1:{self.route_ports[i]}, "
            f"routes: [{routes}] }}\n"
            if self.size > 1
            else ""
        )
        path.write_text(
            f"server_name: n{i}\n"
            f"listen: 127.0.0.1:{self.ports[i]}\n"
            f"jetstream {{ store_dir: {self.root / f'n{i}'} }}\n" + cluster
        )
        return path

    def start(self, i: int | None = None) -> None:
        for n in range(self.size) if i is None else [i]:
            log = open(self.root / f"n{n}.log", "ab")  # noqa: SIM115 - the child keeps it
            self.procs[n] = subprocess.Popen(  # noqa: S603
                [self.binary, "-c", str(self._config(n))], stdout=log, stderr=log
            )
        deadline = time.monotonic() + 20
        for n in range(self.size) if i is None else [i]:
            while not port_answers(self.ports[n]):
                if time.monotonic() > deadline:
                    raise RuntimeError(f"nats node {n} did not start: see {self.root}")
                time.sleep(0.1)

    def kill9(self, i: int) -> None:
        proc = self.procs[i]
        if proc is not None:
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            self.procs[i] = None

    def stop(self) -> None:
        for i in range(self.size):
            proc = self.procs[i]
            if proc is not None:
                proc.terminate()
                try:
                    proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
                self.procs[i] = None
        shutil.rmtree(self.root, ignore_errors=True)


def postgres_bin(name: str) -> str:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    if not found:
        raise FileNotFoundError(f"{name} not found under /usr/lib/postgresql/*/bin")
    return found[-1]


@dataclass
class ThrowawayPostgres:
    """initdb + pg_ctl in a temporary directory on a free loopback port. Run as the `postgres`
    system user when this process is root (initdb refuses root)."""

    root: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="atd-pg-")))
    port: int = 0

    def __post_init__(self) -> None:
        self.port = self.port or free_ports(1)[0]
        self.data = self.root / "data"

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, *args: str) -> None:
        cmd = list(args)
        if os.geteuid() == 0:
            shutil.chown(self.root, "postgres", "postgres")
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        subprocess.run(cmd, check=True, capture_output=True, timeout=120)  # noqa: S603

    def init(self) -> None:
        self._run(
            postgres_bin("initdb"),
            "-D",
            str(self.data),
            "-U",
            "postgres",
            "--auth=trust",
            "-E",
            "UTF8",
        )
        self.start()

    def _ctl(self, action: str, *extra: str) -> None:
        opts = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=on"
        self._run(
            postgres_bin("pg_ctl"),
            "-D",
            str(self.data),
            "-l",
            str(self.root / "pg.log"),
            "-o",
            opts,
            "-w",
            action,
            *extra,
        )

    def start(self) -> None:
        self._ctl("start")

    def restart(self) -> None:
        """An immediate stop (no checkpoint, like a crash) and a start: crash recovery."""
        self._ctl("restart", "-m", "immediate")

    def stop(self) -> None:
        try:
            self._ctl("stop", "-m", "fast")
        except subprocess.CalledProcessError:
            pass
        shutil.rmtree(self.root, ignore_errors=True)
