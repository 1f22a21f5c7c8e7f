"""Progress of the job this worker process is running: a long job calls `job_progress(done,
total)` as it goes; the worker's ticker thread writes the latest figures to the job's JobRun
row on its own connection, so the report is visible at once even while the job's own
transaction is still open, and a job reporting every row costs no query."""

from __future__ import annotations

import threading

_lock = threading.Lock()
_latest: tuple[int, int | None] | None = None


def job_progress(done: int, total: int | None = None) -> None:
    """Rows done so far out of `total` (None when not known). Outside a worker it does nothing."""
    global _latest
    with _lock:
        _latest = (int(done), None if total is None else int(total))


def progress_take() -> tuple[int, int | None] | None:
    """The figures reported since the last take (None if nothing new); used by the worker."""
    global _latest
    with _lock:
        latest, _latest = _latest, None
    return latest


def progress_clear() -> None:
    global _latest
    with _lock:
        _latest = None
