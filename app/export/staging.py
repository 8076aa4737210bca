"""The private temporary folder an export is built in, moved into place only when the export is complete.

An export never writes where its files go until it has written all of them: it builds them in a folder of its
own (``tempfile.mkdtemp``: a name no one can guess, made with ``O_EXCL`` semantics, readable only by the
user), beside the folder the export creates or inside the folder it writes into. When the export succeeds,
the built tree becomes the target in one rename (a new folder) or its files are renamed into the existing
folder one by one, after a journal of those renames is written; a rename replaces a link at the target
instead of writing through it, and a linked subfolder is refused. A killed process leaves only that
temporary folder (and, killed during the renames, its journal): the next export to the same place removes
it, undoing the renames the journal lists, so the retry finds nothing of the killed export. A folder still
in use by a live export is recognised by its lock (``flock``, released by the system when the process dies)
and left alone.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import stat
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

try:
    import fcntl
except ImportError:  # pragma: no cover - not on Linux or macOS: temporary folders are never taken for stale
    fcntl = None  # type: ignore[assignment]

log = logging.getLogger(__name__)

MARK = ".salient-export-"
"""What the names of the temporary folders contain: ``.salient-export-XXXX`` inside an existing folder,
``.<folder>.salient-export-XXXX`` beside a folder the export creates."""

_TREE = "tree"
_LOCK = "lock"
_JOURNAL = "moving.json"
_UNLOCKED_GRACE_S = 60.0
"""A temporary folder without its lock file is taken for stale only after this long (its export may be
between making the folder and locking it)."""


class LinkedFolderError(OSError):
    """A subfolder of the target is a symbolic link: the export does not write through it."""


def _first_missing(root: Path) -> Path:
    """The outermost folder of ``root`` that does not exist yet (``root`` itself when it exists)."""
    top = root
    while not top.parent.exists() and top.parent != top:
        top = top.parent
    return root if root.exists() else top


class Staging:
    """The temporary folder of one export whose files all lie under ``root``."""

    def __init__(self, root: Path) -> None:
        self.top = _first_missing(root)
        """The folder the built tree becomes (when it does not exist yet) or is merged into (when it does)."""
        self.merge = self.top.exists()
        beside = self.top if self.merge else self.top.parent
        prefix = MARK if self.merge else f".{self.top.name}{MARK}"
        self.home = Path(tempfile.mkdtemp(prefix=prefix, dir=beside))
        self._lock = _lock(self.home)
        self.tree = self.home / _TREE
        self.tree.mkdir()  # with the user's usual permissions, not mkdtemp's 0700: it may become the target

    def path(self, final: Path) -> Path:
        """Where ``final`` (a path under the target) is built."""
        return self.tree / final.relative_to(self.top)

    def commit(self) -> None:
        """Move the built tree into place: one rename for a new folder, else a journal and one rename a file."""
        if not self.merge:
            try:
                os.rename(self.tree, self.top)
            except OSError:
                if self.top.is_symlink() or not self.top.is_dir():
                    raise
                self.merge = True  # made meanwhile (another export): merge into it
            else:
                self.discard()
                return
        folders, files = _contents(self.tree)
        made = [rel for rel in folders if not os.path.lexists(self.top / rel)]
        journal = {"top": str(self.top), "folders": made, "files": files}
        (self.home / _JOURNAL).write_text(json.dumps(journal), encoding="utf-8")
        for rel in folders:
            _real_folder(self.top, rel)
        for rel in files:
            os.replace(self.tree / rel, self.top / rel)
        self.discard(undo=False)

    def discard(self, undo: bool = True) -> None:
        """Remove the temporary folder; with ``undo``, first undo the renames its journal lists."""
        if undo:
            _undo_moves(self.home)
        _remove(self.home)
        if self._lock is not None:
            os.close(self._lock)
            self._lock = None


def _lock(home: Path) -> int | None:
    if fcntl is None:
        return None
    fd = os.open(home / _LOCK, os.O_RDWR | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    return fd


def _contents(tree: Path) -> tuple[list[str], list[str]]:
    """The folders (parents first) and files under ``tree``, as relative POSIX paths."""
    folders: list[str] = []
    files: list[str] = []
    for folder, dirs, names in os.walk(tree):
        dirs.sort()
        base = Path(folder).relative_to(tree)
        folders.extend((base / name).as_posix() for name in dirs)
        files.extend((base / name).as_posix() for name in sorted(names))
    return folders, files


def _real_folder(top: Path, rel: str) -> None:
    """Make ``top/rel`` a folder if missing; refuse it when it is a link (or not a folder)."""
    path = top / rel
    try:
        path.mkdir()
        return
    except FileExistsError:
        pass
    mode = path.lstat().st_mode
    if stat.S_ISLNK(mode):
        raise LinkedFolderError(f"{path} is a symbolic link; an export does not write through it")
    if not stat.S_ISDIR(mode):
        raise NotADirectoryError(f"{path} is not a folder")


def _undo_moves(home: Path) -> None:
    """Remove what a journal says was renamed into place (the files no longer in the tree) and the folders
    made for them, so that an export interrupted while moving leaves nothing."""
    try:
        journal = json.loads((home / _JOURNAL).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return
    except (OSError, ValueError) as exc:
        log.warning("cannot read the journal of %s: %s", home, exc)
        return
    top = Path(journal["top"])
    tree = home / _TREE
    for rel in journal["files"]:
        if not os.path.lexists(tree / rel) and os.path.lexists(top / rel):
            try:
                (top / rel).unlink()
            except OSError as exc:
                log.warning("could not remove %s of an interrupted export: %s", top / rel, exc)
    for rel in reversed(journal["folders"]):
        try:
            (top / rel).rmdir()
        except OSError:
            log.debug("left the folder %s (not empty or not removable)", top / rel)


def _remove(home: Path) -> None:
    try:
        shutil.rmtree(home)
    except OSError as exc:
        log.warning("could not remove the temporary folder %s: %s", home, exc)


def _places(root: Path) -> Iterator[tuple[Path, str]]:
    """Where the temporary folders of an export to ``root`` can be: (folder, name prefix)."""
    top = _first_missing(root)
    if top.parent.is_dir():
        yield top.parent, f".{top.name}{MARK}"
    if root.is_dir():
        yield root, MARK


def _in_use(home: Path) -> bool:
    """Whether a live export holds ``home`` (always so where there is no ``flock``)."""
    if fcntl is None:
        return True
    try:
        fd = os.open(home / _LOCK, os.O_RDWR | os.O_NOFOLLOW)
    except FileNotFoundError:
        return time.time() - home.lstat().st_mtime < _UNLOCKED_GRACE_S
    except OSError:
        return True
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return True
    finally:
        os.close(fd)
    return False


def clear_stale(root: Path) -> list[Path]:
    """Remove the temporary folders that killed exports to ``root`` left (undoing their journals); the removed."""
    removed = []
    for folder, prefix in _places(root):
        try:
            entries = list(os.scandir(folder))
        except OSError:
            continue
        for entry in entries:
            if not entry.name.startswith(prefix) or not entry.is_dir(follow_symlinks=False):
                continue
            home = Path(entry.path)
            if (hasattr(os, "getuid") and entry.stat(follow_symlinks=False).st_uid != os.getuid()) or _in_use(home):
                continue
            log.info("removing %s, left by an export that did not finish", home)
            _undo_moves(home)
            _remove(home)
            removed.append(home)
    return removed
