"""The scan's folder: derive's own, resumable, never a user's file.

A scan writes into one folder (``--out``, default ``derive-scan``):

* ``scan.json``: written first; it marks the folder as derive's and records what the scan reads (the dump's
  name and size) and how (the selection and the post options). A scan started again on the same folder must
  read the same dump the same way, or it is refused.
* ``posts.jsonl``: one JSON line per post, appended as each post finishes. On a new start the lines already
  there are the posts done (they are skipped); a line cut short by a kill is removed (only the torn tail
  after the last newline, in derive's own file). The file is locked while a scan writes it, so two scans
  never append to the same file.
* ``summary.json``, ``summary.md``, ``summary.png``: written at the end (each replaced atomically).

A folder that exists, is not empty and has no ``scan.json`` is refused, and so is a symbolic link; nothing in
a folder that is not derive's is ever written, moved or deleted.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import os
from collections.abc import Iterator
from pathlib import Path
from types import TracebackType
from typing import Any

from derive.errors import UsageError

STATE = "scan.json"
POSTS = "posts.jsonl"
SUMMARY_JSON = "summary.json"
SUMMARY_MARKDOWN = "summary.md"
SUMMARY_PLOT = "summary.png"

#: The format of scan.json (a folder written by another format is refused rather than guessed at).
FORMAT = 1

#: Bytes read at a time when the previous lines are read back.
READ_CHUNK = 1 << 16


class ScanFolder:
    """An open scan folder: the posts already done and an append-only, locked ``posts.jsonl``."""

    def __init__(self, path: Path, state: dict[str, Any]) -> None:
        self.path = path
        self.state = state
        self.done: set[int] = set()
        self.lines_before = 0
        self._fd: int | None = None

    # ---- opening ------------------------------------------------------------------------------------------

    def open(self) -> ScanFolder:
        posts = self.path / POSTS
        flags = (
            os.O_RDWR | os.O_CREAT | os.O_APPEND | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
        )
        try:
            fd = os.open(posts, flags, 0o644)
        except OSError as error:
            if error.errno == errno.ELOOP:
                raise UsageError(f"{posts} is a symbolic link: derive does not write through links") from None
            raise UsageError(f"cannot open {posts}: {error.strerror}") from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            raise UsageError(
                f"another scan is writing {self.path}: wait for it or use another --out"
            ) from None
        self._fd = fd
        try:
            self._read_done(fd)
        except BaseException:
            self.close()
            raise
        return self

    def _read_done(self, fd: int) -> None:
        """The ids of the posts already written; a torn last line (a kill mid-write) is cut off."""
        size = os.fstat(fd).st_size
        offset = 0
        kept = 0  # bytes up to the end of the last complete line
        number = 0
        pending = b""
        while offset < size:
            chunk = os.pread(fd, min(READ_CHUNK, size - offset), offset)
            if not chunk:
                break
            offset += len(chunk)
            pending += chunk
            *lines, pending = pending.split(b"\n")
            for line in lines:
                number += 1
                kept += len(line) + 1
                self._take(line, number)
        if kept < size:
            os.ftruncate(fd, kept)

    def _take(self, line: bytes, number: int) -> None:
        try:
            record = json.loads(line)
            post_id = record["post_id"]
        except (ValueError, KeyError, TypeError):
            raise UsageError(
                f"{self.path / POSTS} line {number} is not a post record of derive scan; "
                "the file was changed by hand: use another --out"
            ) from None
        if not isinstance(post_id, int):
            raise UsageError(
                f"{self.path / POSTS} line {number} has no whole-number post_id; use another --out"
            )
        self.done.add(post_id)
        self.lines_before += 1

    # ---- writing ------------------------------------------------------------------------------------------

    def append(self, record: dict[str, Any]) -> bool:
        """Write one post's line (at once, whole); False when that post is already in the file."""
        post_id = record["post_id"]
        if post_id in self.done:
            return False
        assert self._fd is not None, "the folder is not open"
        data = (json.dumps(record, ensure_ascii=False, sort_keys=False) + "\n").encode("utf-8")
        view = memoryview(data)
        while view:
            written = os.write(self._fd, view)
            view = view[written:]
        self.done.add(post_id)
        return True

    def close(self) -> None:
        if self._fd is not None:
            with contextlib.suppress(OSError):
                os.fsync(self._fd)
            os.close(self._fd)  # closing also releases the lock
            self._fd = None

    def __enter__(self) -> ScanFolder:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.close()

    # ---- reading back -------------------------------------------------------------------------------------

    def records(self) -> Iterator[dict[str, Any]]:
        """Every post's record, once each (the first line of a post, should a post ever appear twice)."""
        seen: set[int] = set()
        with open(self.path / POSTS, "rb") as handle:
            for line in handle:
                if not line.endswith(b"\n"):
                    break
                record = json.loads(line)
                if record["post_id"] in seen:
                    continue
                seen.add(record["post_id"])
                yield record

    def write_file(self, name: str, data: bytes) -> Path:
        """Replace one of derive's summary files atomically (a temporary file, then a rename)."""
        target = self.path / name
        temporary = self.path / f".{name}.tmp"
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)  # a leftover of our own, from a scan that was killed while writing it
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
        fd = os.open(temporary, flags, 0o644)
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
            os.replace(temporary, target)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
            raise
        return target


def open_folder(path: Path, state: dict[str, Any]) -> ScanFolder:
    """Create the scan folder, or take up the one a scan with the same ``state`` left (see the module)."""
    info = _lstat(path)
    if info is not None and os.path.islink(path):
        raise UsageError(f"{path} is a symbolic link: give the scan its own folder")
    if info is not None and not path.is_dir():
        raise UsageError(f"{path} exists and is not a folder: give the scan its own folder")
    if info is None:
        try:
            path.mkdir(parents=True)
        except OSError as error:
            raise UsageError(f"cannot create {path}: {error.strerror}") from None
    marker = path / STATE
    if _lstat(marker) is None:
        if any(path.iterdir()):
            raise UsageError(
                f"{path} is not empty and is not a derive scan folder (no {STATE}): use another --out"
            )
        _write_state(marker, state)
    else:
        previous = _read_state(marker)
        for key in ("dump", "selection", "options"):
            if previous.get(key) != state.get(key):
                raise UsageError(
                    f"{path} holds a scan of {_describe(previous, key)}, not {_describe(state, key)}: "
                    "resume with the same dump and options, or use another --out"
                )
    return ScanFolder(path, state).open()


def _describe(state: dict[str, Any], key: str) -> str:
    if key == "dump":
        dump = state.get("dump") or {}
        return f"the dump {dump.get('name')} ({dump.get('size')} bytes)"
    return f"other {key} ({json.dumps(state.get(key), sort_keys=True)[:150]})"


def _lstat(path: Path) -> os.stat_result | None:
    try:
        return os.lstat(path)
    except FileNotFoundError:
        return None
    except OSError as error:
        raise UsageError(f"cannot look at {path}: {error.strerror}") from None


def _read_state(marker: Path) -> dict[str, Any]:
    if os.path.islink(marker):
        raise UsageError(f"{marker} is a symbolic link: not a derive scan folder")
    try:
        state = json.loads(marker.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        state = None
    if not isinstance(state, dict) or state.get("derive_scan") != FORMAT:
        raise UsageError(f"{marker} is not derive's scan state: use another --out")
    return state


def _write_state(marker: Path, state: dict[str, Any]) -> None:
    temporary = marker.with_name(f".{STATE}.tmp")
    text = json.dumps({"derive_scan": FORMAT, **state}, indent=2, sort_keys=True) + "\n"
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    fd = os.open(temporary, flags, 0o644)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
    os.replace(temporary, marker)
