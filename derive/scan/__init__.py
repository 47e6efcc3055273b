"""Verifying a whole forum's answers: a Stack Exchange data dump streamed through Dask distributed.

``derive scan DUMP`` reads the dump's ``Posts.xml`` row by row (:mod:`derive.scan.dump`), chooses the posts
about these gradients, checks each one as ``derive check --post`` does in a task on the engine
(:mod:`derive.scan.task`, :mod:`derive.scan.engine`), appends one JSON line per post as it finishes to the
scan's folder (:mod:`derive.scan.folder`: resumable, each post once) and writes a summary
(:mod:`derive.scan.summary`). :mod:`derive.scan.batch` runs ``derive check --batch`` on the same engine.

The engine is the optional ``scale`` extra: nothing here imports Dask until a scan runs.
"""

from __future__ import annotations

from derive.scan.dump import DumpPost, Selection, select_posts
from derive.scan.engine import engine_available, require_engine
from derive.scan.run import ScanReport, ScanRequest, scan

__all__ = [
    "DumpPost",
    "ScanReport",
    "ScanRequest",
    "Selection",
    "engine_available",
    "require_engine",
    "scan",
    "select_posts",
]
