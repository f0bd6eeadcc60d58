"""The case-count template (opplæringslova kap. 12, formerly 9 A): codes, columns, XLSX and CSV downloads.

One row per school × month × trinn (blank = all trinn) × sakstype (+ utfall for Statsforvalteren cases).
Counts of cases, never persons. Documented in docs/mal-saker.md.
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from pipelines.templates import asked, month_day, xlsx

SAKSTYPER: dict[str, str] = {
    "aktivitetsplan": "Aktivitetsplan (§ 12-4)",
    "alvorlig_melding_skoleeier": "Alvorlig sak meldt til skoleeier (§ 12-4)",
    "skjerpet_aktivitetsplikt": "Skjerpet aktivitetsplikt (§ 12-5)",
    "statsforvalter": "Sak hos Statsforvalteren (§ 12-6)",
    "ppt_henvisning": "Henvisning til PPT",
    "barnevern_melding": "Bekymringsmelding til barnevernet",
}
"""Case types, code → label, in the order the template and the dashboard show them."""

OLD_PARAGRAPHS: dict[str, str] = {
    "aktivitetsplan": "§ 9 A-4",
    "alvorlig_melding_skoleeier": "§ 9 A-4",
    "skjerpet_aktivitetsplikt": "§ 9 A-5",
    "statsforvalter": "§ 9 A-6",
}
"""The same duties under the old numbering (opplæringslova 1998, kapittel 9 A)."""

UTFALL: dict[str, str] = {
    "under_behandling": "Under behandling",
    "brudd": "Brudd på aktivitetsplikten",
    "ikke_brudd": "Ikke brudd",
    "avvist": "Avvist",
    "hevet": "Hevet/trukket",
    "tvangsmulkt": "Varsel om tvangsmulkt",
}
"""Outcomes of a case at Statsforvalteren (only on `statsforvalter` rows)."""

STATSFORVALTER = "statsforvalter"
TRINN = list(range(1, 14))

# (header, meaning) in file order; the headers are what the reader looks for.
COLUMNS: list[tuple[str, str]] = [
    ("orgnr", "Skolens organisasjonsnummer (9 siffer)."),
    ("skole", "Skolens navn (til hjelp for den som fyller ut; orgnr avgjør)."),
    ("maaned", "Måneden tallene gjelder, f.eks. 2025-09 (også 09.2025 eller «sep 2025»)."),
    ("trinn", "Et av skolens trinn, eller tomt for alle trinn samlet."),
    ("sakstype", "Velg fra listen (arket «Koder» viser alle); koden ved siden av godtas også."),
    ("utfall", "Bare for Sak hos Statsforvalteren: utfallet hos Statsforvalteren. Ellers tomt."),
    ("nye", "Antall nye saker i måneden."),
    ("avsluttet", "Antall saker avsluttet i måneden."),
    ("apne_ved_maanedsslutt", "Antall åpne saker den siste dagen i måneden."),
    ("evaluering_over_frist", "Antall åpne saker der planlagt evaluering er passert uten å være gjort."),
]
HEADERS = [h for h, _ in COLUMNS]
SHOWN: dict[str, str] = {
    "orgnr": "Organisasjonsnummer",
    "skole": "Skole",
    "maaned": "Måned",
    "trinn": "Trinn",
    "sakstype": "Sakstype",
    "utfall": "Utfall",
    "nye": "Nye saker",
    "avsluttet": "Avsluttede saker",
    "apne_ved_maanedsslutt": "Åpne ved månedsslutt",
    "evaluering_over_frist": "Evaluering over frist",
}
"""Each field's heading in the template, as a rektor reads it (they read «apne_ved_maanedsslutt»). The reader takes
these, the field names and the spellings of its aliases alike."""
COUNT_HEADERS = ["nye", "avsluttet", "apne_ved_maanedsslutt", "evaluering_over_frist"]
DATA_SHEET = "Saker"
TEMPLATE_ROWS = 2000  # drop-down lists and number checks reach this far down the data sheet

GUIDE = [
    "Rapportering av saker etter opplæringslova kapittel 12 (tidligere kapittel 9 A)",
    "",
    "Slik fyller du ut arket «Saker»:",
    "• Én rad per skole, måned, sakstype (og eventuelt trinn). Arket er fylt ut med skolene og måneden som nettopp er"
    " avsluttet (den som skal rapporteres nå).",
    "• Skriv ANTALL SAKER – aldri navn, fødselsnummer, fødselsdato eller annet som kan peke ut en elev.",
    "• Har skolen ingenting å melde for en sakstype, skriv 0. La ikke cellen stå tom.",
    "• Trinn: la stå tomt for alle trinn samlet, eller velg et av skolens trinn på egne rader. Ikke bland begge for"
    " samme skole, måned og sakstype.",
    "• Utfall fylles bare ut for «Sak hos Statsforvalteren». Velg «Under behandling» for saker som ikke er avgjort.",
    "• Åpne ved månedsslutt = åpne ved forrige månedsslutt + nye − avsluttet.",
    "• Evaluering over frist: åpne saker der evalueringen i aktivitetsplanen skulle vært gjort, men ikke er det.",
    "• Måned skrives som 2025-09 (også 09.2025, 2025-09-01 og «sep 2025» godtas).",
    "",
    "Lovhenvisninger:",
    "• § 12-4 (tidl. § 9 A-4): aktivitetsplikt – følge med, gripe inn, varsle, undersøke og sette inn tiltak;"
    " aktivitetsplan; alvorlige tilfeller skal meldes til skoleeier.",
    "• § 12-5 (tidl. § 9 A-5): skjerpet aktivitetsplikt når noen som arbeider på skolen krenker en elev.",
    "• § 12-6 (tidl. § 9 A-6): håndheving hos Statsforvalteren.",
    "",
    "Kolonner:",
]


def _current_month() -> str:
    """The month a school reports now: the one just ended (the month under way is not over; July, with no school,
    gives way to June)."""
    today = dt.date.today()
    year, month = (today.year, today.month - 1) if today.month > 1 else (today.year - 1, 12)
    if month == 7:
        month = 6
    return f"{year:04d}-{month:02d}"


def prefilled_rows(schools: pl.DataFrame, month: str | None = None) -> list[dict[str, object]]:
    """One row per school × sakstype for `month` (default: the month just ended), counts 0. A school that no longer
    ran on the month's 15th is left out: it is asked for no report, and its zeros would be loaded as one (`asked`).

    Sakstype and utfall by their labels, as the drop-down lists give them; each row carries its school's trinn
    (`_trinn`, from the register, when given) for the row's own trinn list."""
    month = month or _current_month()
    year, number = map(int, month.split("-"))
    schools = asked(schools, month_day(pl.date(year, number, 1)))
    rows: list[dict[str, object]] = []
    ordered = schools.sort("navn") if "navn" in schools.columns else schools
    for school in ordered.iter_rows(named=True):
        for code in SAKSTYPER:
            rows.append({
                "orgnr": school["orgnr"], "skole": school.get("navn") or "", "maaned": month, "trinn": "",
                "sakstype": SAKSTYPER[code], "utfall": UTFALL["under_behandling"] if code == STATSFORVALTER else "",
                **{c: 0 for c in COUNT_HEADERS}, "_trinn": (school.get("trinn_fra"), school.get("trinn_til")),
            })
    return rows


def csv_text(rows: list[dict[str, object]]) -> str:
    """Rows in the template's CSV layout (`;`, the headings first), without BOM (`xlsx.csv_text`)."""
    return xlsx.csv_text([SHOWN[h] for h in HEADERS], ([row.get(h) for h in HEADERS] for row in rows))


def csv_bytes(schools: pl.DataFrame) -> bytes:
    """The template as CSV: UTF-8 with BOM (so Excel reads æøå), semicolon separated."""
    return ("\ufeff" + csv_text(prefilled_rows(schools))).encode("utf-8")


def workbook(rows: list[dict[str, object]]):
    """An openpyxl workbook: data sheet «Saker» first, then «Koder» and «Veiledning»."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    # Wide enough for the headings shown and the longest label a list gives (widths from the field names cut them)
    widths = {h: len(SHOWN[h]) + 3 for h in HEADERS} | {
        "skole": 28, "sakstype": max(map(len, SAKSTYPER.values())) + 2, "utfall": max(map(len, UTFALL.values())) + 2}
    ws, letter = xlsx.data_sheet(book, DATA_SHEET, HEADERS, rows, widths, default_extra=4)
    for header, column in letter.items():
        ws[f"{column}1"] = SHOWN[header]
    # text, so Excel keeps leading zeros and does not reinterpret months
    xlsx.as_text(ws, letter, ("orgnr", "maaned"), len(rows) + 1)

    codes = book.create_sheet("Koder")
    codes.append(["kode", "Sakstype", "", "kode", "Utfall", "", "Trinn"])
    for cell in codes[1]:
        cell.font = Font(bold=True)
    sak_items, utfall_items = list(SAKSTYPER.items()), list(UTFALL.items())
    for i in range(max(len(sak_items), len(utfall_items), len(TRINN))):
        sak = sak_items[i] if i < len(sak_items) else (None, None)
        utf = utfall_items[i] if i < len(utfall_items) else (None, None)
        trinn = TRINN[i] if i < len(TRINN) else None
        codes.append([sak[0], sak[1], None, utf[0], utf[1], None, trinn])
    for col, width in zip("ABCDEFG", (28, 44, 3, 18, 30, 3, 8), strict=True):
        codes.column_dimensions[col].width = width

    rules = [
        # The lists give the labels, which the reader takes as it takes the codes: a list of codes refused the
        # label a rektor typed, though the guide allowed it.
        (xlsx.list_rule(f"=Koder!$B$2:$B${len(SAKSTYPER) + 1}", "Sakstype",
                        "Velg en sakstype fra listen (se arket Koder)."), "sakstype"),
        (xlsx.list_rule(f"=Koder!$E$2:$E${len(UTFALL) + 1}", "Utfall",
                        "Bare for Sak hos Statsforvalteren; ellers tomt."), "utfall"),
    ]
    rules += [(xlsx.count_rule("Skriv et helt tall, 0 eller mer (0 når det ikke er noe å melde).", allow_blank=False),
               header) for header in COUNT_HEADERS]
    xlsx.apply_rules(ws, letter, rules, TEMPLATE_ROWS + 1)
    _trinn_lists(ws, letter["trinn"], rows)

    lines = [*GUIDE, *(f"• {SHOWN[header]}: {meaning}" for header, meaning in COLUMNS), "", "Sakstyper (kode):"]
    for code, label in SAKSTYPER.items():
        old = f" (tidl. {OLD_PARAGRAPHS[code]})" if code in OLD_PARAGRAPHS else ""
        lines.append(f"• {label}{old} ({code})")
    lines.append("Utfall hos Statsforvalteren (kode):")
    lines += [f"• {label} ({code})" for code, label in UTFALL.items()]
    xlsx.guide_sheet(book, lines)
    return book


def _trinn_lists(ws, column: str, rows: list[dict[str, object]]) -> None:
    """Each pre-filled row's trinn list holds its school's trinn (a 1–7 school was offered 1–13); the rows below, for
    a school or trinn added by hand, all 13. Blank (all trinn) is allowed everywhere."""
    by_range: dict[tuple[int, int], list[int]] = {}
    for r, row in enumerate(rows, start=2):
        fra, til = row.get("_trinn") or (None, None)
        key = (int(fra), int(til)) if fra is not None and til is not None else (TRINN[0], TRINN[-1])
        by_range.setdefault(key, []).append(r)
    # The rows below: the schools' own trinn when they all have the same (a rektor's template), else all 13
    below = next(iter(by_range)) if len(by_range) == 1 else (TRINN[0], TRINN[-1])
    by_range.setdefault(below, [])
    for (fra, til), numbers in by_range.items():
        listed = ",".join(str(t) for t in range(fra, til + 1))
        rule = xlsx.list_rule(f'"{listed}"', "Trinn", f"Trinn {fra}–{til}, eller tomt for alle trinn samlet.")
        ws.add_data_validation(rule)
        runs: list[list[int]] = []  # a school's rows stand together: one range each, not a cell each
        for r in numbers:
            if runs and runs[-1][1] == r - 1:
                runs[-1][1] = r
            else:
                runs.append([r, r])
        for first, last in runs:
            rule.add(f"{column}{first}:{column}{last}")
        if (fra, til) == below:
            rule.add(f"{column}{len(rows) + 2}:{column}{TEMPLATE_ROWS + 1}")


def workbook_bytes(rows: list[dict[str, object]]) -> bytes:
    return xlsx.to_bytes(workbook(rows))


def xlsx_bytes(schools: pl.DataFrame) -> bytes:
    """The template as XLSX, pre-filled with the schools and the month just ended, with drop-down lists."""
    return workbook_bytes(prefilled_rows(schools))
