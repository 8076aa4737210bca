"""A real small file system for tests of a full or read-only disk: an ext4 image of a few megabytes, mounted
through a loop device on a folder of the test.

Mounting needs root and a loop device (the CI runs as root); elsewhere the tests that use it are skipped with
the reason. ext4, not tmpfs: tmpfs does not refuse writes to an immutable file that is already open.
"""

from __future__ import annotations

import errno
import os
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest


class SmallDisk:
    """A mounted file system of a few megabytes that a test can fill up or make read-only."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._fillers = 0

    def fill(self) -> None:
        """Write a file until the file system says it is full: the next write that needs space fails."""
        self._fillers += 1
        handle = os.open(self.root / f"filler-{self._fillers}", os.O_WRONLY | os.O_CREAT, 0o644)
        try:
            block = 1 << 20
            while block:  # big writes, then ever smaller ones for the last bytes, so not a page is left
                try:
                    os.write(handle, b"\0" * block)
                except OSError as exc:
                    if exc.errno != errno.ENOSPC:
                        raise
                    block //= 2
        finally:
            os.close(handle)
        assert os.statvfs(self.root).f_bavail == 0

    def free(self) -> None:
        """Remove the fillers: the disk has room again."""
        for index in range(1, self._fillers + 1):
            (self.root / f"filler-{index}").unlink(missing_ok=True)

    def read_only(self, *paths: Path, on: bool = True) -> None:
        """Make files read-only while they are open (the immutable attribute: even root's writes are refused,
        as on a disk the system turned read-only), or writable again (``on=False``). A file system cannot be
        remounted read-only while a file on it is open for writing, so the attribute stands in for that."""
        for path in paths:
            _run("chattr", "+i" if on else "-i", str(path))

    def writable_again(self) -> None:
        """Clear the read-only attribute of every file on the disk (so it can be unmounted and removed)."""
        for path in self.root.rglob("*"):
            subprocess.run(["chattr", "-i", str(path)], capture_output=True)


def _run(*command: str) -> subprocess.CompletedProcess:
    return subprocess.run(command, capture_output=True, text=True, check=True)


@contextmanager
def small_disk(folder: Path, size_mb: int = 8) -> Iterator[SmallDisk]:
    """Mount a ``size_mb`` ext4 file system on ``folder`` for the block; skip the test where that is not
    allowed (not root, no loop device, no mkfs.ext4)."""
    if os.geteuid() != 0:
        pytest.skip("mounting a small file system to fill needs root")
    folder.mkdir(parents=True, exist_ok=True)
    image = folder.with_name(folder.name + ".ext4")
    with image.open("wb") as handle:
        handle.truncate(size_mb << 20)
    try:
        _run("mkfs.ext4", "-q", "-F", "-m", "0", str(image))  # -m 0: no blocks kept for root, full is full
        _run("mount", "-o", "loop", str(image), str(folder))
    except (OSError, subprocess.CalledProcessError) as exc:
        image.unlink()
        reason = getattr(exc, "stderr", "") or str(exc)
        pytest.skip(f"cannot mount a small ext4 file system here: {reason.strip()}")
    disk = SmallDisk(folder)
    try:
        yield disk
    finally:
        disk.writable_again()
        if subprocess.run(["umount", str(folder)], capture_output=True).returncode:
            subprocess.run(["umount", "-l", str(folder)], capture_output=True)  # a file still open: detach it
        image.unlink(missing_ok=True)
