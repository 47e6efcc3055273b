"""Tests in a clone (issue 9, item 18): without ../shared the dev-claim tests skip on a developer's
machine, but fail when CI is set, and the README says the tests use ../shared."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from shared_data import shared_file

TESTS = Path(__file__).resolve().parent
ROOT = TESTS.parent


def test_a_missing_shared_file_fails_when_ci_is_set(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="CI is set"):
        shared_file("claims-dev", "claims.json", root=tmp_path)


def test_a_missing_shared_file_skips_without_ci(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception):
        shared_file("claims-dev", "claims.json", root=tmp_path)


@pytest.mark.parametrize(("ci", "outcome"), [("true", "1 failed"), (None, "1 skipped")])
def test_the_dev_claim_tests_in_a_checkout_without_shared(
    tmp_path: Path, ci: str | None, outcome: str
) -> None:
    clone = tmp_path / "elsewhere" / "project" / "tests"  # ../shared of this checkout does not exist
    clone.mkdir(parents=True)
    for name in ("conftest.py", "shared_data.py", "test_claims_dev.py"):
        shutil.copy(TESTS / name, clone / name)
    env = {key: value for key, value in os.environ.items() if key != "CI"}
    if ci is not None:
        env["CI"] = ci
    completed = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--rootdir", str(clone),
         str(clone / "test_claims_dev.py") + "::test_the_dev_file_has_the_ten_cases"],
        cwd=clone, env=env, capture_output=True, text=True, timeout=300,
    )
    assert outcome in completed.stdout, completed.stdout + completed.stderr


def test_the_readme_says_the_tests_use_the_shared_folder() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "../shared/claims-dev/" in readme and "`CI` set" in readme
