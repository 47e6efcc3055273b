"""Verifying a whole forum's answers: a Stack Exchange data dump streamed through Dask distributed.

``derive scan DUMP`` reads the dump's ``Posts.xml`` row by row (:mod:`derive.scan.dump`), chooses the posts
about these gradients, checks each one as ``derive check --post`` does in a task on the engine
(:mod:`derive.scan.task`, :mod:`derive.scan.engine`), appends one JSON line per post as it finishes to the
scan's folder (:mod:`derive.scan.folder`: resumable, each post once) and writes a summary
(:mod:`derive.scan.summary`). :mod:`derive.scan.batch` runs ``derive check --batch`` on the same engine.

The engine is the optional ``scale`` extra: nothing here imports Dask until a scan runs.
"""

from __future__ import annotations

import importlib
from typing import Any

#: Where each public name lives; imported on first use, so ``derive --help`` loads neither SymPy nor Dask.
_HOMES = {
    "DumpPost": "derive.scan.dump",
    "Selection": "derive.scan.dump",
    "select_posts": "derive.scan.dump",
    "engine_available": "derive.scan.engine",
    "require_engine": "derive.scan.engine",
    "ScanReport": "derive.scan.run",
    "ScanRequest": "derive.scan.run",
    "scan": "derive.scan.run",
}

__all__ = sorted(_HOMES)


def __getattr__(name: str) -> Any:
    if name not in _HOMES:
        raise AttributeError(f"module 'derive.scan' has no attribute {name!r}")
    return getattr(importlib.import_module(_HOMES[name]), name)
