"""Write the 40 dev claims as JSON Lines, with the options of ``tests/test_claims_dev.py`` (one table), for
``derive bench --claims FILE`` and ``derive check --batch FILE``::

    python tests/dev_claims_jsonl.py dev_claims.jsonl
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from test_claims_dev import ALL_IDS, _case, _claim_text, _options


def lines() -> list[str]:
    out: list[str] = []
    for case_id in ALL_IDS:
        case = _case(case_id)
        options = _options(case, _claim_text(case))
        record: dict[str, object] = {"id": case_id, "claim": options.claim}
        for name in ("wrt", "means", "syntax", "reading", "classes"):
            if getattr(options, name) is not None:
                record[name] = getattr(options, name)
        for name in ("let", "define", "where", "assume", "at"):
            if getattr(options, name):
                record[name] = list(getattr(options, name))
        if options.convention is not None:
            record["convention"] = options.convention
        if options.loss != "softmax-ce":
            record["loss"] = options.loss
        if options.implied_sums:
            record["implied_sums"] = True
        record["timeout"] = options.timeout
        out.append(json.dumps(record, ensure_ascii=False))
    return out


if __name__ == "__main__":
    Path(sys.argv[1]).write_text("\n".join(lines()) + "\n", encoding="utf-8")
