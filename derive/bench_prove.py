"""Times the full checked derivation (Jacobian, dH/dz both routes, W, b, x, batch) for symbolic k and
for concrete k: ``derive bench --derivation``. A benchmark, not a test: numbers are reported, not asserted."""

from __future__ import annotations

import os
import time
from collections.abc import Sequence

from derive.derivation import all_derivations
from derive.loss import Model

CONCRETE_CLASSES: tuple[int, ...] = (2, 4, 8, 16, 32, 64)


def time_derivations(classes: Sequence[int] = CONCRETE_CLASSES) -> str:
    """A Markdown table: classes, steps, all proved, wall and CPU seconds, and the load average (on a
    shared machine the CPU seconds are the steadier figure)."""
    rows = [
        "| classes | derivations | steps | all proved | seconds | CPU seconds |",
        "|---|---:|---:|---|---:|---:|",
    ]
    load = os.getloadavg()[0]
    for label, model in [("k (symbolic)", Model())] + [(str(k), Model(classes=k)) for k in classes]:
        start, cpu = time.perf_counter(), time.process_time()
        derivations = all_derivations(model)
        seconds, cpu_seconds = time.perf_counter() - start, time.process_time() - cpu
        steps = [step for derivation in derivations for step in derivation.steps]
        proved = all(step.verdict == "proved" for step in steps)
        rows.append(
            f"| {label} | {len(derivations)} | {len(steps)} | {'yes' if proved else 'no'} | {seconds:.2f} "
            f"| {cpu_seconds:.2f} |"
        )
    rows.append("")
    rows.append(f"load average (1 min) at the start: {load:.2f}, at the end: {os.getloadavg()[0]:.2f}")
    return "\n".join(rows) + "\n"
