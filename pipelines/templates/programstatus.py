"""The programme-status template: each school reports once or twice a school year per programme the plan requires.

One row per school × school year × programme (× trinn or trinn range; blank = every trinn the plan covers).
Yes/no and counts only, never names. Documented in docs/mal-programstatus.md.
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from pipelines.templates import asked, xlsx, year_day

STATUS: dict[str, str] = {
    "ikke_startet": "Ikke startet",
    "innforing": "Innføring",
    "drift": "I drift",
    "avsluttet": "Avsluttet",
}
STATUS_HINT = ", ".join(f"«{v}»" for v in list(STATUS.values())[:-1]) + f" eller «{list(STATUS.values())[-1]}»"
"""The statuses as a message names them (the reader takes these words as well as the template list's codes)."""
JA_NEI = ["ja", "nei"]

COLUMNS: list[tuple[str, str]] = [
    ("skoleaar", "Skoleåret rapporten gjelder, f.eks. 2025-26."),
    ("orgnr", "Skolens organisasjonsnummer (9 siffer)."),
    ("skole", "Skolens navn (til hjelp for den som fyller ut; orgnr avgjør)."),
    ("program", "Programkoden fra kommunens plan (f.eks. zippys_venner, mitt_valg, mot, olweus)."),
    ("trinn", "Trinn eller trinnområde (f.eks. 5 eller 1-4). Tomt = alle trinn planen krever programmet på."),
    ("status", "ikke_startet, innforing, drift eller avsluttet."),
    ("koordinator", "Har skolen en utpekt koordinator for programmet? ja/nei – aldri navn."),
    ("andel_ansatte_kurset", "Prosent av de ansatte som er kurset i programmet (0–100)."),
    ("okter_holdt", "Antall økter med elevene hittil i skoleåret."),
    ("gruppemoter_holdt", "Antall pedagogiske samtalegruppemøter for de ansatte (Olweus) hittil i skoleåret."),
    ("storste_gruppe", "Antall deltakere i den største samtalegruppen."),
    ("skolemiljoutvalg_moter", "Antall møter i skolemiljøutvalget der programmet var tema, hittil i skoleåret."),
    ("sist_revidert", "Dato for siste eksterne revisjon, f.eks. 2024-05-15 (tomt hvis aldri)."),
    ("fase", "Fasen skolen er i (Læringsmiljøprosjektet: 1–4)."),
]
HEADERS = [h for h, _ in COLUMNS]
COUNT_HEADERS = ["okter_holdt", "gruppemoter_holdt", "storste_gruppe", "skolemiljoutvalg_moter", "fase"]
DATA_SHEET = "Programstatus"
TEMPLATE_ROWS = 1000

GUIDE = [
    "Rapportering av status for forebyggende programmer (kommunens plan for læringsmiljø)",
    "",
    "Slik fyller du ut arket «Programstatus»:",
    "• Én rad per skole, skoleår og program. Fyll ut én eller to ganger i året (høst og vår); siste rapport gjelder.",
    "• Malen har en rad per skole og program i planen som gjelder skolens trinn, for inneværende skoleår. Rader du lar"
    " stå uten status og andre opplysninger, hoppes over ved innlesing.",
    "• Skoleår: endre skoleaar (f.eks. til 2024-25) for å rapportere for et tidligere skoleår.",
    "• Program: koden fra kommunens plan (arket «Koder» har kodene med programmenes navn). Trinn: tomt når svaret gjelder alle trinnene planen krever programmet på;"
    " ellers ett trinn (5) eller et område (1-4).",
    "• Status: ikke_startet, innforing (innføringsfasen), drift (i vanlig drift) eller avsluttet.",
    "• Koordinator: skriv ja eller nei. Skriv ALDRI navn på personer – verken ansatte eller elever.",
    "• Tall: skriv 0 når noe ikke er gjort. La cellen stå tom bare når programmet ikke spør om dette.",
    "• Andel ansatte kurset skrives som prosent (0–100).",
    "",
    "Kolonner:",
]


def _current_school_year() -> str:
    today = dt.date.today()
    start = today.year - (today.month < 8)
    return f"{start}-{(start + 1) % 100:02d}"


Programme = str | tuple
"""A programme of the plan as a template is given it: its code, or (code, trinn_fra, trinn_til) and optionally the
orgnr of the schools the plan names for it (none: every school with those trinn) and its name, as
`mart.plan_programmer` holds them."""


def _programme(item: Programme) -> tuple[str, int | None, int | None, frozenset[str] | None]:
    if isinstance(item, str):
        return item, None, None, None
    code, fra, til, *rest = item
    schools = rest[0] if rest else None
    return code, fra, til, (frozenset(schools) if schools is not None else None)


def programme_codes(programmes: list[Programme] | None) -> list[str]:
    """The programme codes, in the plan's order (the drop-down list of the Excel template)."""
    return [_programme(p)[0] for p in programmes or []]


def programme_names(programmes: list[Programme] | None) -> list[str | None]:
    """Each programme's name in the plan («Zippys venner»), beside its code in «Koder»; None where not given."""
    return [p[4] if isinstance(p, tuple) and len(p) > 4 else None for p in programmes or []]


def fits(school: dict[str, object], programme: Programme) -> bool:
    """Does the plan ask `school` (a row with orgnr and, from the register, trinn_fra/trinn_til) about `programme`?
    Only when it has at least one of the programme's trinn, and is one of its schools when the plan names them: a 1–7
    school was given a row for «mot» (8.–10.) that it could not fill in. Unknown trinn, on either side, fit."""
    _, fra, til, named = _programme(programme)
    if named is not None and school["orgnr"] not in named:
        return False
    s_fra, s_til = school.get("trinn_fra"), school.get("trinn_til")
    if None in (fra, til, s_fra, s_til):
        return True
    return s_fra <= til and fra <= s_til


def prefilled_rows(schools: pl.DataFrame, programmes: list[Programme] | None = None, skoleaar: str | None = None
                   ) -> list[dict[str, object]]:
    """One row per school (× programme of the plan that covers one of its trinn, when given) for this school year,
    facts left blank; the reader skips a row left so. A school closed before the year's 1 September never began it,
    and is asked for nothing (`asked`)."""
    skoleaar = skoleaar or _current_school_year()
    schools = asked(schools, year_day(pl.lit(int(skoleaar[:4]))))
    ordered = schools.sort("navn") if "navn" in schools.columns else schools
    rows: list[dict[str, object]] = []
    for school in ordered.iter_rows(named=True):
        for program in (p for p in programmes or [""] if fits(school, p)):
            rows.append({"skoleaar": skoleaar, "orgnr": school["orgnr"], "skole": school.get("navn") or "",
                         "program": _programme(program)[0], "trinn": "", "status": "", "koordinator": ""})
    return rows


def csv_text(rows: list[dict[str, object]]) -> str:
    """Rows in the template's CSV layout (`;`, header first), without BOM (`xlsx.csv_text`)."""
    return xlsx.csv_text(HEADERS, ([row.get(h) for h in HEADERS] for row in rows))


def csv_bytes(schools: pl.DataFrame, programmes: list[Programme] | None = None) -> bytes:
    """The template as CSV: UTF-8 with BOM, semicolon separated."""
    return ("\ufeff" + csv_text(prefilled_rows(schools, programmes))).encode("utf-8")


def workbook(rows: list[dict[str, object]], programmes: list[Programme] | None = None):
    """An openpyxl workbook: «Programstatus» first, then «Koder» and «Veiledning», with drop-down lists."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.worksheet.datavalidation import DataValidation

    book = Workbook()
    widths = {"skoleaar": 10, "orgnr": 12, "skole": 28, "program": 20, "trinn": 7, "status": 14, "sist_revidert": 13}
    ws, letter = xlsx.data_sheet(book, DATA_SHEET, HEADERS, rows, widths, default_extra=3)
    # text: Excel must not turn 1-4 into a date
    xlsx.as_text(ws, letter, ("skoleaar", "orgnr", "trinn", "sist_revidert"), TEMPLATE_ROWS + 1)

    codes = book.create_sheet("Koder")
    codes.append(["status", "betydning", "", "koordinator", "", "program", "programmets navn i planen"])
    for cell in codes[1]:
        cell.font = Font(bold=True)
    status_items = list(STATUS.items())
    program_codes, program_names = programme_codes(programmes), programme_names(programmes)
    for i in range(max(len(status_items), len(JA_NEI), len(program_codes))):
        s = status_items[i] if i < len(status_items) else (None, None)
        codes.append([s[0], s[1], None, JA_NEI[i] if i < len(JA_NEI) else None, None,
                      program_codes[i] if i < len(program_codes) else None,
                      program_names[i] if i < len(program_codes) else None])
    codes.column_dimensions["F"].width, codes.column_dimensions["G"].width = 20, 32

    rules = [
        (xlsx.list_rule(f"=Koder!$A$2:$A${len(STATUS) + 1}", "Status", "Velg status fra listen."), "status"),
        (xlsx.list_rule("=Koder!$D$2:$D$3", "Koordinator", "ja eller nei – aldri navn."), "koordinator"),
        (DataValidation(type="decimal", operator="between", formula1="0", formula2="100", allow_blank=True,
                        showErrorMessage=True, errorTitle="Andel", error="Prosent fra 0 til 100."),
         "andel_ansatte_kurset"),
    ]
    if program_codes:
        rules.append((xlsx.list_rule(f"=Koder!$F$2:$F${len(program_codes) + 1}", "Program", "Programkoden fra planen."),
                      "program"))
    rules += [(xlsx.count_rule("Et helt tall, 0 eller mer."), header) for header in COUNT_HEADERS]
    xlsx.apply_rules(ws, letter, rules, TEMPLATE_ROWS + 1)

    xlsx.guide_sheet(book, [*GUIDE, *(f"• {header}: {meaning}" for header, meaning in COLUMNS)])
    return book


def workbook_bytes(rows: list[dict[str, object]], programmes: list[Programme] | None = None) -> bytes:
    return xlsx.to_bytes(workbook(rows, programmes))


def xlsx_bytes(schools: pl.DataFrame, programmes: list[Programme] | None = None) -> bytes:
    """The template as XLSX, pre-filled with the schools and this school year, with drop-down lists. With the schools'
    trinn (`trinn_fra`, `trinn_til`) and the programmes' (`Programme`), a school gets rows only for programmes that
    cover one of its trinn."""
    return workbook_bytes(prefilled_rows(schools, programmes), programmes)
