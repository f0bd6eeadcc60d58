"""A national-scale data set in the real formats, for the benchmarks: about 2 900 schools in 356 municipalities.

Elevundersøkelsen for ten school years (table 148 as the statistikkbank CSV, 150 and 151 as export-API JSON),
trinn 5–10 and «Alle trinn», three kjønn values, every index and bullying share, at school, municipality and
national level; the school register; kap. 12 case counts and team meeting logs for every school and month of the
last two school years (the product's CSV templates). Built with Polars, not row by row, so it takes seconds.

    python -m bench.national OUTDIR [--skoler 2900] [--aar 10]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
from pathlib import Path

import numpy as np
import polars as pl

from pipelines.demo import BULLYING, INDICES, KJONN
from pipelines.templates.saker import SAKSTYPER

KOMMUNER = 356
SEED = 2900
LAST_YEAR = 2025  # the school year 2025-26
KJONN_CODE = dict(KJONN)


def _year(start: int) -> str:
    return f"{start}-{(start + 1) % 100:02d}"


def _num(expr: pl.Expr, decimals: int = 1) -> pl.Expr:
    """Udir style: comma decimals."""
    return expr.round(decimals).cast(pl.String).str.replace(".", ",", literal=True)


def schools(n: int, rng: np.random.Generator) -> pl.DataFrame:
    """Schools spread over 356 municipalities in 15 fylker: barneskoler, ungdomsskoler and 1–10 schools."""
    kommune_of = np.sort(rng.integers(0, KOMMUNER, n))
    kind = rng.choice(3, n, p=[0.6, 0.2, 0.2])  # 0: 1–7, 1: 8–10, 2: 1–10
    fra = np.where(kind == 1, 8, 1)
    til = np.where(kind == 0, 7, 10)
    per_trinn = rng.integers(4, 90, n)
    frame = pl.DataFrame({
        "i": np.arange(n), "k": kommune_of, "kind": kind, "trinn_fra": fra, "trinn_til": til,
        "elevtall": per_trinn * (til - fra + 1),
    })
    fylker = [f"{f:02d}" for f in (3, 11, 15, 18, 31, 32, 33, 34, 39, 40, 42, 46, 50, 55, 56)]
    return frame.with_columns(
        pl.format("{}{}", pl.col("k").map_elements(lambda k: fylker[k % len(fylker)], return_dtype=pl.String),
                  (pl.col("k") // len(fylker) + 1).cast(pl.String).str.zfill(2)).alias("kommunenr"),
        (pl.col("i") * 3 + 810_000_001).cast(pl.String).alias("orgnr"),
    ).with_columns(
        pl.col("kommunenr").str.slice(0, 2).alias("fylkekode"),
        pl.format("Kommune {}", pl.col("kommunenr")).alias("kommune"),
        pl.format("{} {} {}", pl.when(pl.col("kind") == 1).then(pl.lit("Ungdomsskole")).otherwise(pl.lit("Skole")),
                  pl.col("kommunenr"), pl.col("i")).alias("navn"),
    )


def _register(frame: pl.DataFrame, out: Path) -> Path:
    path = out / "skoleregister.csv"
    frame.select("orgnr", "navn", "kommunenr", "kommune", "trinn_fra", "trinn_til", "elevtall").write_csv(
        path, separator=";")
    return path


def _cells(frame: pl.DataFrame, year: int, rng: np.random.Generator) -> pl.DataFrame:
    """School × trinn (and «Alle trinn») × kjønn with answers and a school-year effect."""
    trinn = pl.DataFrame({"trinn": [None, 5, 6, 7, 8, 9, 10]}, schema={"trinn": pl.Int32})
    kjonn = pl.DataFrame({"kjonn": [k for k, _ in KJONN], "andel": [1.0, 0.5, 0.5]})
    cells = (
        frame.join(trinn, how="cross")
        .filter(pl.col("trinn").is_null() & (pl.col("trinn_til") >= 5)
                | pl.col("trinn").is_between(pl.max_horizontal(pl.col("trinn_fra"), pl.lit(5)), pl.col("trinn_til")))
        .join(kjonn, how="cross")
    )
    per_trinn = pl.col("elevtall") / (pl.col("trinn_til") - pl.col("trinn_fra") + 1)
    span = pl.col("trinn_til") - pl.max_horizontal(pl.col("trinn_fra"), pl.lit(5)) + 1
    n = (per_trinn * pl.when(pl.col("trinn").is_null()).then(span).otherwise(1) * pl.col("andel") * 0.9)
    return cells.with_columns(
        n.round(0).cast(pl.Int32).alias("n"),
        pl.Series("effekt", rng.normal(0, 0.12, cells.height)),
    )


def _identity(level: str) -> list[pl.Expr]:
    """The identifying columns of tables 148 and 150 for school rows (the municipality and nation follow suit)."""
    school = level == "skole"
    return [
        pl.col("skoleaar").alias("Skoleaarnavn"),
        pl.lit({"nasjonalt": "1", "kommune": "3", "skole": "4"}[level]).alias("EnhetNivaa"),
        pl.lit("0").alias("Nasjonaltkode"), pl.lit("Nasjonalt").alias("Nasjonalt"),
        (pl.col("fylkekode") if level != "nasjonalt" else pl.lit("")).alias("Fylkekode"),
        (pl.format("Fylke {}", pl.col("fylkekode")) if level != "nasjonalt" else pl.lit("")).alias("Fylke"),
        (pl.col("kommunenr") if level != "nasjonalt" else pl.lit("")).alias("Kommunekode"),
        (pl.col("kommune") if level != "nasjonalt" else pl.lit("")).alias("Kommune"),
        (pl.col("orgnr") if school else pl.lit("")).alias("Organisasjonsnummer"),
        (pl.col("navn") if school else pl.col("kommune") if level == "kommune" else pl.lit("Nasjonalt"))
        .alias("EnhetNavn"),
        pl.lit("0").alias("GruppeNivaa"), pl.lit("0").alias("GruppeKode"), pl.lit("Alle grupper").alias("GruppeNavn"),
        pl.when(pl.col("trinn").is_null()).then(pl.lit("0")).otherwise(pl.lit("1")).alias("TrinnNivaa"),
        pl.when(pl.col("trinn").is_null()).then(pl.lit("0")).otherwise((pl.col("trinn") + 20).cast(pl.String))
        .alias("TrinnKode"),
        pl.when(pl.col("trinn").is_null()).then(pl.lit("Alle trinn")).otherwise(pl.format("{}. trinn", pl.col("trinn")))
        .alias("Trinnnavn"),
        pl.lit("0").alias("EierformNivaa"), pl.lit("0").alias("Eierformkode"),
        pl.lit("Alle eierformer").alias("EierformNavn"),
        pl.when(pl.col("kjonn") == "Alle kjønn").then(pl.lit("0")).otherwise(pl.lit("1")).alias("KjoennNivaa"),
        pl.col("kjonn").replace_strict(KJONN_CODE).alias("KjoennKode"),
        pl.col("kjonn").alias("Kjoenn"),
    ]


def _levels(cells: pl.DataFrame, value: str) -> dict[str, pl.DataFrame]:
    """School rows as they are; the municipality and the nation as answer-weighted means of their schools."""
    keys = ["skoleaar", "trinn", "kjonn", "kode", "navn_ind"]
    weighted = [((pl.col(value) * pl.col("n")).sum() / pl.col("n").sum()).alias(value), pl.col("n").sum()]
    kommune = cells.group_by(["kommunenr", "kommune", "fylkekode", *keys]).agg(weighted)
    nation = cells.group_by(keys).agg(weighted)
    return {"skole": cells, "kommune": kommune, "nasjonalt": nation}


def _question(name: pl.Expr) -> list[pl.Expr]:
    """The question columns that open tables 148 and 150; `name` is the Spoersmaalnavn."""
    return [pl.lit("0").alias("SpoersmaalNivaa"), pl.col("kode").alias("Spoersmaalgruppekode"),
            pl.col("navn_ind").alias("Spoersmaalgruppe"), pl.col("kode").alias("Spoersmaalkode"),
            name.alias("Spoersmaalnavn")]


def _indikator(cells: pl.DataFrame, year: int, out: Path) -> Path:
    indices = pl.DataFrame({"kode": [c for c, _, _ in INDICES], "navn_ind": [n for _, n, _ in INDICES],
                            "snitt": [m for _, _, m in INDICES]})
    rows = cells.join(indices, how="cross").with_columns(
        (pl.col("snitt") + pl.col("effekt")).clip(1, 5).alias("score"), pl.lit(_year(year)).alias("skoleaar"))
    parts = []
    for level, frame in _levels(rows, "score").items():
        hidden = pl.col("n") < 10
        parts.append(frame.select(
            *_question(pl.lit("Alle spørsmål")), *_identity(level),
            pl.when(hidden).then(pl.lit("*")).otherwise(_num(pl.col("score"))).alias("Score"),
            pl.when(hidden).then(pl.lit("*")).otherwise(pl.lit("0,80")).alias("Standardavvik"),
            pl.when(hidden).then(pl.lit("*")).otherwise(pl.col("n").cast(pl.String)).alias("AntallBesvart"),
            *[pl.lit("").alias(f"AndelSvaralternativ{i}") for i in range(1, 6)],
            *[pl.lit("").alias(f"AntallBesvartSvaralternativ{i}") for i in range(1, 6)],
        ))
    table = pl.concat(parts).with_columns(pl.lit("1").alias("Sidenummer"), pl.lit(str(sum(p.height for p in parts)))
                                          .alias("RaderSide"), pl.lit(str(sum(p.height for p in parts))).alias("RaderTotalt"))
    path = out / f"statistikkbank_148_indikator_{_year(year)}.csv"
    with open(path, "w", encoding="utf-8", newline="") as f:
        f.write("sep=;\n")
        _blank_as_empty(table).write_csv(f, separator=";")
    return path


def _mobbing(cells: pl.DataFrame, year: int, out: Path) -> Path:
    questions = pl.DataFrame({"kode": [c for c, _, _ in BULLYING], "navn_ind": [n for _, n, _ in BULLYING],
                              "snitt": [m for _, _, m in BULLYING]})
    rows = cells.join(questions, how="cross").with_columns(
        (pl.col("snitt") * (1 - 2 * pl.col("effekt"))).clip(0, 100).alias("andel_mobbet"),
        pl.lit(_year(year)).alias("skoleaar"))
    parts = []
    for level, frame in _levels(rows, "andel_mobbet").items():
        hidden = pl.col("n") < 10
        parts.append(frame.select(
            *_question(pl.when(pl.col("kode").str.starts_with("EUIndeks")).then(pl.lit("Alle spørsmål"))
                       .otherwise(pl.col("navn_ind"))), *_identity(level),
            pl.when(hidden).then(pl.lit("*")).otherwise(_num(pl.col("andel_mobbet"))).alias("AndelMobbet"),
            pl.when(hidden).then(pl.lit("*")).otherwise(pl.col("n").cast(pl.String)).alias("AntallBesvart"),
        ))
    return _json(pl.concat(parts), out / f"udir_150_mobbing_{_year(year)}_side1.json")


def _deltakelse(cells: pl.DataFrame, year: int, out: Path) -> Path:
    rows = cells.filter(pl.col("kjonn") == "Alle kjønn").with_columns(
        pl.lit(_year(year)).alias("skoleaar"), (pl.col("n") / 0.93).round(0).cast(pl.Int32).alias("invitert"))
    identity = [e for e in _identity("skole") if e.meta.output_name() not in
                ("GruppeNivaa", "GruppeKode", "GruppeNavn", "KjoennNivaa", "KjoennKode", "Kjoenn")]
    table = rows.select(*identity, _num(pl.col("n") * 100 / pl.col("invitert")).alias("AndelDeltatt"),
                        pl.col("n").cast(pl.String).alias("AntallBesvart"),
                        pl.col("invitert").cast(pl.String).alias("AntallInvitert"))
    return _json(table, out / f"udir_151_deltakelse_{_year(year)}_side1.json")


def _blank_as_empty(table: pl.DataFrame) -> pl.DataFrame:
    """Empty cells as the exports write them (nothing between the separators), not as quoted empty strings."""
    return table.with_columns(pl.col(pl.String).replace("", None))


def _json(table: pl.DataFrame, path: Path) -> Path:
    table = table.with_columns(pl.lit("1").alias("Sidenummer"), pl.lit(str(table.height)).alias("RaderSide"),
                               pl.lit(str(table.height)).alias("RaderTotalt"))
    path.write_text(json.dumps(table.to_dicts(), ensure_ascii=False), encoding="utf-8")
    return path


def _months(start_year: int) -> list[dt.date]:
    return [dt.date(start_year + (m >= 5), (m + 7) % 12 + 1, 1) for m in range(12)]


def _saker(frame: pl.DataFrame, year: int, rng: np.random.Generator, out: Path) -> Path:
    months = pl.DataFrame({"maaned": _months(year)})
    types = pl.DataFrame({"sakstype": list(SAKSTYPER)})
    rows = frame.select("orgnr", pl.col("navn").alias("skole"), "elevtall").join(months, how="cross").join(
        types, how="cross").sort("orgnr", "sakstype", "maaned")
    rate = pl.col("sakstype").replace_strict({"aktivitetsplan": 0.012}, default=0.002) * pl.col("elevtall")
    rows = rows.with_columns(pl.Series("u", rng.random(rows.height))).with_columns(
        (rate * 2 * pl.col("u")).floor().cast(pl.Int32).alias("nye"))
    group = ["orgnr", "sakstype"]
    rows = rows.with_columns(pl.col("nye").shift(1, fill_value=0).over(group).alias("avsluttet"))
    rows = rows.with_columns(
        (pl.col("nye").cum_sum().over(group) - pl.col("avsluttet").cum_sum().over(group)).alias("apne"))
    table = rows.select(
        "orgnr", "skole", pl.col("maaned").dt.strftime("%Y-%m").alias("maaned"), pl.lit("").alias("trinn"),
        "sakstype",
        pl.when(pl.col("sakstype") == "statsforvalter").then(pl.lit("under_behandling")).otherwise(pl.lit(""))
        .alias("utfall"),
        "nye", "avsluttet", pl.col("apne").alias("apne_ved_maanedsslutt"), pl.lit(0).alias("evaluering_over_frist"),
    )
    path = out / f"saker_{_year(year)}.csv"
    _blank_as_empty(table).write_csv(path, separator=";")
    return path


def _teammoter(frame: pl.DataFrame, year: int, rng: np.random.Generator, out: Path) -> Path:
    months = [m for m in _months(year) if m.month != 7]

    def weekday(d: dt.date) -> dt.date:
        return d + dt.timedelta(days=max(0, 7 - d.weekday()) if d.weekday() >= 5 else 0)

    slots = pl.DataFrame({"dato": [weekday(m.replace(day=d)) for m in months for d in (6, 20)]})
    arbeidslag = frame.join(slots, how="cross").with_columns(pl.lit("arbeidslag").alias("team"))
    elevtjeneste = frame.filter(pl.col("trinn_til") >= 8).join(
        pl.DataFrame({"dato": [weekday(m.replace(day=13)) for m in months]}), how="cross").with_columns(
        pl.lit("elevtjeneste").alias("team"))
    rows = pl.concat([arbeidslag, elevtjeneste]).filter(pl.col("dato") <= dt.date.today())
    u = rng.random(rows.height)
    yes_no = lambda expr: pl.when(expr).then(pl.lit("ja")).otherwise(pl.lit("nei"))  # noqa: E731
    rows = rows.with_columns(pl.Series("u", u))
    table = rows.select(
        pl.col("orgnr").alias("Organisasjonsnummer"), pl.col("navn").alias("Skole"), pl.col("team").alias("Team"),
        pl.col("dato").dt.strftime("%d.%m.%Y").alias("Dato"), pl.lit(60).alias("Varighet (minutter)"),
        (pl.col("u") * 4).floor().cast(pl.Int32).alias("Saker drøftet med samtykke"),
        (pl.col("u") * 3).floor().cast(pl.Int32).alias("Anonyme drøftinger"),
        (pl.col("u") > 0.8).cast(pl.Int32).alias("Henvist til PPT"), pl.lit(0).alias("Henvist til barnevern"),
        (pl.col("u") > 0.9).cast(pl.Int32).alias("Henvist til helse"),
        yes_no(pl.lit(True)).alias("Til stede: Ledelse"), yes_no(pl.col("u") > 0.3).alias("Til stede: PPT"),
        yes_no(pl.col("u") > 0.2).alias("Til stede: Helsesykepleier"), yes_no(pl.lit(False)).alias("Til stede: Barnevern"),
        yes_no(pl.lit(False)).alias("Til stede: Psykisk helse og rus"),
        yes_no(pl.col("u") > 0.5).alias("Til stede: Sosiallærer"), yes_no(pl.lit(False)).alias("Til stede: Karriereveileder"),
        yes_no(pl.lit(False)).alias("Til stede: Andre"),
    )
    path = out / f"teammoter_{_year(year)}.csv"
    table.write_csv(path, separator=";")
    return path


def write_national(out: Path, n_schools: int = 2900, years: int = 10) -> list[Path]:
    """Writes the files; returns them in the order they must be ingested (the register first)."""
    out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(SEED)
    frame = schools(n_schools, rng)
    files = [_register(frame, out)]
    for year in range(LAST_YEAR - years + 1, LAST_YEAR + 1):
        cells = _cells(frame, year, rng)
        files += [_indikator(cells, year, out), _mobbing(cells, year, out), _deltakelse(cells, year, out)]
    for year in (LAST_YEAR - 1, LAST_YEAR):
        files += [_saker(frame, year, rng, out), _teammoter(frame, year, rng, out)]
    return files


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="Skriv et datasett i nasjonal skala (ekte formater).")
    parser.add_argument("ut")
    parser.add_argument("--skoler", type=int, default=2900)
    parser.add_argument("--aar", type=int, default=10)
    args = parser.parse_args()
    for path in write_national(Path(args.ut), args.skoler, args.aar):
        print(f"{path}  {path.stat().st_size / 1e6:.1f} MB")
