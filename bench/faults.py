"""Many SIGKILLs during ingest (the quick version runs in `make test`): `python -m bench.faults [N]`.

Runs tests/test_faults.py with N kills at random moments and writes bench/faults.json: how many kills left the
state before the file and how many after (never anything else, or the test fails).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main(kills: int) -> int:
    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "faults.json"
        env = {**os.environ, "SKOLEMILJO_KILLS": str(kills), "SKOLEMILJO_KILL_REPORT": str(report)}
        run = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/test_faults.py"],
                             cwd=ROOT, env=env)
        if run.returncode != 0 or not report.exists():
            print("Feiltesten feilet: se utskriften over.")
            return 1
        result = json.loads(report.read_text(encoding="utf-8"))
    (ROOT / "bench" / "faults.json").write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(f"{result['kills']} SIGKILL under innlasting: {result['before']} ga tilstanden før filen, "
          f"{result['after']} tilstanden etter, ingen noe annet; loggen stemte hver gang.")
    return 0


if __name__ == "__main__":
    sys.exit(main(int(sys.argv[1]) if len(sys.argv) > 1 else 100))
