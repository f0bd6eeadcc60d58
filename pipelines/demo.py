"""Writes the demo files in the real formats (two fictional municipalities, ten schools) for `skolemiljo demo`.

Everything is fictional and seeded, so two runs write the same bytes. Except Trivsel
(`EUIndeks_1379`) and Mobbing på skolen (`EUIndeks_1398`), the indicator codes are made up.
"""

from __future__ import annotations

import csv
import io
import json
import math
import random
from dataclasses import dataclass
from pathlib import Path

from pipelines import demo_programmer, demo_saker, demo_teammoter, demo_ungdata

SEED = 20261124
FYLKE = ("99", "Fjordfylket")
NATIONAL = ("0", "Nasjonalt")
YEARS_UDIR = [2020, 2021, 2022, 2023, 2024, 2025]
YEAR_SKOLEPORTEN = 2019
CSV_YEAR = 2022  # this year's table 148 comes as a statistikkbank CSV instead of JSON


@dataclass(frozen=True)
class School:
    orgnr: str
    navn: str
    kommunenr: str
    kommune: str
    trinn_fra: int
    trinn_til: int
    elevtall: int
    effect: float  # how this school differs from the municipality, in index points
    trend: float  # change per year in index points (negative: getting worse)


def _orgnr(base: int) -> str:
    """A 9-digit number with a valid mod-11 check digit, starting with 99 so it is plainly fictional."""
    while True:
        digits = [int(c) for c in f"99{base:06d}"]
        weights = (3, 2, 7, 6, 5, 4, 3, 2)
        rest = 11 - sum(w * d for w, d in zip(weights, digits, strict=True)) % 11
        if rest == 11:
            rest = 0
        if rest != 10:
            return "".join(map(str, digits)) + str(rest)
        base += 1


KOMMUNER = {"9901": "Fjellvik", "9902": "Sjøbygd"}

SCHOOLS = [
    School(_orgnr(1100), "Fjellvik barneskole", "9901", "Fjellvik", 1, 7, 428, 0.05, 0.00),
    School(_orgnr(1200), "Nordli skole", "9901", "Fjellvik", 1, 7, 246, 0.00, -0.06),
    School(_orgnr(1300), "Haugen skole", "9901", "Fjellvik", 1, 7, 44, 0.10, 0.00),
    School(_orgnr(1400), "Bakken barneskole", "9901", "Fjellvik", 1, 7, 305, -0.05, 0.02),
    School(_orgnr(1500), "Fjellvik ungdomsskole", "9901", "Fjellvik", 8, 10, 372, -0.10, 0.01),
    School(_orgnr(1600), "Elvetun skole", "9901", "Fjellvik", 1, 10, 96, 0.05, 0.00),
    School(_orgnr(2100), "Sjøbygd skule", "9902", "Sjøbygd", 1, 10, 268, 0.00, 0.01),
    School(_orgnr(2200), "Strand barneskule", "9902", "Sjøbygd", 1, 7, 72, 0.08, 0.00),
    School(_orgnr(2300), "Holmen skule", "9902", "Sjøbygd", 1, 7, 22, 0.12, 0.00),
    School(_orgnr(2400), "Vika skule", "9902", "Sjøbygd", 1, 7, 174, -0.03, 0.03),
]

# (code, name, national mean on 1–5); higher is better for all of them.
INDICES = [
    ("EUIndeks_1379", "Trivsel", 4.25),
    ("EUIndeks_1381", "Støtte fra lærerne", 4.25),
    ("EUIndeks_1383", "Støtte hjemmefra", 4.35),
    ("EUIndeks_1385", "Faglig utfordring", 4.10),
    ("EUIndeks_1387", "Vurdering for læring", 3.65),
    ("EUIndeks_1389", "Læringskultur", 3.85),
    ("EUIndeks_1391", "Mestring", 3.95),
    ("EUIndeks_1393", "Motivasjon", 3.75),
    ("EUIndeks_1395", "Elevdemokrati og medvirkning", 3.75),
    ("EUIndeks_1397", "Felles regler", 4.15),
]
# (code, question name, national share %); the first is the index row of table 150.
BULLYING = [
    ("EUIndeks_1398", "Mobbing på skolen", 7.0),
    ("EUSpm_1398_1", "Mobbet av medelever", 5.2),
    ("EUSpm_1398_2", "Mobbet digitalt", 2.4),
    ("EUSpm_1398_3", "Mobbet av voksne på skolen", 1.5),
]
KJONN = [("Alle kjønn", "0"), ("Jenter", "2"), ("Gutter", "1")]
UDIR_SUPPRESS_BELOW = 10


def _year(start: int) -> str:
    return f"{start}-{(start + 1) % 100:02d}"


def _num(value: float, decimals: int = 1) -> str:
    """Udir style: comma decimals, a space as thousands separator."""
    text = f"{value:,.{decimals}f}".replace(",", " ").replace(".", ",")
    return text


def _int(value: int) -> str:
    return f"{value:,}".replace(",", "\u00a0") if value >= 1000 else str(value)


class Model:
    """The fictional truth behind every file, so all formats agree with each other."""

    def __init__(self) -> None:
        self.rng = random.Random(SEED)

    def respondents(self, school: School, trinn: int, year: int, kjonn: str) -> int:
        per_trinn = school.elevtall / (school.trinn_til - school.trinn_fra + 1)
        wobble = 1 + 0.08 * math.sin(year * 1.7 + trinn + int(school.orgnr[-3:]))
        n = per_trinn * 0.9 * wobble
        girls, boys = max(1, round(n * 0.52)), max(1, round(n * 0.48))
        # All pupils are the girls and the boys, as in Udir's tables (the gender is the register's).
        return {"Jenter": girls, "Gutter": boys}.get(kjonn, girls + boys)

    def mean(self, base: float, school: School | None, year: int, trinn: int | None, kjonn: str, code: str) -> float:
        effect = 0.0
        if school:
            effect = school.effect + school.trend * (year - YEARS_UDIR[0])
        trinn_effect = 0.0 if trinn is None else -0.05 * max(0, trinn - 7)
        gender = {"Jenter": 0.03, "Gutter": -0.03}.get(kjonn, 0.0)
        noise = self.rng.gauss(0, 0.06 if school else 0.01)
        return round(min(5.0, max(1.0, base + effect + trinn_effect + gender + noise)), 1)

    def share(self, base: float, school: School | None, year: int, trinn: int | None, kjonn: str) -> float:
        factor = 1.0
        if school:
            factor = math.exp(-school.effect * 3 - school.trend * 2 * (year - YEARS_UDIR[0]))
        if trinn is not None:
            factor *= 1.1 if trinn <= 7 else 0.9
        factor *= {"Jenter": 0.95, "Gutter": 1.05}.get(kjonn, 1.0)
        noise = self.rng.gauss(0, 0.8 if school else 0.1)
        return round(min(100.0, max(0.0, base * factor + noise)), 1)


def _survey_trinn(school: School) -> list[int]:
    return [t for t in range(5, 11) if school.trinn_fra <= t <= school.trinn_til]


def _cells(model: Model, year: int):
    """Yield (unit, trinn or None, kjonn, n respondents) for every school and reference unit."""
    for school in SCHOOLS:
        trinns = _survey_trinn(school)
        counts = {(t, k): model.respondents(school, t, year, k) for t in trinns for k, _ in KJONN}
        for t in trinns:
            for k, _ in KJONN:
                yield ("skole", school), t, k, counts[(t, k)]
        for k, _ in KJONN:
            yield ("skole", school), None, k, sum(counts[(t, k)] for t in trinns)
    for kommunenr, navn in KOMMUNER.items():
        members = [s for s in SCHOOLS if s.kommunenr == kommunenr]
        for t in [None, 7, 10]:
            for k, _ in KJONN:
                n = sum(
                    model.respondents(s, tt, year, k)
                    for s in members for tt in _survey_trinn(s) if t is None or tt == t
                )
                yield ("kommune", (kommunenr, navn)), t, k, n
    for t in [None, 7, 10]:
        for k, _ in KJONN:
            yield ("fylke", FYLKE), t, k, _gender_part(5943 if t is None else 1987, k)
            yield ("nasjonalt", NATIONAL), t, k, _gender_part(318_000 if t is None else 54_000, k)


def _gender_part(n: int, kjonn: str) -> int:
    """The respondents of one kjønn among `n`, as `Model.respondents` splits them (jenter and gutter add up)."""
    if kjonn == "Jenter":
        return round(n * 0.52)
    return n - round(n * 0.52) if kjonn == "Gutter" else n


def _suppressed_cells(cells: list) -> set[tuple]:
    """Udir's rule as the demo plays it: fewer than 10 hides the cell, and the other gender too."""
    hidden = set()
    by_key = {}
    for unit, t, k, n in cells:
        key = (unit[0], _unit_id(unit), t)
        by_key.setdefault(key, {})[k] = n
    for key, genders in by_key.items():
        small = [k for k, n in genders.items() if n < UDIR_SUPPRESS_BELOW]
        if small:
            # Secondary suppression: hiding one gender alone would let alle − other reveal it.
            for k in genders:
                if k != "Alle kjønn" or genders[k] < UDIR_SUPPRESS_BELOW:
                    hidden.add((*key, k))
    return hidden


def _unit_id(unit) -> str:
    level, obj = unit
    if level == "skole":
        return obj.orgnr
    return obj[0]


def _unit_columns(unit, year: int, trinn: int | None, kjonn: str) -> dict[str, str]:
    level, obj = unit
    kommunenr = kommune = orgnr = ""
    if level == "skole":
        kommunenr, kommune, orgnr, navn = obj.kommunenr, obj.kommune, obj.orgnr, obj.navn
    elif level == "kommune":
        kommunenr, kommune = obj
        navn = kommune
    else:
        navn = obj[1]
    level_no = {"nasjonalt": "1", "fylke": "2", "kommune": "3", "skole": "4"}[level]
    kjonn_code = dict(KJONN)[kjonn]
    return {
        "Skoleaarnavn": _year(year),
        "EnhetNivaa": level_no,
        "Nasjonaltkode": "0",
        "Nasjonalt": "Nasjonalt",
        "Fylkekode": "" if level == "nasjonalt" else FYLKE[0],
        "Fylke": "" if level == "nasjonalt" else FYLKE[1],
        "Kommunekode": kommunenr,
        "Kommune": kommune,
        "Organisasjonsnummer": orgnr,
        "EnhetNavn": navn,
        "GruppeNivaa": "0",
        "GruppeKode": "0",
        "GruppeNavn": "Alle grupper",
        "TrinnNivaa": "0" if trinn is None else "1",
        "TrinnKode": "0" if trinn is None else str(20 + trinn),  # Udir's internal id, not the grade
        "Trinnnavn": "Alle trinn" if trinn is None else f"{trinn}. trinn",
        "EierformNivaa": "0",
        "Eierformkode": "0",
        "EierformNavn": "Alle eierformer",
        "KjoennNivaa": "0" if kjonn == "Alle kjønn" else "1",
        "KjoennKode": kjonn_code,
        "Kjoenn": kjonn,
    }


def _school_for(unit) -> School | None:
    return unit[1] if unit[0] == "skole" else None


def _consistent(cells: list, value_of) -> dict[tuple, float]:
    """Values per cell that add up like real data does: «Alle kjønn» is the respondent-weighted average of jenter
    and gutter in every cell drawn, and schools' "Alle trinn" and the municipality are respondent-weighted averages
    of the school trinn cells. (Until 2026-12-05 «Alle kjønn» was drawn on its own, and could lie outside both.)"""
    values: dict[tuple, float] = {}
    weights: dict[tuple, int] = {}
    for unit, trinn, kjonn, n in cells:
        key = (unit[0], _unit_id(unit), trinn, kjonn)
        weights[key] = n
        if unit[0] == "skole" and trinn is not None or unit[0] in ("fylke", "nasjonalt"):
            values[key] = value_of(unit, trinn, kjonn)
    girls, boys = KJONN[1][0], KJONN[2][0]
    for (level, unit_id, trinn, kjonn) in list(values):
        if kjonn == KJONN[0][0]:
            parts = [(level, unit_id, trinn, girls), (level, unit_id, trinn, boys)]
            values[(level, unit_id, trinn, kjonn)] = (
                sum(values[p] * weights[p] for p in parts) / sum(weights[p] for p in parts)
            )
    school_cells = [(u, t, k, n) for u, t, k, n in cells if u[0] == "skole" and t is not None]

    def average(members: list) -> float:
        total = sum(n for *_, n in members)
        return sum(values[("skole", _unit_id(u), t, k)] * n for u, t, k, n in members) / total

    for unit, trinn, kjonn, _ in cells:
        key = (unit[0], _unit_id(unit), trinn, kjonn)
        if unit[0] == "skole" and trinn is None:
            values[key] = average([c for c in school_cells if c[0][1] is unit[1] and c[2] == kjonn])
        elif unit[0] == "kommune":
            members = [
                c for c in school_cells
                if c[0][1].kommunenr == unit[1][0] and c[2] == kjonn and (trinn is None or c[1] == trinn)
            ]
            values[key] = average(members)
    return values


def indikator_rows(model: Model, year: int) -> list[dict[str, str]]:
    cells = list(_cells(model, year))
    hidden = _suppressed_cells(cells)
    scores = {
        code: _consistent(cells, lambda u, t, k, b=base, c=code: model.mean(b, _school_for(u), year, t, k, c))
        for code, _, base in INDICES
    }
    rows = []
    for unit, trinn, kjonn, n in cells:
        key = (unit[0], _unit_id(unit), trinn, kjonn)
        is_hidden = key in hidden
        for code, name, _base in INDICES:
            score = scores[code][key]
            row = {
                "SpoersmaalNivaa": "0",
                "Spoersmaalgruppekode": code,
                "Spoersmaalgruppe": name,
                "Spoersmaalkode": code,
                "Spoersmaalnavn": "Alle spørsmål",
                **_unit_columns(unit, year, trinn, kjonn),
                "Score": "*" if is_hidden else _num(score),
                "Standardavvik": "*" if is_hidden else _num(0.7 + 0.2 * model.rng.random(), 2),
                "AntallBesvart": "*" if is_hidden else _int(n),
            }
            for i in range(1, 6):
                row[f"AndelSvaralternativ{i}"] = "*" if is_hidden else ""
            for i in range(1, 6):
                row[f"AntallBesvartSvaralternativ{i}"] = "*" if is_hidden else ""
            rows.append(row)
        if unit[0] == "kommune" and trinn is None and kjonn == "Alle kjønn":
            # Question-level rows sit behind each index in the real table; the reader skips them.
            for q, question in enumerate(["Trives du på skolen?", "Har du medelever å være sammen med?"], 1):
                rows.append({
                    "SpoersmaalNivaa": "1", "Spoersmaalgruppekode": "EUIndeks_1379", "Spoersmaalgruppe": "Trivsel",
                    "Spoersmaalkode": f"EUSpm_1379_{q}", "Spoersmaalnavn": question,
                    **_unit_columns(unit, year, trinn, kjonn),
                    "Score": _num(model.mean(4.3, None, year, None, kjonn, "q")), "Standardavvik": "0,80",
                    "AntallBesvart": _int(n),
                    **{f"AndelSvaralternativ{i}": "" for i in range(1, 6)},
                    **{f"AntallBesvartSvaralternativ{i}": "" for i in range(1, 6)},
                })
    return rows


def mobbing_rows(model: Model, year: int) -> list[dict[str, str]]:
    cells = list(_cells(model, year))
    hidden = _suppressed_cells(cells)
    shares = {
        code: _consistent(cells, lambda u, t, k, b=base: model.share(b, _school_for(u), year, t, k))
        for code, _, base in BULLYING
    }
    rows = []
    for unit, trinn, kjonn, n in cells:
        key = (unit[0], _unit_id(unit), trinn, kjonn)
        is_hidden = key in hidden
        for i, (code, name, _base) in enumerate(BULLYING):
            share = shares[code][key]
            rows.append({
                "SpoersmaalNivaa": "0" if i == 0 else "1",
                "Spoersmaalgruppekode": BULLYING[0][0],
                "Spoersmaalgruppe": BULLYING[0][1],
                "Spoersmaalkode": code,
                "Spoersmaalnavn": "Alle spørsmål" if i == 0 else name,
                **_unit_columns(unit, year, trinn, kjonn),
                "AndelMobbet": "*" if is_hidden else _num(share),
                "AntallBesvart": "*" if is_hidden else _int(n),
            })
    return rows


def deltakelse_rows(model: Model, year: int) -> list[dict[str, str]]:
    cells = [c for c in _cells(model, year) if c[2] == "Alle kjønn"]
    # Invited pupils per school trinn; "Alle trinn" and the municipality are sums, so shares add up.
    invited_of: dict[tuple, int] = {}
    for unit, trinn, _, n in cells:
        if unit[0] != "kommune" and (unit[0] != "skole" or trinn is not None):
            invited_of[(unit[0], _unit_id(unit), trinn)] = max(n, round(n / (0.86 + 0.12 * model.rng.random())))
    school_trinn = [(u, t, n) for u, t, _, n in cells if u[0] == "skole" and t is not None]
    for unit, trinn, _, _ in cells:
        if unit[0] == "skole" and trinn is None:
            invited_of[("skole", unit[1].orgnr, None)] = sum(
                invited_of[("skole", u[1].orgnr, t)] for u, t, _ in school_trinn if u[1] is unit[1]
            )
        elif unit[0] == "kommune":
            invited_of[("kommune", unit[1][0], trinn)] = sum(
                invited_of[("skole", u[1].orgnr, t)] for u, t, _ in school_trinn
                if u[1].kommunenr == unit[1][0] and (trinn is None or t == trinn)
            )
    rows = []
    for unit, trinn, kjonn, n in cells:
        invited = invited_of[(unit[0], _unit_id(unit), trinn)]
        cols = _unit_columns(unit, year, trinn, kjonn)
        for gone in ("GruppeNivaa", "GruppeKode", "GruppeNavn", "KjoennNivaa", "KjoennKode", "Kjoenn"):
            cols.pop(gone)
        rows.append({
            **{k: cols[k] for k in ["EnhetNivaa", "Nasjonaltkode", "Nasjonalt", "Fylkekode", "Fylke",
                                    "Kommunekode", "Kommune", "Organisasjonsnummer", "EnhetNavn", "Skoleaarnavn",
                                    "TrinnNivaa", "TrinnKode", "Trinnnavn", "EierformNivaa", "Eierformkode",
                                    "EierformNavn"]},
            "AndelDeltatt": _num(100 * n / invited),
            "AntallBesvart": _int(n),
            "AntallInvitert": _int(invited),
        })
    return rows


def _pages(rows: list[dict[str, str]], size: int) -> list[list[dict[str, str]]]:
    pages = [rows[i:i + size] for i in range(0, len(rows), size)] or [[]]
    for number, page in enumerate(pages, 1):
        for row in page:
            row["Sidenummer"] = str(number)
            row["RaderSide"] = str(len(page))
            row["RaderTotalt"] = str(len(rows))
    return pages


def _write_json_pages(out: Path, stem: str, rows: list[dict[str, str]], size: int = 1000) -> list[Path]:
    paths = []
    for number, page in enumerate(_pages(rows, size), 1):
        path = out / f"{stem}_side{number}.json"
        path.write_text(json.dumps(page, ensure_ascii=False, indent=1), encoding="utf-8")
        paths.append(path)
    return paths


def _write_statistikkbank_csv(path: Path, rows: list[dict[str, str]]) -> None:
    """The web export as a user saves it from Excel: `sep=;`, Windows-1252, CRLF."""
    buf = io.StringIO()
    buf.write("sep=;\r\n")
    writer = csv.DictWriter(buf, fieldnames=list(rows[0]), delimiter=";", lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    path.write_bytes(buf.getvalue().encode("cp1252", errors="replace"))


def _write_register(path: Path) -> None:
    lines = ["orgnr;navn;kommunenr;kommune;trinn_fra;trinn_til;elevtall"]
    for s in SCHOOLS:
        lines.append(f"{s.orgnr};{s.navn};{s.kommunenr};{s.kommune};{s.trinn_fra};{s.trinn_til};{s.elevtall}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _write_skoleporten(path: Path, model: Model) -> None:
    """2019-20 from the old Skoleporten: names instead of numbers, learning results mixed in."""
    header = "Enhetsnavn;Skoletype;Vurderingsområde;Statistikk;Indikator/delskår;Periode;Eierform;Trinn;Kjønn;Verdi;Måleenhet"
    lines = [header]
    period = f"{YEAR_SKOLEPORTEN}-{YEAR_SKOLEPORTEN + 1}"
    year = YEAR_SKOLEPORTEN

    def add(unit_name: str, school: School | None, trinn: int, n: int) -> None:
        drawn: dict[tuple[str, str], float] = {}
        for kjonn in ("Begge kjønn", "Jenter", "Gutter"):
            for code, _, base in INDICES[:5]:
                drawn[(kjonn, code)] = model.mean(base, school, year, trinn, kjonn, code)
            drawn[(kjonn, BULLYING[0][0])] = model.share(BULLYING[0][2], school, year, trinn, kjonn)
        for kjonn, code in list(drawn):
            if kjonn == "Begge kjønn":  # both genders, half the pupils each: their average
                drawn[(kjonn, code)] = (drawn[("Jenter", code)] + drawn[("Gutter", code)]) / 2
        for kjonn in ("Begge kjønn", "Jenter", "Gutter"):
            share_n = n if kjonn == "Begge kjønn" else round(n / 2)
            hidden = share_n < UDIR_SUPPRESS_BELOW
            for code, name, _ in INDICES[:5]:
                value = "*" if hidden else _num(drawn[(kjonn, code)])
                lines.append(f"{unit_name};Grunnskole;Læringsmiljø;Elevundersøkelsen;{name};{period};Alle eierformer;Trinn {trinn};{kjonn};{value};snitt")
            value = "*" if hidden else _num(drawn[(kjonn, BULLYING[0][0])])
            lines.append(f"{unit_name};Grunnskole;Læringsmiljø;Elevundersøkelsen;Mobbing på skolen;{period};Alle eierformer;Trinn {trinn};{kjonn};{value};prosent")
        lines.append(f"{unit_name};Grunnskole;Læringsresultater;Nasjonale prøver;Lesing;{period};Alle eierformer;Trinn {trinn if trinn != 7 else 5};Begge kjønn;50;skalapoeng")

    for school in SCHOOLS:
        # Skoleporten spelled some names differently from today's register.
        name = school.navn.upper() if school.navn.startswith("Holmen") else school.navn.replace("skule", "skole")
        for trinn in (7, 10):
            if school.trinn_fra <= trinn <= school.trinn_til:
                add(name, school, trinn, model.respondents(school, trinn, year, "Alle kjønn"))
    for kommunenr, navn in KOMMUNER.items():
        for trinn in (7, 10):
            n = sum(model.respondents(s, trinn, year, "Alle kjønn") for s in SCHOOLS
                    if s.kommunenr == kommunenr and s.trinn_fra <= trinn <= s.trinn_til)
            add(f"{navn} kommune", None, trinn, n)
    for trinn in (7, 10):
        add("Nasjonalt", None, trinn, 54_000)
    lines.append(f"Gamle Haugen skole;Grunnskole;Læringsmiljø;Elevundersøkelsen;Trivsel;{period};Alle eierformer;Trinn 7;Begge kjønn;4,4;snitt")
    path.write_bytes(("\ufeff" + "\r\n".join(lines) + "\r\n").encode("utf-8"))


def write_demo_files(out: Path) -> list[Path]:
    """Write every demo file to `out`, in the order they should be read in."""
    out.mkdir(parents=True, exist_ok=True)
    model = Model()
    files: list[Path] = []
    register = out / "skoleregister.csv"
    _write_register(register)
    files.append(register)
    for year in YEARS_UDIR:
        rows = indikator_rows(model, year)
        if year == CSV_YEAR:
            path = out / f"statistikkbank_148_indikator_{_year(year)}.csv"
            _write_statistikkbank_csv(path, [{**r, "Sidenummer": "1", "RaderSide": str(len(rows)), "RaderTotalt": str(len(rows))} for r in rows])
            files.append(path)
        else:
            files += _write_json_pages(out, f"udir_148_indikator_{_year(year)}", rows)
        files += _write_json_pages(out, f"udir_150_mobbing_{_year(year)}", mobbing_rows(model, year))
        files += _write_json_pages(out, f"udir_151_deltakelse_{_year(year)}", deltakelse_rows(model, year))
    historical = out / f"skoleporten_laeringsmiljo_{YEAR_SKOLEPORTEN}-{YEAR_SKOLEPORTEN + 1}.csv"
    _write_skoleporten(historical, model)
    files.append(historical)
    files += demo_ungdata.write(out, SEED)
    files += demo_saker.write(out, SCHOOLS)
    files += demo_teammoter.write(out, SCHOOLS)
    files += demo_programmer.write(out, SCHOOLS)  # plans before the status reports
    return files


def run_demo(out: Path) -> list[Path]:
    return write_demo_files(out)
