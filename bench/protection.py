"""Time of small-number protection for a case-count table (school × sakstype): `python -m bench.protection`.

Writes bench/protection.json. The tables are random with the demo's mix of counts (many 0–4); the largest is a
national municipality's (170 schools × 8 sakstyper). Each size is timed on fresh tables (the audit's cycle searches
depend on where the small numbers fall), median of five.
"""

from __future__ import annotations

import json
import random
import statistics
import sys
import time
from pathlib import Path

from dashboard.privacy import protect_counts

SIZES = [6, 30, 80, 170]
VALUES = [0, 0, 0, 1, 1, 2, 3, 5, 8, 12]


def main() -> int:
    rng = random.Random(2026)
    out = []
    for n in SIZES:
        times, hidden = [], []
        for _ in range(5):
            cells = [[rng.choice(VALUES) for _ in range(8)] for _ in range(n)]
            start = time.perf_counter()
            _, mask = protect_counts(cells)
            times.append(time.perf_counter() - start)
            hidden.append(sum(map(sum, mask)))
        row = {"skoler": n, "sakstyper": 8, "sekunder_median": round(statistics.median(times), 3),
               "sekunder_maks": round(max(times), 3), "skjulte_celler_median": statistics.median(hidden)}
        out.append(row)
        print(f"{n:4d} skoler × 8: median {row['sekunder_median']} s, høyst {row['sekunder_maks']} s, "
              f"{row['skjulte_celler_median']} skjulte celler av {(n + 1) * 9}")
    Path(__file__).with_name("protection.json").write_text(json.dumps(out, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
