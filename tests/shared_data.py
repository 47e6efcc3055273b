"""The shared data the tests use from ``../shared`` (beside the checkout): the dev claims.

Without ``../shared`` those tests skip on a developer's machine, but with the environment variable ``CI``
set they fail: a CI run must never pass by skipping them.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

SHARED = Path(__file__).resolve().parents[2] / "shared"


def shared_file(*parts: str, root: Path = SHARED) -> Path:
    """``root/parts``; a skip when it is missing, or a failure when ``CI`` is set."""
    path = root.joinpath(*parts)
    if not path.exists():
        reason = f"{path} not found: these tests use ../shared beside the checkout"
        if os.environ.get("CI"):
            pytest.fail(f"{reason} (CI is set, so a missing ../shared fails instead of skipping)")
        pytest.skip(reason)
    return path
