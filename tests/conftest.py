"""Test-suite settings: hypothesis runs derandomized (seeded), so CI sees the examples a developer saw."""

from __future__ import annotations

from hypothesis import settings

settings.register_profile("derive", derandomize=True, deadline=None, print_blob=True)
settings.load_profile("derive")
