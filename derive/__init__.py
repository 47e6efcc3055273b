"""derive: a symbolic derivation verifier for the softmax cross-entropy gradient."""

from __future__ import annotations

__version__ = "0.1.0"
