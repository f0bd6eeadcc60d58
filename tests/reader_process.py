"""A stand-in for a running dashboard: reads through dashboard.queries in a loop until told to stop.

Run as `python -m tests.reader_process DB STOPFILE READYFILE`; prints a JSON summary.
"""

from __future__ import annotations

import json
import logging
import os
import sys
import time
from pathlib import Path

logging.disable(logging.WARNING)  # Streamlit's "no runtime" notices; errors are collected below


def main() -> None:
    db, stop, ready = (Path(a) for a in sys.argv[1:4])
    os.environ["SKOLEMILJO_DB"] = str(db)
    from dashboard import queries
    from dashboard.viewer import DEMO_VIEWER

    reads, errors, counts = 0, [], []
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        try:
            log = queries.ingest_log(DEMO_VIEWER)
            figures = queries.key_figures(DEMO_VIEWER)
            counts.append(log.height)
            reads += 1
            del figures
        except Exception as exc:  # every failure a user would have seen
            errors.append(f"{type(exc).__name__}: {exc}")
        if reads == 1:
            ready.touch()
        if stop.exists():
            # One last read after the writer finished: the new data must be visible.
            counts.append(queries.ingest_log(DEMO_VIEWER).height)
            break
        time.sleep(0.01)
    print(json.dumps({"reads": reads, "errors": errors[:5], "n_errors": len(errors),
                      "first": counts[0] if counts else None, "last": counts[-1] if counts else None}))


if __name__ == "__main__":
    main()
