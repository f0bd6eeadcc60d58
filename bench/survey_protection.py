"""Time of Elevundersøkelsen's secondary suppression for one municipality: `python -m bench.survey_protection`.

Writes bench/survey_protection.json. Each municipality is random (seeded): barneskoler, ungdomsskoler and 1–10
schools of 3–50 pupils a trinn and kjønn, five school years of 15 indicators (every third a share), each value worked
out from its pupils so that the lines add up, and Udir's own suppression of half the groups under five. Timed:
working it out (what the first protected page waited for after every load, before it was kept), and finding it kept
beside the warehouse (what a page waits for now, after any load that did not change the municipality's survey rows,
or once the server's worker has worked it out).

`python -m bench.survey_protection --lager DB` times the server's worker over a whole warehouse instead (at national
scale: the files `bench.national.write_national` writes, loaded with `skolemiljo ingest`), and adds it to the file.
"""

from __future__ import annotations

import json
import random
import sys
import tempfile
import time
from pathlib import Path

import polars as pl

from dashboard import secondary
from dashboard.viewer import Viewer

SIZES = [20, 60, 150]
THRESHOLD = 10
SCHEMA = {"skoleaar": pl.String, "indikator_kode": pl.String, "kommunenr": pl.String, "orgnr": pl.String,
          "trinn": pl.Int32, "kjonn": pl.String, "antall_besvart": pl.Int32, "skjermet": pl.Boolean,
          "verdi": pl.Float64, "maal": pl.String}


def municipality(n_schools: int, seed: int) -> pl.DataFrame:
    """One municipality's survey rows as `secondary.CUBE_SQL` reads them."""
    rng = random.Random(seed)
    schools = []
    for s in range(n_schools):
        kind = rng.choice(["b", "b", "u", "bu"])
        trinn = range(5, 8) if kind == "b" else range(8, 11) if kind == "u" else range(5, 11)
        size = rng.choice([3, 8, 15, 30, 50])
        schools.append((f"9{s:08d}", {t: {k: max(0, int(rng.gauss(size, size / 3))) for k in ("jenter", "gutter")}
                                      for t in trinn}))
    rows = []
    for y in range(5):
        year = f"{2020 + y}-{21 + y}"
        for ind in range(15):
            maal = "andel" if ind % 3 == 0 else "snitt"
            p, mu = rng.choice([0.02, 0.05, 0.1, 0.3]), rng.choice([3.5, 4.0, 4.3])
            sums: dict[tuple, list] = {}
            for orgnr, by_trinn in schools:
                for t, by_kjonn in by_trinn.items():
                    for k, n0 in by_kjonn.items():
                        n = max(0, n0 + rng.randint(-2, 2))
                        v = (sum(rng.random() < p for _ in range(n)) if maal == "andel"
                             else sum(min(5.0, max(1.0, rng.gauss(mu, 0.6))) for _ in range(n)))
                        for key in [(o, tt, kj) for o in (orgnr, None) for tt in (t, None) for kj in (k, "alle")]:
                            acc = sums.setdefault(key, [0, 0.0])
                            acc[0] += n
                            acc[1] += v
            for (orgnr, t, k), (n, v) in sums.items():
                if not n or (orgnr is None and t is not None and t not in (7, 10)):
                    continue
                udir = n < 5 and rng.random() < 0.5
                value = None if udir else round(100 * v / n if maal == "andel" else v / n, 1)
                rows.append((year, f"I{ind}", "9909", orgnr, t, k, None if udir else n, udir, value, maal))
    return pl.DataFrame(rows, schema=SCHEMA, orient="row").sort(
        "skoleaar", "indikator_kode", "orgnr", "trinn", "kjonn", nulls_last=False)


def prepare_all(db: Path) -> dict:
    """The server's worker over a whole warehouse (`secondary.prepare`), from an empty store: what a national body's
    server does once after a new Udir file, in the background. Time, municipalities and the worker's peak memory."""
    import resource
    import shutil

    shutil.rmtree(secondary.store_of(db), ignore_errors=True)
    start = time.perf_counter()
    done = secondary.prepare(db)
    seconds = time.perf_counter() - start
    slowest = max(done, key=lambda d: d[1]) if done else ("", 0.0)
    row = {"lager": db.name, "kommuner": len(done), "sekunder": round(seconds, 1),
           "tregeste_kommune_s": round(slowest[1], 2),
           "maks_minne_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)}
    print(f"Arbeideren over {db.name}: {row['kommuner']} kommuner på {row['sekunder']} s (tregeste "
          f"{row['tregeste_kommune_s']} s), maks minne {row['maks_minne_mib']} MiB", flush=True)
    return row


def main() -> int:
    if len(sys.argv) > 2 and sys.argv[1] == "--lager":  # the worker over an existing warehouse, e.g. the national one
        row = prepare_all(Path(sys.argv[2]))
        path = Path(__file__).with_name("survey_protection.json")
        kept = json.loads(path.read_text(encoding="utf-8"))
        kept = {"kommuner": kept, "arbeideren": row} if isinstance(kept, list) else {**kept, "arbeideren": row}
        path.write_text(json.dumps(kept, indent=2) + "\n", encoding="utf-8")
        return 0
    viewer = Viewer(role="fau", kommuner=frozenset({"9909"}), protected=True, min_respondents=THRESHOLD)
    out = []
    with tempfile.TemporaryDirectory() as tmp:
        store = Path(tmp)
        for n in SIZES:
            cube = municipality(n, seed=n)
            start = time.perf_counter()
            hidden = secondary.hidden_cells(store, cube, viewer, "9909", ())
            worked = time.perf_counter() - start
            start = time.perf_counter()
            again = secondary.hidden_cells(store, cube, viewer, "9909", ())
            kept = time.perf_counter() - start
            assert again.height == hidden.height
            row = {"skoler": n, "rader": cube.height, "skjult_i_tillegg": hidden.height,
                   "regnet_ut_s": round(worked, 2), "funnet_lagret_s": round(kept, 3)}
            out.append(row)
            print(f"{n:4d} skoler, {cube.height} rader: regnet ut {row['regnet_ut_s']} s, funnet lagret "
                  f"{row['funnet_lagret_s']} s ({hidden.height} verdier skjult i tillegg)", flush=True)
    path = Path(__file__).with_name("survey_protection.json")
    earlier = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    worker = earlier.get("arbeideren") if isinstance(earlier, dict) else None
    path.write_text(json.dumps({"kommuner": out, **({"arbeideren": worker} if worker else {})}, indent=2) + "\n",
                    encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
