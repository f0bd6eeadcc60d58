"""Demo case counts (kap. 12) in the product's own template: Fjellvik (9901) as XLSX, Sjøbygd (9902) as CSV.

Seeded and deterministic. Counts scale with elevtall, peak in September–November with a smaller
March peak, and nearly vanish in July. Nordli skole builds up a backlog of open plans with overdue
evaluations. Open-at-end always equals last month's open + new − closed.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from pathlib import Path

from pipelines.templates.saker import STATSFORVALTER, csv_text, workbook_bytes

SEED = 20261130
FIRST = dt.date(2024, 8, 1)
LAST = dt.date(2026, 10, 1)
PER_TRINN_SCHOOL = "Fjellvik ungdomsskole"
BACKLOG_SCHOOL = "Nordli skole"

# New cases per 100 pupils in an ordinary month, and the share of open cases closed each month.
RATES = {
    "aktivitetsplan": (0.6, 0.35),
    "alvorlig_melding_skoleeier": (0.03, 0.6),
    "ppt_henvisning": (0.12, 0.45),
    "barnevern_melding": (0.06, 1.0),  # a bekymringsmelding is sent and done in the same month
}
SEASON = {1: 0.9, 2: 1.0, 3: 1.25, 4: 0.9, 5: 0.85, 6: 0.55, 7: 0.03, 8: 0.6, 9: 1.45, 10: 1.55, 11: 1.35, 12: 0.7}

# Hand-placed serious cases: (school, month, trinn or None, sakstype) for § 12-5, and
# (school, month sent, months until decided, utfall) for Statsforvalteren.
SKJERPET = [
    ("Bakken barneskole", dt.date(2024, 10, 1), None),
    ("Fjellvik ungdomsskole", dt.date(2025, 3, 1), 9),
    ("Nordli skole", dt.date(2025, 11, 1), None),
    ("Sjøbygd skule", dt.date(2025, 2, 1), None),
    ("Vika skule", dt.date(2026, 9, 1), None),
]
STATSFORVALTER_CASES = [
    ("Nordli skole", dt.date(2024, 11, 1), None, 3, "brudd"),
    ("Fjellvik ungdomsskole", dt.date(2025, 1, 1), 10, 2, "ikke_brudd"),
    ("Nordli skole", dt.date(2025, 10, 1), None, 4, "brudd"),
    ("Sjøbygd skule", dt.date(2025, 4, 1), None, 2, "hevet"),
    ("Vika skule", dt.date(2025, 9, 1), None, 1, "avvist"),
    ("Nordli skole", dt.date(2026, 9, 1), None, 99, "brudd"),  # still under behandling at the end of the file
]


def months(first: dt.date = FIRST, last: dt.date = LAST) -> list[dt.date]:
    out, d = [], first
    while d <= last:
        out.append(d)
        d = dt.date(d.year + (d.month == 12), d.month % 12 + 1, 1)
    return out


def _poisson(rng: random.Random, lam: float) -> int:
    if lam <= 0:
        return 0
    limit, k, p = math.exp(-lam), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1


def _binomial(rng: random.Random, n: int, p: float) -> int:
    return sum(1 for _ in range(n) if rng.random() < p)


def _month_index(d: dt.date) -> int:
    return (d.year - FIRST.year) * 12 + d.month - FIRST.month


def _row(school, month: dt.date, trinn, sakstype: str, utfall: str, nye: int, avsluttet: int, apne: int,
         over_frist: int) -> dict[str, object]:
    return {
        "orgnr": school.orgnr, "skole": school.navn, "maaned": month.strftime("%Y-%m"),
        "trinn": "" if trinn is None else trinn, "sakstype": sakstype, "utfall": utfall, "nye": nye,
        "avsluttet": avsluttet, "apne_ved_maanedsslutt": apne, "evaluering_over_frist": over_frist,
    }


def _ordinary(rng: random.Random, school, trinn, pupils: float, sakstype: str) -> list[dict[str, object]]:
    """One running series of a common case type: open cases carried from month to month."""
    rate, close = RATES[sakstype]
    backlog = school.navn == BACKLOG_SCHOOL and sakstype == "aktivitetsplan"
    rows = []
    open_cases = _poisson(rng, rate * pupils / 100 * 1.5) if close < 1 else 0
    for month in months():
        i = _month_index(month)
        lam = rate * pupils / 100 * SEASON[month.month] * (1 + 0.03 * i if backlog else 1)
        new = _poisson(rng, lam)
        p = close * (0.35 if month.month == 7 else 1)
        if backlog:
            p = max(0.06, p - 0.012 * i)
        closed = new if close >= 1 else _binomial(rng, open_cases + new, p)
        open_cases = open_cases + new - closed
        if sakstype != "aktivitetsplan":
            overdue = 0
        elif backlog:
            overdue = min(open_cases, round(open_cases * min(0.75, 0.1 + 0.03 * i)))
        else:
            overdue = _binomial(rng, open_cases, 0.06)
        rows.append(_row(school, month, trinn, sakstype, "", new, closed, open_cases, overdue))
    return rows


def _serious(school, trinn) -> list[dict[str, object]]:
    """§ 12-5 cases (closed after two months) and Statsforvalteren cases with their outcomes."""
    rows = []
    skjerpet = [m for name, m, t in SKJERPET if name == school.navn and t == trinn]
    open_cases = 0
    for month in months():
        new = skjerpet.count(month)
        closed = sum(1 for m in skjerpet if _month_index(m) + 2 == _month_index(month))
        open_cases += new - closed
        rows.append(_row(school, month, trinn, "skjerpet_aktivitetsplikt", "", new, closed, open_cases, 0))
    cases = [(m, wait, utfall) for name, m, t, wait, utfall in STATSFORVALTER_CASES if name == school.navn and t == trinn]
    pending = 0
    for month in months():
        i = _month_index(month)
        new = sum(1 for m, _, _ in cases if _month_index(m) == i)
        decided: dict[str, int] = {}
        for m, wait, utfall in cases:
            if _month_index(m) + wait == i:
                decided[utfall] = decided.get(utfall, 0) + 1
        closed = sum(decided.values())
        pending += new - closed
        rows.append(_row(school, month, trinn, STATSFORVALTER, "under_behandling", new, 0, pending, 0))
        for utfall, n in decided.items():
            rows.append(_row(school, month, trinn, STATSFORVALTER, utfall, 0, n, 0, 0))
    return rows


def school_rows(rng: random.Random, school) -> list[dict[str, object]]:
    trinns = [8, 9, 10] if school.navn == PER_TRINN_SCHOOL else [None]
    pupils = school.elevtall / len(trinns)
    rows: list[dict[str, object]] = []
    for trinn in trinns:
        for sakstype in ("aktivitetsplan", "alvorlig_melding_skoleeier"):
            rows += _ordinary(rng, school, trinn, pupils, sakstype)
        rows += _serious(school, trinn)
        for sakstype in ("ppt_henvisning", "barnevern_melding"):
            rows += _ordinary(rng, school, trinn, pupils, sakstype)
    return rows


def _file_order(rows: list[dict[str, object]]) -> list[dict[str, object]]:
    order = {"aktivitetsplan": 0, "alvorlig_melding_skoleeier": 1, "skjerpet_aktivitetsplikt": 2,
             STATSFORVALTER: 3, "ppt_henvisning": 4, "barnevern_melding": 5}
    return sorted(rows, key=lambda r: (r["maaned"], str(r["skole"]), str(r["trinn"]).zfill(2),
                                       order[str(r["sakstype"])], str(r["utfall"])))


def write(out: Path, schools: list) -> list[Path]:
    """Write `saker_9901.xlsx` and `saker_9902.csv` to `out` for the demo schools (pipelines.demo.SCHOOLS)."""
    out.mkdir(parents=True, exist_ok=True)
    rng = random.Random(SEED)
    by_kommune: dict[str, list[dict[str, object]]] = {}
    for school in sorted(schools, key=lambda s: s.orgnr):
        by_kommune.setdefault(school.kommunenr, []).extend(school_rows(rng, school))
    files: list[Path] = []
    for kommunenr, rows in sorted(by_kommune.items()):
        rows = _file_order(rows)
        if kommunenr == "9901":
            path = out / f"saker_{kommunenr}.xlsx"
            path.write_bytes(_stable_xlsx(workbook_bytes(rows)))
        else:
            path = out / f"saker_{kommunenr}.csv"
            path.write_bytes(("\ufeff" + csv_text(rows)).encode("utf-8"))
        files.append(path)
    return files


def _stable_xlsx(raw: bytes) -> bytes:
    """openpyxl stamps the creation time into docProps/core.xml; pin it so two runs write the same bytes."""
    import io
    import re
    import zipfile

    src = zipfile.ZipFile(io.BytesIO(raw))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                data = re.sub(rb"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z", b"2026-11-30T00:00:00Z", data)
            fixed = zipfile.ZipInfo(info.filename, date_time=(2026, 11, 30, 0, 0, 0))
            fixed.compress_type = zipfile.ZIP_DEFLATED
            dst.writestr(fixed, data)
    return buffer.getvalue()
