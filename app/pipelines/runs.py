"""Run bookkeeping every pipeline shares: the library versions a run records, why a run stopped, and the
warning for a file whose audio ends before it says it does."""

from __future__ import annotations

import logging
from importlib import metadata
from pathlib import Path

from analysis.progress import Cancelled
from app.model.records import RunRecord
from app.project.store import ProjectError, Store


class RunDataMissing(ProjectError):
    """A finished run whose data in the project's cache folder is gone or cannot be read: its results cannot be
    shown until it is run again (the cache is derived data; the project itself is whole)."""

    def __init__(self, what: str, run: RunRecord, path: Path, reason: str = "") -> None:
        self.what, self.run, self.path = what, run, path
        state = f"unreadable ({path}: {reason})" if reason else f"missing ({path})"
        when = run.started_at[:16].replace("T", " ")
        super().__init__(f"the data of the {what} run of {when} UTC is {state}")


log = logging.getLogger(__name__)


def missing_data_message(missing: list[RunDataMissing], rerun: dict[str, str]) -> str:
    """One line for the stored runs that cannot be shown, and what runs them again (``rerun``: kind → how)."""
    what = "; ".join(str(m) for m in missing)
    again = " and ".join(dict.fromkeys(rerun.get(m.what, m.what) for m in missing))
    return f"{what[0].upper()}{what[1:]}. Run {again} again to see the results."


def without_missing(load, *args):  # load(*args) -> a stored result or None
    """``load(*args)``, or None with a warning when the run's cache data is gone (RunDataMissing): what exports
    use, which go on with what the project itself holds, as they did before the data was checked."""
    try:
        return load(*args)
    except RunDataMissing as missing:
        log.warning("%s: left out of the export", missing)
        return None


def library_versions() -> dict[str, str]:
    """Versions recorded with every run, so a result can be traced to the code that produced it."""
    versions = {}
    for name in ("salient", "numpy", "scipy", "av", "onnxruntime", "faster-whisper"):
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def record_stop(store: Store, run_id: int, exc: BaseException, elapsed_ms: int) -> None:
    """Record why a run stopped: cancelled by the user, or failed with the error's message."""
    cancelled = isinstance(exc, Cancelled | KeyboardInterrupt)
    status = "cancelled" if cancelled else "failed"
    message = "cancelled by the user" if cancelled else (str(exc) or type(exc).__name__)
    store.end_run(run_id, status, message, elapsed_ms)


def truncation_warnings(path: Path, declared_ms: int, decoded_ms: int) -> tuple[str, ...]:
    """A file whose audio stops well before its declared end was probably cut off (an interrupted copy)."""
    if declared_ms - decoded_ms > max(1000, declared_ms // 20):
        return (
            f"{path}: the audio ends at {decoded_ms / 1000:.1f} s although the file declares "
            f"{declared_ms / 1000:.1f} s; the file is probably truncated, only the part that exists was analysed",
        )
    return ()
