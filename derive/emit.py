"""Renders templates/ and writes the output folder. The only module (besides the CLI) that touches disk.

Templates are found in the installed package (``derive.templates``, shipped in the wheel) and fall back
to the source checkout's ``templates/``. jinja2 runs with ``StrictUndefined`` (a misspelled variable is
an error), ``trim_blocks`` and ``lstrip_blocks``; autoescape is off on purpose: the outputs are LaTeX,
Python and Markdown, not HTML, and every string is prepared in Python.

The output folder contract (:func:`write_output`):

* **A manifest.** Every build writes ``derive-manifest.json`` into the folder: the files it wrote. A build
  replaces exactly the files the previous manifest lists; everything else in the folder (``benchmark/``
  from ``derive bench``, a user's own files) is kept as it is.
* **Refusals** (before any work, and again under the lock): a symbolic link, a file, a folder holding
  ``.git``, the current folder or one of its parents, the home folder or ``/`` (never, not even with
  ``--force``); a folder that is not empty and has no manifest, or a generated name that is taken by
  something derive did not write (unless ``--force``). A read-only folder or parent is an ``EmitError``.
* **No links followed.** What is kept is kept by hard-linking the entry itself into the new folder: a
  symbolic link stays a link (never followed), a FIFO or device is never opened; each is named in a
  one-line warning. The last ``proof.pdf`` is read (when TeX is missing) only if it is a regular file the
  manifest lists.
* **Atomic and exclusive.** The new folder is assembled beside the old one and swapped in with one
  ``renameat2(RENAME_EXCHANGE)`` (Linux; ``renamex_np(RENAME_SWAP)`` on macOS), so there is no moment at
  which the folder is missing: a build killed at any point leaves the old or the new output. Builds into
  one folder take an exclusive lock (``flock`` on the parent folder); the second waits. The old folder is
  then removed entry by entry, and only entries that are derive's or that the new folder also holds (the
  same file, hard-linked) are removed: anything else is moved into the new folder or, failing that, kept
  with a warning. Leftovers of a killed build are cleaned up by the next one.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import fcntl
import importlib.resources
import json
import os
import secrets
import stat
import sys
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import jinja2

from derive.errors import EmitError, UsageError

#: The manifest: the files a build wrote into the output folder (a JSON list).
MANIFEST = "derive-manifest.json"

#: Entries of output/ that a build does not write (``derive bench`` does) and keeps like any other.
PRESERVED = ("benchmark",)

#: The largest earlier file a build reads to carry it over (the last proof.pdf when TeX is missing).
MAX_CARRIED_BYTES = 256 * 1024 * 1024

#: How long a build waits for another build into the same folder to finish (seconds).
LOCK_WAIT = 600.0

_STAGING = "derive-new-"
_RETIRED = "derive-old-"


def templates_dir() -> Path:
    """Where the jinja2 templates are: the installed ``derive.templates`` package, else the checkout."""
    try:
        packaged = importlib.resources.files("derive.templates")
        candidate = Path(str(packaged))
        if (candidate / "softmax_cross_entropy.py.j2").is_file():
            return candidate
    except ModuleNotFoundError:
        pass
    checkout = Path(__file__).resolve().parent.parent / "templates"
    if checkout.is_dir():
        return checkout
    raise EmitError("the templates folder is missing from this installation")


def environment() -> jinja2.Environment:
    # autoescape=False on purpose: LaTeX, Python and Markdown, never HTML.
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(templates_dir()),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        autoescape=False,
    )


def render(template: str, context: Mapping[str, object]) -> str:
    """Render one template with a prepared context."""
    try:
        return environment().get_template(template).render(**context)
    except jinja2.TemplateError as error:
        raise EmitError(f"template {template}: {error}") from error


# --------------------------------------------------------------------------------------------------------
# The target folder: what is there, what is derive's, what is refused
# --------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    """An output folder as found: its path (real parent + its own name), and the files that are derive's."""

    shown: str
    path: Path
    exists: bool
    ours: frozenset[str]
    has_manifest: bool


def _absolute(out_dir: Path) -> Path:
    """The folder's real parent joined with its own name (the last component itself is never resolved)."""
    absolute = Path(os.path.abspath(out_dir))
    return Path(os.path.realpath(absolute.parent)) / absolute.name


def _lstat(path: Path) -> os.stat_result | None:
    try:
        return os.lstat(path)
    except (FileNotFoundError, NotADirectoryError):
        return None


def _writable(path: Path) -> bool:
    """Writable by us, and not marked read-only (the write bits count even for root)."""
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return False
    return os.access(path, os.W_OK) and bool(mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH))


def _protected(path: Path) -> str | None:
    """Why ``path`` may never be an output folder, or None."""
    if path == path.parent or path.name in ("", ".", ".."):
        return "is the root of the file system"
    with contextlib.suppress(OSError):
        here = Path.cwd().resolve()
        if path == here:
            return "is the current folder"
        if path in here.parents:
            return "holds the current folder"
    with contextlib.suppress(OSError, RuntimeError):
        if path == Path.home().resolve():
            return "is the home folder"
    if _lstat(path / ".git") is not None:
        return "holds .git (a repository's top folder)"
    return None


def read_manifest(folder: Path) -> frozenset[str] | None:
    """The files a manifest lists (relative, normalized paths only), or None without a valid manifest."""
    manifest = folder / MANIFEST
    info = _lstat(manifest)
    if info is None or not stat.S_ISREG(info.st_mode) or info.st_size > 10_000_000:
        return None
    try:
        data = json.loads(manifest.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("generator") != "derive":
        return None
    if not isinstance(data.get("files"), list):
        return None
    return frozenset(name for name in data["files"] if isinstance(name, str) and _safe_relative(name))


def _safe_relative(name: str) -> bool:
    parts = name.split("/")
    return bool(name) and not name.startswith("/") and all(part not in ("", ".", "..") for part in parts)


def inspect_target(out_dir: Path, *, force: bool = False) -> Target:
    """The output folder, or the reason it is refused (``UsageError``, exit 2; read-only: ``EmitError``)."""
    shown = str(out_dir)
    path = _absolute(out_dir)
    reason = _protected(path)
    if reason is not None:
        raise UsageError(f"refusing to write into {shown}: it {reason} (not even with --force)")
    info = _lstat(path)
    if info is not None and stat.S_ISLNK(info.st_mode):
        raise UsageError(
            f"refusing to write into {shown}: it is a symbolic link (give the folder it points to)"
        )
    if info is not None and not stat.S_ISDIR(info.st_mode):
        raise UsageError(f"refusing to write into {shown}: it exists and is not a folder")
    if info is not None and not _writable(path):
        raise EmitError(f"cannot write into {shown}: it is read-only")
    existing_parent = path.parent
    while _lstat(existing_parent) is None and existing_parent != existing_parent.parent:
        existing_parent = existing_parent.parent
    if not _writable(existing_parent):
        raise EmitError(f"cannot write into {shown}: its parent {existing_parent} is read-only")
    if info is None:
        return Target(shown, path, False, frozenset(), False)
    listed = read_manifest(path)
    try:
        empty = not any(True for _ in os.scandir(path))
    except OSError as error:
        raise EmitError(f"cannot read {shown}: {error.strerror}") from None
    if listed is None and not empty and not force:
        raise UsageError(
            f"refusing to write into {shown}: it is not empty and has no {MANIFEST}, so derive did not "
            "write it; choose a new or empty folder, or pass --force to write derive's files into it "
            "(files of the same names are replaced, nothing else is touched)"
        )
    ours = frozenset(
        name for name in (listed or ()) if (found := _lstat(path / name)) and stat.S_ISREG(found.st_mode)
    )
    return Target(shown, path, True, ours, listed is not None)


def previous_file(out_dir: Path, name: str) -> tuple[bytes | None, str | None]:
    """The bytes of ``name`` in the output folder when it is a regular file derive wrote there (its
    manifest lists it); otherwise None and, when something else is there, why it is not read.

    A symbolic link is not followed and a FIFO or device not opened (``O_NOFOLLOW | O_NONBLOCK`` and an
    ``fstat`` on the opened file, so the check and the read are of the same file)."""
    folder = _absolute(out_dir)
    shown = f"{out_dir}/{name}"
    info = _lstat(folder / name)
    folder_info = _lstat(folder)
    if info is None or folder_info is None or not stat.S_ISDIR(folder_info.st_mode):
        return None, None
    if stat.S_ISLNK(info.st_mode):
        return None, f"{shown} is a symbolic link: not followed"
    if not stat.S_ISREG(info.st_mode):
        return None, f"{shown} is not a regular file (a FIFO, socket or device): not read"
    if name not in (read_manifest(folder) or ()):
        return None, f"{shown} was not written by derive: left as it is"
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    try:
        fd = os.open(folder / name, flags)
    except OSError as error:
        return None, f"{shown} cannot be read ({error.strerror})"
    with os.fdopen(fd, "rb") as handle:
        if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
            return None, f"{shown} is not a regular file: not read"
        content = handle.read(MAX_CARRIED_BYTES + 1)
    if len(content) > MAX_CARRIED_BYTES:
        return None, f"{shown} is larger than {MAX_CARRIED_BYTES // 2**20} MiB: not carried over"
    return content, None


# --------------------------------------------------------------------------------------------------------
# Writing: assemble beside, swap in one step, retire the old folder safely
# --------------------------------------------------------------------------------------------------------


def write_output(out_dir: Path, files: Mapping[str, bytes | str], *, force: bool = False) -> tuple[str, ...]:
    """Make ``out_dir`` hold exactly ``files`` (plus its manifest) and whatever derive did not write there.

    Returns one-line warnings (entries kept without being followed or read, a wait for another build).
    Raises ``UsageError`` for a refused folder and ``EmitError`` when it cannot be written; either way the
    folder is as it was.
    """
    for name in files:
        if not _safe_relative(name) or name == MANIFEST:
            raise EmitError(f"refusing to write {name!r}: not a plain relative path")
    path = _absolute(out_dir)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise EmitError(f"cannot create {out_dir}: {error.strerror or error}") from None
    warnings: list[str] = []
    with _locked(path.parent, str(out_dir), warnings):
        _recover(path)
        target = inspect_target(out_dir, force=force)
        replaced = _collisions(target, files, force)
        staging = path.parent / f".{path.name}.{_STAGING}{secrets.token_hex(4)}"
        try:
            os.mkdir(staging, 0o700)
        except OSError as error:
            raise EmitError(f"cannot write into {out_dir}: {error.strerror or error}") from None
        try:
            _write_files(staging, files)
            if target.exists:
                _keep(path, staging, "", target.ours | replaced, str(out_dir), warnings)
            _pause("linked")
            os.chmod(staging, stat.S_IMODE(os.stat(path).st_mode) if target.exists else _default_mode())
            retired = _swap(staging, path, target.exists)
        except BaseException as error:
            _remove_staging(staging)
            if isinstance(error, OSError):
                raise EmitError(f"could not write {out_dir}: {error.strerror or error}") from None
            raise
        if retired is not None:
            _pause("swapped")
            kept = _discard(retired, path, target.ours | replaced | {MANIFEST})
            if kept:
                warnings.append(
                    f"kept the previous folder {retired.name} beside {out_dir}: it holds "
                    f"{', '.join(kept[:3])}, which the new output does not have"
                )
    return tuple(warnings)


def manifest_text(names: Iterator[str] | list[str]) -> str:
    """The manifest's content: sorted, stable, one name per line."""
    document = {
        "generator": "derive",
        "note": "derive build replaces exactly these files in this folder; everything else here is kept",
        "files": sorted(names),
    }
    return json.dumps(document, indent=1) + "\n"


def _collisions(target: Target, files: Mapping[str, object], force: bool) -> frozenset[str]:
    """Generated names taken by something derive did not write: refused, or (``--force``) replaced."""
    if not target.exists:
        return frozenset()
    taken: set[str] = set()
    for name in files:
        parts = name.split("/")
        for depth in range(1, len(parts) + 1):
            prefix = "/".join(parts[:depth])
            info = _lstat(target.path / prefix)
            if info is None:
                break
            is_folder_needed = depth < len(parts)
            if is_folder_needed and stat.S_ISDIR(info.st_mode):
                continue
            if prefix in target.ours:
                break
            if stat.S_ISDIR(info.st_mode):
                raise UsageError(
                    f"refusing to write {target.shown}/{prefix}: a folder derive did not write is there"
                )
            taken.add(prefix)
            break
    if taken and not force:
        first = sorted(taken)[0]
        raise UsageError(
            f"refusing to replace {target.shown}/{first}: derive did not write it (it is not in "
            f"{MANIFEST}); move it away, or pass --force to replace it"
        )
    return frozenset(taken)


def _write_files(staging: Path, files: Mapping[str, bytes | str]) -> None:
    names = sorted(files)
    # The manifest first: a half-written folder left by a kill then says which of its files are derive's.
    (staging / MANIFEST).write_text(manifest_text(names), encoding="utf-8", newline="\n")
    for number, name in enumerate(names):
        if number == len(names) // 2:
            _pause("writing")
        target = staging / name
        target.parent.mkdir(parents=True, exist_ok=True)
        content = files[name]
        if isinstance(content, str):
            target.write_text(content, encoding="utf-8", newline="\n")
        else:
            target.write_bytes(content)
    _pause("written")


def _default_mode() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return 0o777 & ~mask


def _keep(
    old: Path, new: Path, rel: str, ours: frozenset[str], shown: str, warnings: list[str]
) -> None:
    """Hard-link every entry of ``old`` that is not derive's into ``new`` (folders re-created): the entry
    itself, never what a link points to, never the content of a FIFO or device."""
    for entry in sorted(os.scandir(old), key=lambda e: e.name):
        name = f"{rel}/{entry.name}" if rel else entry.name
        if name in ours or (not rel and entry.name == MANIFEST):
            continue
        info = entry.stat(follow_symlinks=False)
        destination = new / entry.name
        if stat.S_ISDIR(info.st_mode):
            existed = _lstat(destination) is not None
            if not existed:
                os.mkdir(destination, stat.S_IMODE(info.st_mode) | stat.S_IRWXU)
            _keep(Path(entry.path), destination, name, ours, shown, warnings)
            if not existed:
                if _empty(destination) and not _empty(Path(entry.path)):
                    os.rmdir(destination)  # it held only derive's files, which this build does not write
                else:
                    os.chmod(destination, stat.S_IMODE(info.st_mode))
            continue
        if stat.S_ISLNK(info.st_mode):
            warnings.append(f"{shown}/{name} is a symbolic link: kept as it is, not followed")
        elif not stat.S_ISREG(info.st_mode):
            warnings.append(f"{shown}/{name} is not a regular file (a FIFO, socket or device): kept, unread")
        try:
            os.link(entry.path, destination, follow_symlinks=False)
        except OSError as error:
            raise EmitError(
                f"cannot keep {shown}/{name} in the new output ({error.strerror}); nothing was changed"
            ) from None


def _empty(folder: Path) -> bool:
    return not any(True for _ in os.scandir(folder))


# -- the swap -------------------------------------------------------------------------------------------

_AT_FDCWD = -100
_RENAME_EXCHANGE = 2  # linux/fs.h
_RENAME_SWAP = 2  # macOS sys/stdio.h


def _exchange(first: Path, second: Path) -> bool:
    """Swap two paths atomically; False where the system cannot (then nothing happened)."""
    if os.environ.get("DERIVE_TEST_NO_EXCHANGE") == "1":
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        if sys.platform.startswith("linux") and hasattr(libc, "renameat2"):
            result = libc.renameat2(
                _AT_FDCWD, os.fsencode(first), _AT_FDCWD, os.fsencode(second), _RENAME_EXCHANGE
            )
        elif sys.platform == "darwin" and hasattr(libc, "renamex_np"):  # pragma: no cover - macOS
            result = libc.renamex_np(os.fsencode(first), os.fsencode(second), _RENAME_SWAP)
        else:  # pragma: no cover - other systems
            return False
    except OSError:  # pragma: no cover - no C library to load
        return False
    if result == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.EINVAL, errno.ENOSYS, errno.ENOTSUP, errno.EOPNOTSUPP):
        return False
    raise OSError(code, os.strerror(code), str(second))


def _swap(staging: Path, path: Path, exists: bool) -> Path | None:
    """Put ``staging`` at ``path``; the old folder's new place (to be retired), or None if there was none."""
    if not exists:
        os.rename(staging, path)
        return None
    if _exchange(staging, path):
        return staging  # the old folder now sits where the new one was assembled
    # Without an atomic exchange: two renames. A build killed between them leaves the old folder under
    # its retired name, and the next build puts it back first (_recover).
    retired = path.parent / f".{path.name}.{_RETIRED}{secrets.token_hex(4)}"
    os.rename(path, retired)
    _pause("between-renames")
    os.rename(staging, path)
    return retired


def _recover(path: Path) -> None:
    """Undo what a killed build left: the old folder under a retired name with none at ``path`` goes back;
    other leftovers (a half-assembled folder, a folder that was being retired) are retired safely."""
    leftovers = sorted(
        (
            entry
            for entry in path.parent.glob(f".{path.name}.derive-*")
            if (info := _lstat(entry)) is not None and stat.S_ISDIR(info.st_mode)
        ),
        key=lambda entry: entry.stat().st_mtime,
    )
    if _lstat(path) is None:
        retired = [entry for entry in leftovers if entry.name.startswith(f".{path.name}.{_RETIRED}")]
        if retired:
            os.rename(retired[-1], path)
            leftovers.remove(retired[-1])
    info = _lstat(path)
    for leftover in leftovers:
        ours = (read_manifest(leftover) or frozenset()) | {MANIFEST}
        if info is not None and stat.S_ISDIR(info.st_mode):
            _discard(leftover, path, ours)
        elif _only(leftover, ours):  # a first build killed before its folder was put in place
            _remove_staging(leftover)


def _only(folder: Path, ours: frozenset[str]) -> bool:
    """Whether every file under ``folder`` is one of ``ours``."""
    for root, _, names in os.walk(folder):
        for name in names:
            if os.path.relpath(os.path.join(root, name), folder).replace(os.sep, "/") not in ours:
                return False
    return True


def _discard(old: Path, live: Path, ours: frozenset[str]) -> list[str]:
    """Remove a retired folder entry by entry: derive's files, and entries the live folder also holds (the
    same file); anything else is moved into the live folder if its place there is free, or kept. Returns
    what was kept (the folder then stays)."""
    kept: list[str] = []
    _discard_into(old, live, "", ours, kept)
    with contextlib.suppress(OSError):
        os.rmdir(old)
    return kept


def _discard_into(old: Path, live: Path, rel: str, ours: frozenset[str], kept: list[str]) -> None:
    for entry in sorted(os.scandir(old), key=lambda e: e.name):
        name = f"{rel}/{entry.name}" if rel else entry.name
        info = entry.stat(follow_symlinks=False)
        counterpart = live / entry.name
        other = _lstat(counterpart)
        if (name in ours and stat.S_ISREG(info.st_mode)) or (
            other is not None and os.path.samestat(info, other)
        ):
            os.unlink(entry.path)
            continue
        if stat.S_ISDIR(info.st_mode) and (other is None or stat.S_ISDIR(other.st_mode)):
            if other is None and not any(True for _ in os.scandir(entry.path)):
                live.mkdir(parents=True, exist_ok=True)
                os.rename(entry.path, counterpart)  # an empty folder of the user's: moved over
                continue
            _discard_into(Path(entry.path), counterpart, name, ours, kept)
            with contextlib.suppress(OSError):
                os.rmdir(entry.path)
            continue
        if other is None:
            live.mkdir(parents=True, exist_ok=True)
            os.rename(entry.path, counterpart)  # not derive's and not in the new folder: moved over
            continue
        kept.append(name)


def _remove_staging(staging: Path) -> None:
    """Remove a folder this build assembled (its own files and extra hard links only)."""
    for root, folders, names in os.walk(staging, topdown=False):
        for name in names:
            with contextlib.suppress(OSError):
                os.unlink(os.path.join(root, name))
        for name in folders:
            folder = os.path.join(root, name)
            with contextlib.suppress(OSError):
                if os.path.islink(folder):
                    os.unlink(folder)
                else:
                    os.rmdir(folder)
    with contextlib.suppress(OSError):
        os.rmdir(staging)


# -- the lock and the test hooks ------------------------------------------------------------------------


@contextlib.contextmanager
def _locked(parent: Path, shown: str, warnings: list[str]) -> Iterator[None]:
    """An exclusive ``flock`` on the output folder's parent for the whole write (builds into one folder
    run one after the other)."""
    try:
        fd = os.open(parent, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError as error:
        raise EmitError(f"cannot open {parent}: {error.strerror}") from None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            _pause("waiting")
            started = time.monotonic()
            while True:
                time.sleep(0.05)
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() - started > LOCK_WAIT:
                        raise EmitError(
                            f"another derive build is writing into {shown}; gave up after {LOCK_WAIT:g} s"
                        ) from None
            warnings.append(f"waited {time.monotonic() - started:.1f} s for another build into {shown}")
        yield
    finally:
        os.close(fd)  # releases the lock


def _pause(phase: str) -> None:
    """Test hook (DERIVE_TEST_HOOKS=1): at a phase named in DERIVE_TEST_PAUSE_AT, append the phase to
    DERIVE_TEST_PAUSE_FILE and sleep DERIVE_TEST_PAUSE_SECONDS, so a test can kill the build right there."""
    if os.environ.get("DERIVE_TEST_HOOKS") != "1":
        return
    if phase not in os.environ.get("DERIVE_TEST_PAUSE_AT", "").split(","):
        return
    report = os.environ.get("DERIVE_TEST_PAUSE_FILE")
    if report:
        with open(report, "a", encoding="utf-8") as handle:
            handle.write(phase + "\n")
    seconds = float(os.environ.get("DERIVE_TEST_PAUSE_SECONDS", "30"))
    release = os.environ.get("DERIVE_TEST_PAUSE_UNTIL")  # or until this file exists
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and not (release and os.path.exists(release)):
        time.sleep(min(0.02, seconds))
