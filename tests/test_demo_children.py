"""`atd demo` keeps its processes up: a crashed child is restarted with a log line (issue 16)."""

from __future__ import annotations

import os
import sys
import time

from atd.simulate.management.commands.demo import DemoChildren


def test_a_crashed_child_is_restarted_with_a_log_line_and_slower_when_it_keeps_crashing() -> None:
    said: list[str] = []
    children = DemoChildren(env=dict(os.environ), say=said.append)
    children.start("crasher", [sys.executable, "-c", "import sys; sys.exit(3)"])
    children.start("steady", [sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        children.running["crasher"].wait(timeout=30)
        children.supervise(now=1000.0)
        assert said == ["demo: crasher exited with 3; restarting it in 1 s"]
        assert "crasher" not in children.running and "steady" in children.running
        children.supervise(now=1001.0)
        assert said[-1] == "demo: restarting crasher" and "crasher" in children.running
        children.running["crasher"].wait(timeout=30)
        children.supervise(now=1002.0)  # crashed again within a minute: waits longer
        assert said[-1] == "demo: crasher exited with 3; restarting it in 2 s"
        children.supervise(now=1003.0)
        assert "crasher" not in children.running  # not yet
        children.supervise(now=1004.0)
        assert "crasher" in children.running
        assert children.running["steady"].poll() is None  # the others were left alone
    finally:
        children.stop_all()
    deadline = time.monotonic() + 15
    while any(c.poll() is None for c in children.running.values()):
        assert time.monotonic() < deadline
        time.sleep(0.1)
