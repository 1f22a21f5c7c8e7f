"""What the long-running ingest commands (`atd ingest mqtt | bridge | log`) share: the idle-exit
option, the "ready" line a supervisor or a test waits for, and a clean stop on SIGTERM/SIGINT
(the worker finishes its batch, then returns)."""

from __future__ import annotations

import signal
import sys
from types import FrameType
from typing import Any, Protocol


class Stoppable(Protocol):
    stopping: bool


def add_idle_exit(parser: Any) -> None:
    parser.add_argument("--idle-exit", type=float, default=None, help="exit after N idle seconds")


def say_ready() -> None:
    """Print the line that tells a supervisor (and the tests) the worker is subscribed."""
    sys.stdout.write("ready\n")
    sys.stdout.flush()


def stop_on_signals(worker: Stoppable) -> None:
    """SIGTERM and SIGINT ask the worker to stop after its current batch."""

    def stop(signum: int, frame: FrameType | None) -> None:
        worker.stopping = True

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
