"""Test-suite settings: hypothesis runs derandomized (seeded), so CI sees the examples a developer saw; and
fixtures made once per run for every pytest-xdist worker."""

from __future__ import annotations

import fcntl
import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import settings

settings.register_profile("derive", derandomize=True, deadline=None, print_blob=True)
settings.load_profile("derive")


MakeOnce = Callable[[str, Callable[[Path], None]], Path]


@pytest.fixture(scope="session")
def made_once(tmp_path_factory: pytest.TempPathFactory) -> MakeOnce:
    """``made_once(name, make)``: ``make(path)`` once per test run, shared by every pytest-xdist worker of
    the run (a wheel, a whole build): the first worker to ask makes it under a file lock, the others wait
    and reuse it. Without xdist it is made in this run's own temporary folder."""
    base = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        base = base.parent  # the run's folder, shared by its workers (each has its own popen-gwN below it)

    def once(name: str, make: Callable[[Path], None]) -> Path:
        path, done = base / f"shared-{name}", base / f"shared-{name}.done"
        with (base / f"shared-{name}.lock").open("w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            if not done.exists():
                shutil.rmtree(path, ignore_errors=True)  # a worker that failed halfway left it
                path.mkdir()
                make(path)
                done.touch()
        return path

    return once
