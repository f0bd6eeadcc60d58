"""Norwegian words for the warehouse's codes, so no page ever shows a raw code."""

from __future__ import annotations

import datetime as dt
import re
from functools import lru_cache

import polars as pl

from pipelines import templates

# Said by the command line too, so they live with the messages they explain.
from pipelines.errors import OLD_ROW_NUMBERS as OLD_ROW_NUMBERS
from pipelines.errors import ROW_NUMBERS as ROW_NUMBERS
from pipelines.errors import row_numbers as row_numbers
from pipelines.sources.base import MONTH_NAMES
from pipelines.templates.saker import SHOWN as SAKER_SHOWN
from pipelines.templates.teammoter import HEADERS as TEAM_HEADERS

_MARKUP = re.compile(r"([\\`*_$~|\[\]<>])")  # also emphasis, LaTeX ($…$) and tables


def plain(text: str) -> str:
    """Text from a file (a school's name) for a Markdown label, warning or button: Markdown makes no link, image,
    code or HTML of it. The register refuses such names (`pipelines.quality.suites.NOT_A_NAME`); a name that came
    in earlier, or from a survey file, is shown as written, its marks escaped."""
    return _MARKUP.sub(r"\\\1", text)


_UNSEEN = "\u200b"
"""A zero-width space: Markdown's links of bare addresses ignore every escape, and stop at it."""


def plain_cells(text: pl.Expr) -> pl.Expr:
    """Text for the cells of a static table (`st.table` reads its cells as Markdown), in Polars: as `plain`, on one
    line; and a cell that starts like a list, a heading or a quote is not one, and an address in it is no link.
    «7. trinn» was drawn as a numbered list, raised and spaced out, a plan's «- Opprette fagteam» as a bullet, and
    «https://…», «www.…» or an e-mail address in a school's name as a link (GitHub's Markdown links a bare address)."""
    return (
        text.str.replace_all(r"\r\n|\r|\n", " ")
        .str.replace_all(r"([\\`*_$~|\[\]<>])", r"\$1")
        .str.replace(r"^(\s*)(\d+)([.)])", r"${1}${2}\$3")
        .str.replace(r"^(\s*)([-+#=])", r"${1}\$2")
        .str.replace_all(r":/", ":/" + _UNSEEN)
        .str.replace_all(r"(?i)(www)\.", "${1}" + _UNSEEN + ".")
        .str.replace_all("@", _UNSEEN + "@", literal=True)
    )

FYLKER = {
    # The counties from 2024, then the codes of 2020–2023 that FHI's older pooled files still use.
    "03": "Oslo", "11": "Rogaland", "15": "Møre og Romsdal", "18": "Nordland", "31": "Østfold", "32": "Akershus",
    "33": "Buskerud", "34": "Innlandet", "39": "Vestfold", "40": "Telemark", "42": "Agder", "46": "Vestland",
    "50": "Trøndelag", "55": "Troms", "56": "Finnmark",
    "30": "Viken", "38": "Vestfold og Telemark", "54": "Troms og Finnmark",
}
KJONN = {"alle": "Alle kjønn", "jenter": "Jenter", "gutter": "Gutter"}
ENHET_NIVA = {"skole": "Skole", "kommune": "Kommune", "fylke": "Fylke", "nasjonalt": "Nasjonalt"}
MAAL = {"snitt": "Snitt (1–5, høyere er bedre)", "andel": "Andel i prosent (lavere er bedre for mobbing)"}
RESULTAT = {"lastet": "Lastet", "avvist": "Avvist", "allerede_lastet": "Allerede lastet", "trukket_tilbake": "Trukket tilbake"}
ALVORLIGHET = {"kritisk": "Kritisk (stopper filen)", "advarsel": "Advarsel"}
KILDE = {
    "skoleregister": "Skoleregister",
    "udir_indikator": "Elevundersøkelsen – indikatorer",
    "udir_mobbing": "Elevundersøkelsen – mobbing",
    "udir_deltakelse": "Elevundersøkelsen – deltakelse",
    "skoleporten": "Skoleporten (historisk)",
    "elevundersokelsen": "Elevundersøkelsen",
    "ungdata_tabell": "Ungdata – kommunens resultattabell",
    "ungdata_fhi": "Ungdata – FHI Kommunehelsa",
    "saker": "Saker etter kapittel 12 (skolens rapport)",  # as the file is named when it is read (`sources.saker`)
    "teammoter": "Møtelogg for arbeidslag og elevtjeneste",
    "teamrytme": "Forventet møterytme",
    "plan": "Kommunens plan",
    "programstatus": "Programstatus fra skolene",
}



COLUMN = {
    # shared
    "orgnr": "Org.nr.", "kommunenr": "Kommunenr.", "kommune": "Kommune", "navn": "Skole", "trinn": "Trinn",
    "periode": "Periode", "skoleaar": "Skoleår", "skoleaar_start": "Skoleår (start)", "kilde": "Kilde",
    # Elevundersøkelsen and Skoleporten
    "enhet_niva": "Nivå", "enhet_id": "Enhet-ID", "fylkekode": "Fylkenr.", "enhet_navn": "Enhet", "kjonn": "Kjønn",
    "indikator_kode": "Indikatorkode", "indikator": "Indikator", "maal": "Mål", "verdi": "Verdi",
    "standardavvik": "Standardavvik", "antall_besvart": "Antall besvart", "skjermet": "Skjermet",
    # school register
    "trinn_fra": "Fra trinn", "trinn_til": "Til trinn", "elevtall": "Elevtall", "nedlagt": "Nedlagt fra",
    "opprettet": "I drift fra",
    # Ungdata
    "geo_niva": "Geografisk nivå", "geo": "Område", "aar": "År", "andel": "Andel (%)", "antall_svar": "Antall svar",
    "flagg": "Flagg",
    # Case counts and the meeting log as their templates head them: the import preview said «Henvist PPT» and «PPT
    # til stede» over a file headed «Henvist til PPT» and «Til stede: PPT».
    **{field: SAKER_SHOWN[field] for field in ("sakstype", "utfall", "nye", "avsluttet", "evaluering_over_frist")},
    "apne_ved_slutt": SAKER_SHOWN["apne_ved_maanedsslutt"],
    **{field: shown for field, shown in TEAM_HEADERS.items() if field not in ("orgnr", "skole")},
    "moter_per_maaned": "Møter per måned",
    # plans and programme status
    "plan_id": "Plan-ID", "tittel": "Tittel", "gyldig_fra": "Gyldig fra", "gyldig_til": "Gyldig til",
    # a plan's `skoler`: those a programme names, not the schools the plan covers (most cover all)
    "programmer": "Programmer", "skoler": "Skoler planen nevner særskilt", "antall_tiltak": "Antall tiltak",
    "plan_json": "Plan (JSON)",
    "plan_yaml": "Plan (YAML)", "program": "Program", "status": "Status", "koordinator": "Koordinator",
    "andel_ansatte_kurset": "Andel ansatte kurset", "okter_holdt": "Økter holdt",
    "gruppemoter_holdt": "Gruppemøter holdt", "storste_gruppe": "Største gruppe",
    "skolemiljoutvalg_moter": "Møter i skolemiljøutvalget", "sist_revidert": "Sist revidert", "fase": "Fase",
}
"""The columns of the rows a file loads, as the import preview heads them."""

CHECKED_COLUMN = {
    **COLUMN,
    "apne_ved_maanedsslutt": "Åpne ved månedsslutt", "maaned": "Måned", "henvisninger": "Henvisninger",
    "kommune_i_registeret": "Kommunenr.", "ukjente_skoler": "Skoler", "skoler_i_annen_kommune": "Skoler",  # a plan's keys
}
"""The columns a quality finding names, as the user's file or template heads them (`column_label`)."""


def column_label(names: str | None) -> str:
    """«evaluering_over_frist, apne_ved_maanedsslutt» → «Evaluering over frist, Åpne ved månedsslutt».

    A quality finding names the column the rule checked, sometimes in the warehouse's spelling; a name without a
    label is shown with spaces for underscores and a capital first letter, never as a raw identifier.
    """
    if not names:
        return ""
    parts = []
    for name in names.split(", "):
        label = CHECKED_COLUMN.get(name) or name.replace("_", " ")
        parts.append(label[:1].upper() + label[1:])
    return ", ".join(parts)


def trinn_label(trinn: int | None) -> str:
    return "Alle trinn" if trinn is None else f"{trinn}. trinn"


def format_value(value: float | None, maal: str) -> str:
    if value is None:
        return "–"
    return number_text(value, 1) + (" %" if maal == "andel" else "")


NO_VALUE = "–"
"""Shown for a number that is missing or hidden, never «None», «nan» or 0."""

NO_COUNT_NOTE = "Antall svar ikke oppgitt"
"""Beside a survey value shown without its number of answers (the old Skoleporten files give none); short, as the
grid's last column (`NO_COUNT_CAPTION` under the table says the rest)."""
NO_COUNT_CAPTION = (f"«{NO_COUNT_NOTE}»: kilden (eldre filer fra Skoleporten) oppga ikke hvor mange som svarte. "
                    "Udir viste ingen verdi fra færre enn 10 svar.")


def number_text(value: float | int | None, decimals: int = 0, four_digits_grouped: bool = False) -> str:
    """A number as Norwegian text: decimal comma, a (no-break) space between thousands from 10 000 on («12 500»,
    but «2024» and «4800», as Språkrådet advises; «4 800» with `four_digits_grouped`), «–» for no value."""
    if value is None or value != value:  # NaN
        return NO_VALUE
    text = f"{value:,.{decimals}f}"
    if text.lstrip("-").strip("0.,") == "":  # −0,0 is 0,0
        text = text.lstrip("-")
    whole = text.split(".")[0].lstrip("-")
    if len(whole.replace(",", "")) < 5 and not four_digits_grouped:
        text = text.replace(",", "")
    return text.replace(",", "\u00a0").replace(".", ",")


def column_numbers_text(values, decimals: int = 0) -> list[str]:
    """A table column of numbers as `number_text`, with four digits grouped too where the column has a number of five
    or more, as Språkrådet advises for tables: «4 176» under «10 440», so the digits stand in line (a report's
    sources table read «10 440» above «4176»)."""
    wide = any(v is not None and v == v and abs(v) >= 9999.5 for v in values)
    return [number_text(v, decimals, four_digits_grouped=wide) for v in values]


def decimals_needed(values, most: int = 2) -> int:
    """The fewest decimals (at most `most`) that show every value in a column as it is stored, so a column
    rounded to one decimal shows «3,0» beside «2,8», and a column of whole percentages shows no decimals."""
    needed = 0
    for v in values:
        if v is None or v != v:
            continue
        while needed < most and round(v, needed) != v:
            needed += 1
    return needed


_SECTION_NUMBER = re.compile(r"§ (\d+)-(\d+)")
_LONG_WORD = re.compile(r"\b[^\W\d_]{8,}\b")


def unbroken_sections(text: str) -> str:
    """«§ 12-4» held together (a no-break space and hyphen): a table's heading wrapped as «(§ / 12-4)»."""
    return _SECTION_NUMBER.sub("§\u00a0\\1\u2011\\2", text)


@lru_cache(maxsize=1)
def hyphenation():
    import pyphen

    return pyphen.Pyphen(lang="nb_NO", left=3, right=3)  # no «skoleei-er», no «Ak-tivitets»


def breakable(text: str) -> str:
    """A label for a narrow place (a report's column heading, a metric), breakable where a reader expects: «§ 12-4»
    never split, and a long word only where Norwegian hyphenates it, with a hyphen drawn («Aktivitets-/plan»,
    «Bekymrings-/melding», «Statsfor-/valteren»). Chromium has no Norwegian hyphenation: breaking anywhere gave
    «Aktivitetsp/lan (§ 12-/4)», and breaking at a compound's joint alone «Bekymring/smelding» where «Bekymrings-»
    was wider than its column."""
    text = unbroken_sections(text)
    return _LONG_WORD.sub(lambda m: hyphenation().inserted(m.group(0), hyphen="\u00ad"), text)


def _today() -> dt.date:
    """Today, for what is due by now (the tests hold it at the demo's own day)."""
    return dt.date.today()


def due_month(today: dt.date | None = None) -> dt.date:
    """The newest month whose case reports are due by `today` (`pipelines.templates.due_month`)."""
    return templates.due_month(today or _today())


def finished_month(today: dt.date | None = None) -> dt.date:
    """The newest month that is over by `today` (last month): a month under way, which a school may send with a
    warning, is no month-end figure yet."""
    return months_back((today or _today()).replace(day=1), 1)


def months_back(month: dt.date, n: int) -> dt.date:
    """The first of the month `n` months before `month`."""
    index = month.year * 12 + month.month - 1 - n
    return dt.date(index // 12, index % 12 + 1, 1)


def _next_month(d: dt.date) -> dt.date:
    return dt.date(d.year + 1, 1, 1) if d.month == 12 else dt.date(d.year, d.month + 1, 1)


def _next_school_month(d: dt.date) -> dt.date:
    """The month after `d` (first days), July skipped: schools are closed then and are not asked to report it."""
    after = _next_month(d)
    return dt.date(after.year, 8, 1) if after.month == 7 else after


def month_spans(months: list[dt.date]) -> str:
    """[sep 2026, okt 2026, des 2026] → «sep–okt 2026 og des 2026»: runs of school months, each as short as it reads."""
    runs: list[list[dt.date]] = []
    for m in sorted(set(months)):
        if runs and m in (_next_month(runs[-1][-1]), _next_school_month(runs[-1][-1])):
            runs[-1].append(m)
        else:
            runs.append([m])

    def text(first: dt.date, last: dt.date) -> str:
        if first == last:
            return f"{MONTH_NAMES[first.month - 1]} {first.year}"
        if first.year == last.year:
            return f"{MONTH_NAMES[first.month - 1]}–{MONTH_NAMES[last.month - 1]} {last.year}"
        return f"{MONTH_NAMES[first.month - 1]} {first.year}–{MONTH_NAMES[last.month - 1]} {last.year}"

    parts = [text(run[0], run[-1]) for run in runs]
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " og " + parts[-1]


def names_text(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " og " + names[-1]


def missing_reports(coverage) -> list[str]:
    """«Haugen skole: sep–okt 2026» for each set of missing months, the schools missing the same months together.

    `coverage` is a frame of `queries.saker_rapportering`: one row per school with the months it has not reported.
    """
    together: dict[tuple[dt.date, ...], list[str]] = {}
    for skole, mangler in coverage.select("skole", "mangler").iter_rows():
        if mangler:
            together.setdefault(tuple(mangler), []).append(skole)
    every = coverage.height > 1
    return [
        f"{'alle skolene' if every and len(names) == coverage.height else names_text(names)}: {month_spans(list(months))}"
        for months, names in sorted(together.items(), key=lambda item: (item[0][0], item[1]))
    ]


ARIA_NORWEGIAN: dict[str, str] = {
    "Open": "Åpne listen", "Close": "Lukk", "Clear all": "Fjern alle", "Selected values": "Valgte",
    "Remove ": "Fjern ", "Help for ": "Hjelp til ", "Collapse sidebar": "Skjul sidemenyen",
    "Expand sidebar": "Vis sidemenyen", "App pages": "Sidene", "Sidebar": "Sidemeny", "Fullscreen": "Fullskjerm",
    "Close fullscreen": "Lukk fullskjerm", "Link to heading": "Lenke til overskriften", "Search": "Søk",
    "Show/hide columns": "Vis eller skjul kolonner", "Download as CSV": "Last ned som CSV",
    "Show password": "Vis passordet", "Hide password": "Skjul passordet",
}
"""Streamlit's English names for a screen reader (`aria-label`) on every page, in Norwegian: a name, or the start of
one when it ends in a space («Remove Nordli skole» → «Fjern Nordli skole»). A screen reader read «Open», «Help for
Trivsel» and «Remove Skole A» out in English among the Norwegian."""

DIALOG_NORWEGIAN: dict[str, str] = {
    "Page not found": "Siden finnes ikke",
    "The page that you have requested does not seem to exist. Running the app's main page.":
        "Siden du ba om, finnes ikke, eller din rolle har ikke tilgang til den. Du ser forsiden i stedet.",
    "No results": "Ingen treff",
    "Download as CSV": "Last ned som CSV", "Search": "Søk", "Fullscreen": "Fullskjerm",
    "Close fullscreen": "Lukk fullskjerm", "Show/hide columns": "Vis eller skjul kolonner",
    "Skip to main content": "Hopp til innholdet",
}
"""Streamlit's own English texts in dialogs, drop-down lists and tooltips, by their whole text, in Norwegian: an
address to a page the role does not have (FAU on …/importer) opened «Page not found» in English, a search in a
picker that found nothing said «No results», and a table's buttons were explained as «Download as CSV». The link a
keyboard meets first on every page, to skip the menu, said «Skip to main content»."""
