"""Demo Ungdata in the two real shapes: each municipality's results table for two survey waves, and one FHI
Kommunehelsa file with pooled three-year figures for the municipalities, the fylke and the nation (with SPVFLAGG)."""

from __future__ import annotations

import csv
import io
import random
from pathlib import Path

WAVES = [2021, 2024]
POOLED = [(2019, 2021), (2022, 2024)]
FYLKE = "99"

# (indicator, national share % at 8–10 in the first wave, change per wave, girls minus boys, change per trinn)
INDICATORS = [
    ("Trives på skolen", 86.0, -1.5, -1.0, -2.5),
    ("Blir mobbet minst hver 14. dag", 8.0, 0.8, 0.5, -0.6),
    ("Plaget av ensomhet", 19.0, 1.5, 12.0, 1.5),
    ("Mange psykiske plager", 17.0, 1.2, 14.0, 3.0),
    ("Fornøyd med foreldrene", 84.0, -0.5, -3.0, -2.0),
    ("Har skulket skolen siste år", 13.0, 1.0, -2.0, 4.0),
    ("Med i fritidsorganisasjon", 63.0, -2.0, -1.0, -4.0),
]
FHI_INDICATORS = ["Trives på skolen", "Blir mobbet minst hver 14. dag", "Plaget av ensomhet", "Mange psykiske plager"]

# kommunenr → (pupils answering per trinn and kjønn, offset from the nation in percentage points, per indicator index)
KOMMUNER = {
    "9901": (56, {0: -2.0, 1: 1.5, 2: 1.0, 3: 2.0, 4: 0.0, 5: 1.0, 6: 3.0}),
    "9902": (11, {0: 3.0, 1: -1.0, 2: -2.0, 3: -1.5, 4: 2.0, 5: -3.0, 6: 8.0}),
}
TRINN = ["8", "9", "10"]
KJONN = {"alle": 0, "gutter": -0.5, "jenter": 0.5}
MIN_ANSWERS = 10


def _share(i: int, wave_index: int, kommune_offset: float, trinn: str, kjonn: str, rng: random.Random) -> float:
    _, base, change, gap, per_trinn = INDICATORS[i]
    t = {"8": -1, "9": 0, "10": 1, "8-10": 0}[trinn]
    value = base + change * wave_index + kommune_offset + gap * KJONN[kjonn] + per_trinn * t + rng.gauss(0, 1.2)
    return round(min(99.0, max(1.0, value)), 1)


def _num(value: float) -> str:
    return f"{value:.1f}".replace(".", ",")


def table_rows(kommunenr: str, wave_index: int, rng: random.Random) -> list[dict[str, str]]:
    """Gutter and jenter per trinn are drawn; «8-10» and «alle» are the answer-weighted averages of them, as in a
    real table (so «alle kjønn» always lies between jenter and gutter)."""
    per_group, offsets = KOMMUNER[kommunenr]
    rows = []
    for i, (name, *_rest) in enumerate(INDICATORS):
        cells: dict[tuple[str, str], tuple[float, int]] = {}
        for trinn in TRINN:
            for kjonn in ("gutter", "jenter"):
                n = max(0, per_group + rng.randint(-3, 3))
                cells[(trinn, kjonn)] = (_share(i, wave_index, offsets[i], trinn, kjonn, rng), n)
        for trinn in TRINN + ["8-10"]:
            for kjonn in KJONN:
                parts = [cells[(t, k)] for t in (TRINN if trinn == "8-10" else [trinn])
                         for k in (("gutter", "jenter") if kjonn == "alle" else (kjonn,))]
                n = sum(count for _, count in parts)
                value = round(sum(v * count for v, count in parts) / n, 1) if n else 0.0
                rows.append({
                    "kommunenr": kommunenr, "aar": str(WAVES[wave_index]), "trinn": trinn, "kjonn": kjonn,
                    "indikator": name, "andel": "*" if n < MIN_ANSWERS else _num(value), "antall_svar": str(n),
                })
    return rows


def fhi_rows(rng: random.Random) -> list[dict[str, str]]:
    """FHI's csv3 layout: codes, pooled periods, TELLER/NEVNER/RATE and SPVFLAGG; «alle» is gutter and jenter
    added up."""
    places = [("9901", KOMMUNER["9901"]), ("9902", KOMMUNER["9902"]), (FYLKE, (900, {})), ("0", (60000, {}))]
    rows = []
    for p, (first, last) in enumerate(POOLED):
        for geo, (per_group, offsets) in places:
            for name in FHI_INDICATORS:
                i = next(k for k, ind in enumerate(INDICATORS) if ind[0] == name)
                nevner = per_group * 3 * 2  # three years pooled, about two waves
                counts = {}
                for kjonn in ("gutter", "jenter"):
                    value = _share(i, p, offsets.get(i, 0.0), "8-10", kjonn, rng)
                    counts[kjonn] = (round(nevner * value / 100), nevner)
                counts["alle"] = (counts["gutter"][0] + counts["jenter"][0], 2 * nevner)
                for kjonn, code in (("alle", "0"), ("gutter", "1"), ("jenter", "2")):
                    teller, total = counts[kjonn]
                    # FHI anonymises a group when the numerator is small: flag 3, the value left empty.
                    anonymised = teller < 10 or total < 50
                    rows.append({
                        "GEO": geo, "AAR": f"{first}_{last}", "KJONN": code, "TRINN": "ungdomstrinn",
                        "INDIKATOR": name,
                        "TELLER": "" if anonymised else str(teller),
                        "NEVNER": "" if anonymised else str(total),
                        "RATE": "" if anonymised else f"{100 * teller / total:.1f}",
                        "SPVFLAGG": "3" if anonymised else "0",
                    })
    return rows


def _write_csv(path: Path, rows: list[dict[str, str]]) -> None:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(rows[0]), delimiter=";", lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    path.write_text(buf.getvalue(), encoding="utf-8")


def write(out: Path, seed: int) -> list[Path]:
    rng = random.Random(seed)
    files = []
    for kommunenr in KOMMUNER:
        for w, wave in enumerate(WAVES):
            path = out / f"ungdata_{kommunenr}_{wave}.csv"
            _write_csv(path, table_rows(kommunenr, w, rng))
            files.append(path)
    path = out / "kommunehelsa_ungdata_ungdomstrinn.csv"
    _write_csv(path, fhi_rows(rng))
    files.append(path)
    return files
