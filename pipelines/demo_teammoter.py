"""Demo meeting logs for the teams (2024-08 to 2026-10) and a rhythm file, seeded so two runs agree.

Fjellvik (9901) delivers the Excel template, Sjøbygd (9902) the CSV template and its own rhythm
(arbeidslag weekly). At Fjellvik ungdomsskole PPT stops coming to the elevtjeneste from January 2026.
"""

from __future__ import annotations

import datetime as dt
import io
import random
import re
import zipfile
from pathlib import Path

import polars as pl

from pipelines.templates.teammoter import PROFESSIONS, csv_bytes, xlsx_bytes

SEED = 20260114
FIRST_MONTH = dt.date(2024, 8, 1)
LAST_MONTH = dt.date(2026, 10, 1)
PPT_DROP_SCHOOL = "Fjellvik ungdomsskole"
PPT_DROP_FROM = dt.date(2026, 1, 1)
ARBEIDSLAG_PER_MONTH = {"9901": 2, "9902": 4}
# An empty kommunenr sets the default for every municipality; Sjøbygd has its own rhythm.
RHYTHM = [("", "arbeidslag", "2"), ("9902", "arbeidslag", "4"), ("9902", "elevtjeneste", "1"), ("9902", "ressursteam", "1")]
# (school, team, month) meetings that did not take place
MISSED = {
    ("Nordli skole", "arbeidslag", dt.date(2025, 3, 1)),
    ("Nordli skole", "arbeidslag", dt.date(2025, 11, 1)),
    ("Nordli skole", "ressursteam", dt.date(2025, 11, 1)),
    ("Holmen skule", "ressursteam", dt.date(2025, 2, 1)),
    ("Holmen skule", "ressursteam", dt.date(2026, 4, 1)),
    ("Elvetun skole", "elevtjeneste", dt.date(2025, 12, 1)),
}

# Chance that each profession is present, per team.
ATTENDANCE = {
    "arbeidslag": {"til_stede_ledelse": 0.9, "til_stede_ppt": 0.5, "til_stede_helsesykepleier": 0.6,
                   "til_stede_barnevern": 0.25, "til_stede_psykisk_helse": 0.1, "til_stede_sosiallaerer": 0.15,
                   "til_stede_karriereveileder": 0.0, "til_stede_andre": 0.1},
    "elevtjeneste": {"til_stede_ledelse": 0.95, "til_stede_ppt": 0.9, "til_stede_helsesykepleier": 0.9,
                     "til_stede_barnevern": 0.3, "til_stede_psykisk_helse": 0.7, "til_stede_sosiallaerer": 0.85,
                     "til_stede_karriereveileder": 0.8, "til_stede_andre": 0.1},
    "ressursteam": {"til_stede_ledelse": 0.95, "til_stede_ppt": 0.75, "til_stede_helsesykepleier": 0.85,
                    "til_stede_barnevern": 0.35, "til_stede_psykisk_helse": 0.2, "til_stede_sosiallaerer": 0.3,
                    "til_stede_karriereveileder": 0.0, "til_stede_andre": 0.15},
}
CASES_PER_100_PUPILS = {"arbeidslag": 0.6, "elevtjeneste": 1.2, "ressursteam": 1.0}
SHARE_ANONYMOUS = {"arbeidslag": 0.8, "elevtjeneste": 0.5, "ressursteam": 0.6}
MINUTES = {"arbeidslag": (45, 90), "elevtjeneste": (60, 120), "ressursteam": (60, 90)}


def months() -> list[dt.date]:
    out, day = [], FIRST_MONTH
    while day <= LAST_MONTH:
        if day.month != 7:
            out.append(day)
        day = dt.date(day.year + day.month // 12, day.month % 12 + 1, 1)
    return out


def _weekday_in(rng: random.Random, first: dt.date, start: int, end: int) -> dt.date:
    """A random Monday–Friday between day `start` and day `end` of the month."""
    days = [first.replace(day=d) for d in range(start, end + 1)]
    return rng.choice([d for d in days if d.weekday() < 5])


def _teams(school) -> list[str]:
    teams = ["arbeidslag"]
    if school.trinn_til >= 8:
        teams.append("elevtjeneste")
    if school.trinn_til <= 7:
        teams.append("ressursteam")
    return teams


def _poisson(rng: random.Random, lam: float) -> int:
    # Knuth; lam is small here
    limit, k, p = pow(2.718281828459045, -lam), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1


def _binomial(rng: random.Random, n: int, p: float) -> int:
    return sum(rng.random() < p for _ in range(n))


def meetings(schools: list) -> list[dict[str, object]]:
    """Every demo meeting as template fields (orgnr, skole, team, dato, …), in a fixed order."""
    rng = random.Random(SEED)
    rows = []
    for school in schools:
        for team in _teams(school):
            for month in months():
                if (school.navn, team, month) in MISSED:
                    continue
                per_month = ARBEIDSLAG_PER_MONTH[school.kommunenr] if team == "arbeidslag" else 1
                span = 28 // per_month
                dates = [_weekday_in(rng, month, 1 + i * span, (i + 1) * span) for i in range(per_month)]
                for day in dates:
                    rows.append(_meeting(rng, school, team, day))
    return rows


def _meeting(rng: random.Random, school, team: str, day: dt.date) -> dict[str, object]:
    lam = 0.5 + CASES_PER_100_PUPILS[team] * school.elevtall / 100
    cases = max(1, _poisson(rng, lam))
    anonymous = _binomial(rng, cases, SHARE_ANONYMOUS[team])
    left = cases
    ppt = _binomial(rng, left, 0.15)
    left -= ppt
    barnevern = _binomial(rng, left, 0.05)
    left -= barnevern
    helse = _binomial(rng, left, 0.1)
    present = {}
    for col in PROFESSIONS:
        chance = ATTENDANCE[team][col]
        dropped = school.navn == PPT_DROP_SCHOOL and day >= PPT_DROP_FROM
        if col == "til_stede_ppt" and team == "elevtjeneste" and dropped:
            chance = 0.25
        present[col] = rng.random() < chance
    if team == "elevtjeneste" and not (present["til_stede_ppt"] or present["til_stede_helsesykepleier"]):
        present["til_stede_helsesykepleier"] = True  # the helsesykepleier is there when PPT is not, nearly always
    low, high = MINUTES[team]
    return {
        "orgnr": school.orgnr,
        "skole": school.navn,
        "team": team,
        "dato": day,
        "varighet_min": rng.randrange(low, high + 1, 15),
        "saker_med_samtykke": cases - anonymous,
        "saker_anonyme": anonymous,
        "henvisninger_ppt": ppt,
        "henvisninger_barnevern": barnevern,
        "henvisninger_helse": helse,
        **present,
    }


def _school_frame(schools: list) -> pl.DataFrame:
    return pl.DataFrame(
        {"orgnr": [s.orgnr for s in schools], "navn": [s.navn for s in schools],
         "kommunenr": [s.kommunenr for s in schools]},
    )


def stable_xlsx(raw: bytes) -> bytes:
    """The same workbook with fixed timestamps (zip entries and document properties), so runs agree byte for byte."""
    stamp = (2026, 1, 1, 0, 0, 0)
    buf = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(raw)) as src, zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                data = re.sub(rb"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z", b"2026-01-01T00:00:00Z", data)
            dst.writestr(zipfile.ZipInfo(info.filename, date_time=stamp), data, zipfile.ZIP_DEFLATED)
    return buf.getvalue()


def write(out: Path, schools: list) -> list[Path]:
    """Write teammoter_9901.xlsx, teammoter_9902.csv and teamrytme.csv to `out`; return them in load order."""
    out.mkdir(parents=True, exist_ok=True)
    rows = meetings(schools)
    paths = []
    for kommunenr, writer, suffix in (("9901", xlsx_bytes, "xlsx"), ("9902", csv_bytes, "csv")):
        members = [s for s in schools if s.kommunenr == kommunenr]
        orgnr = {s.orgnr for s in members}
        path = out / f"teammoter_{kommunenr}.{suffix}"
        raw = writer(_school_frame(members), rows=[r for r in rows if r["orgnr"] in orgnr])
        path.write_bytes(stable_xlsx(raw) if suffix == "xlsx" else raw)
        paths.append(path)
    rhythm = out / "teamrytme.csv"
    rhythm.write_text(
        "kommunenr;team;moter_per_maaned\n" + "".join(f"{k};{t};{n}\n" for k, t, n in RHYTHM), encoding="utf-8"
    )
    paths.append(rhythm)
    return paths
