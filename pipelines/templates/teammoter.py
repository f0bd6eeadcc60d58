"""The meeting-log template for arbeidslag, elevtjeneste and other teams: codes, headers, XLSX and CSV.

One row per meeting; counts of cases and referrals, never persons. The reader
(`pipelines/sources/teammoter.py`) accepts the Norwegian headers below or the field names.
"""

from __future__ import annotations

import datetime as dt
import re

import polars as pl

from pipelines import guides
from pipelines.templates import asked, month_day, xlsx
from pipelines.templates.saker import _current_month

TEAMS: dict[str, str] = {
    "arbeidslag": "Arbeidslag",
    "elevtjeneste": "Elevtjeneste",
    "ressursteam": "Ressursteam",
    "tverrfaglig_team": "Tverrfaglig team",
    "annet": "Annet",
}

PROFESSIONS: dict[str, str] = {
    "til_stede_ledelse": "Ledelse",
    "til_stede_ppt": "PPT",
    "til_stede_helsesykepleier": "Helsesykepleier",
    "til_stede_barnevern": "Barnevern",
    "til_stede_psykisk_helse": "Psykisk helse og rus",
    "til_stede_sosiallaerer": "Sosiallærer",
    "til_stede_karriereveileder": "Karriereveileder",
    "til_stede_andre": "Andre",
}

COUNTS: dict[str, str] = {
    "saker_med_samtykke": "Saker drøftet med samtykke",
    "saker_anonyme": "Anonyme drøftinger",
    "henvisninger_ppt": "Henvist til PPT",
    "henvisninger_barnevern": "Henvist til barnevern",
    "henvisninger_helse": "Henvist til helse",
}

# field → the header a rektor sees, in template order
HEADERS: dict[str, str] = {
    "orgnr": "Organisasjonsnummer",
    "skole": "Skole",
    "team": "Team",
    "dato": "Dato",
    "varighet_min": "Varighet (minutter)",
    **COUNTS,
    **{col: f"Til stede: {label}" for col, label in PROFESSIONS.items()},
}

# Other spellings users and earlier versions write; the field names themselves are accepted too.
ALIASES: dict[str, str] = {
    "org nr": "orgnr",
    "orgnr skole": "orgnr",
    "organisasjonsnr": "orgnr",
    "skolenavn": "skole",
    "skolens navn": "skole",
    "møtedato": "dato",
    "varighet": "varighet_min",
    "varighet min": "varighet_min",
    "minutter": "varighet_min",
    "saker med samtykke": "saker_med_samtykke",
    "anonyme saker": "saker_anonyme",
    "anonyme drøftinger": "saker_anonyme",
    "henvisninger ppt": "henvisninger_ppt",
    "henvisninger barnevern": "henvisninger_barnevern",
    "henvisninger helse": "henvisninger_helse",
    **{label.lower(): col for col, label in PROFESSIONS.items()},
}

TEAM_ALIASES: dict[str, str] = {
    **{code: code for code in TEAMS},
    **{label.lower(): code for code, label in TEAMS.items()},
    "al": "arbeidslag",
    "arbeidslaget": "arbeidslag",
    "et": "elevtjeneste",
    "elevtjenesten": "elevtjeneste",
    "ressursteamet": "ressursteam",
    "tverrfaglig team": "tverrfaglig_team",
    "tverrfaglig møte": "tverrfaglig_team",
    "tverrfaglig": "tverrfaglig_team",
    "tverrfaglig_team": "tverrfaglig_team",
}

YES = ["ja", "j", "x", "1", "true", "sann", "yes", "y"]
NO = ["nei", "n", "0", "false", "usann", "no", "", "-"]

DATA_SHEET = "Møter"
FIRST_DATE = dt.date(2015, 1, 1)


def normalise_header(text: str) -> str:
    """`Til stede: PPT`, `til_stede_ppt`, ` TIL STEDE – PPT ` → one comparable form."""
    return re.sub(r"[^0-9a-zæøå]+", " ", text.lower()).strip()


def field_of(header: str) -> str | None:
    """The template field a header means, or None."""
    key = normalise_header(header)
    for field, shown in HEADERS.items():
        if key in (normalise_header(field), normalise_header(shown)):
            return field
    return ALIASES.get(key) or ALIASES.get(key.replace(" ", "_"))


def _school_rows(schools: pl.DataFrame) -> list[dict[str, object]]:
    """One pre-filled row per school (orgnr and name); the reader skips rows nobody filled in. A log is sent for the
    month just ended, as the case report is: a school that no longer ran on its 15th is left out (`asked`)."""
    year, month = map(int, _current_month().split("-"))
    schools = asked(schools, month_day(pl.date(year, month, 1)))
    ordered = schools.sort("navn") if "navn" in schools.columns else schools
    return [{"orgnr": r["orgnr"], "skole": r.get("navn")} for r in ordered.iter_rows(named=True)]


def _cell(value: object) -> object:
    if isinstance(value, bool):
        return "ja" if value else "nei"
    return value


def xlsx_bytes(schools: pl.DataFrame, rows: list[dict[str, object]] | None = None) -> bytes:
    """The Excel template: data sheet «Møter» first (drop-down lists, date and number checks),
    then «Veiledning» and «Koder». `rows` (field → value) fills it; else one empty row per school."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    book = Workbook()
    ws = book.active
    ws.title = DATA_SHEET
    fields = list(HEADERS)
    ws.append([HEADERS[f] for f in fields])
    bold, fill = Font(bold=True), PatternFill("solid", fgColor="DDEBF7")
    for cell in ws[1]:
        cell.font, cell.fill = bold, fill
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    data = rows if rows is not None else _school_rows(schools)
    for row in data:
        ws.append([_cell(row.get(f)) for f in fields])
    last = max(1000, len(data) + 200)
    col = {f: get_column_letter(i + 1) for i, f in enumerate(fields)}
    for r in range(2, last + 1):
        ws[f"{col['orgnr']}{r}"].number_format = "@"
        ws[f"{col['dato']}{r}"].number_format = "DD.MM.YYYY"

    def validate(dv: DataValidation, *fs: str) -> None:
        dv.showErrorMessage = True
        dv.errorTitle = "Ugyldig verdi"
        ws.add_data_validation(dv)
        for f in fs:
            dv.add(f"{col[f]}2:{col[f]}{last}")

    team_list = '"' + ",".join(TEAMS.values()) + '"'
    validate(DataValidation(type="list", formula1=team_list, allow_blank=True,
                            error="Velg et team fra listen (se arket Koder)."), "team")
    # A warning, not a stop: «x», which the guide and the reader take for ja, was refused by the list.
    validate(DataValidation(type="list", formula1='"ja,nei"', allow_blank=True, errorStyle="warning",
                            error="Velg ja eller nei i listen (x godtas også for ja)."), *PROFESSIONS)
    validate(DataValidation(type="date", operator="between", formula1="DATE(2015,1,1)",
                            formula2="DATE(2099,12,31)", allow_blank=True,
                            error="Skriv en dato, f.eks. 14.09.2025."), "dato")
    validate(DataValidation(type="whole", operator="greaterThanOrEqual", formula1="0", allow_blank=True,
                            error="Skriv et helt tall, 0 eller mer."), *COUNTS)
    validate(DataValidation(type="whole", operator="between", formula1="1", formula2="600", allow_blank=True,
                            error="Varigheten er i hele minutter (1–600)."), "varighet_min")
    for f, letter in col.items():
        ws.column_dimensions[letter].width = 24 if f in ("skole", "orgnr") else 16
    ws.row_dimensions[1].height = 32
    ws.freeze_panes = "C2"

    guide = book.create_sheet("Veiledning")
    guide.column_dimensions["A"].width = 110
    for line in guide_lines(data):
        guide.append([line])
    guide["A1"].font = Font(bold=True, size=14)

    codes = book.create_sheet("Koder")
    codes.append(["Kode", "Team"])
    for code, label in TEAMS.items():
        codes.append([code, label])
    codes.append([])
    codes.append(["Kolonne", "Yrkesgruppe til stede (ja/nei)"])
    for field, label in PROFESSIONS.items():
        codes.append([HEADERS[field], label])
    for cell in (codes["A1"], codes["B1"]):
        cell.font = bold
    codes.column_dimensions["A"].width = 34
    codes.column_dimensions["B"].width = 34

    return xlsx.to_bytes(book)


def _csv_value(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "ja" if value else "nei"
    if isinstance(value, dt.date):
        return value.strftime("%d.%m.%Y")
    return str(value)


def csv_bytes(schools: pl.DataFrame, rows: list[dict[str, object]] | None = None) -> bytes:
    """The CSV template: UTF-8 with BOM, semicolon, the same headers; dates as 14.09.2025."""
    body = ([_csv_value(row.get(f)) for f in HEADERS] for row in (rows if rows is not None else _school_rows(schools)))
    return ("\ufeff" + xlsx.csv_text(HEADERS.values(), body)).encode("utf-8")


GUIDE = [
    "Møtelogg for arbeidslag, elevtjeneste og andre team",
    "",
    "Én rad per møte. Skriv organisasjonsnummeret til skolen (skolenavnet er bare til hjelp), "
    "teamet, datoen og tallene.",
    "Loggen inneholder bare tall: skriv aldri navn, fødselsnummer, fødselsdato eller annet som "
    "kan peke ut en elev eller en ansatt.",
    "",
    "Team: velg fra listen – " + ", ".join(TEAMS.values()) + ". Koden (f.eks. elevtjeneste) går også.",
    "Dato: møtedatoen, f.eks. 14.09.2025. Varighet: hele minutter (kan stå tom).",
    "Saker drøftet med samtykke: saker der eleven/foresatte har gitt skriftlig samtykke til at "
    "saken drøftes med navn.",
    "Anonyme drøftinger: saker drøftet uten navn (anonymt). Samme sak teller bare én gang per møte.",
    "Henvist til PPT / barnevern / helse: nye henvisninger som ble besluttet i møtet "
    "(helse = helsesykepleier, BUP, psykisk helse og rus).",
    "Skriv 0 når det ikke var noen – ikke la tallfeltene stå tomme.",
    "Til stede: velg ja eller nei i listen for hver yrkesgruppe (x for ja og tom for nei godtas også).",
    "",
    "Eksempel: {orgnr} | {skole} | Elevtjeneste | 14.09.2025 | 90 | 2 | 3 | 1 | 0 | 1 | "
    "ja | ja | ja | nei | ja | ja | ja | nei",
    "",
    "Radene med bare skolen utfylt hoppes over ved innlesing. Lagre som .xlsx eller CSV (semikolon).",
    "Hvor ofte hvert team skal møtes, setter skoleeier. Mer hjelp: «Hjelp» → «"
    f"{guides.GUIDES['mal-teammoter'][0]}» i dashbordet.",
]
"""The «Veiledning» sheet; the example row names the first school of the template (`guide_lines`)."""


def guide_lines(rows: list[dict[str, object]]) -> list[str]:
    """`GUIDE` with its example on the template's first school: it gave 974123456 for Fjellvik ungdomsskole, a number
    no school of the municipality had."""
    first = next((r for r in rows if r.get("orgnr")), None)
    orgnr, skole = (first["orgnr"], first.get("skole") or "Skolen") if first else ("123456789", "Eksempel skole")
    return [line.replace("{orgnr}", str(orgnr)).replace("{skole}", str(skole)) for line in GUIDE]
