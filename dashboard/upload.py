"""Importer filer: upload files in the browser, see the format, the quality verdict and what would change, then load.

The same whole-or-nothing rules as `skolemiljo ingest`: the page runs `preview_file` (reads and checks, writes nothing)
and only on «Last inn» calls `ingest_file`. Every load attempt, and every upload stopped by the checks, is written to
the audit log, and a stopped upload also to the load log, as the CLI logs a refused file (`log_refusal`). The helpers are importable without running the page (the page body runs as `__main__`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import re
import tempfile
from pathlib import Path

import polars as pl
import streamlit as st

from dashboard import queries, secondary, sessions
from dashboard.labels import COLUMN, ENHET_NIVA, FYLKER, KJONN, row_numbers
from dashboard.ui import static_table
from dashboard.viewer import Viewer
from pipelines import accounts
from pipelines.errors import counted
from pipelines.ingest import Outcome, Preview, ingest_file, preview_file
from pipelines.quality.person_data import name_without_fodselsnummer
from pipelines.sources.base import month_label
from pipelines.templates.programstatus import STATUS
from pipelines.templates.saker import SAKSTYPER, UTFALL
from pipelines.templates.teammoter import TEAMS
from pipelines.warehouse.connection import WarehouseBusy, data_version

LOG = logging.getLogger("skolemiljo.dashboard")

# Largest file accepted, as dashboard/.streamlit/config.toml's server.maxUploadSize: the browser does not send a larger
# one (a 200 MB limit held every refused national file in the server's memory: 190 MB each). Streamlit marks it red,
# with its tooltip put in Norwegian (`NAMES_SCRIPT`). (Comments, not docstrings: Streamlit's magic would print them.)
MAX_UPLOAD_MB = 50
FILE_TYPES = ["csv", "txt", "json", "xlsx", "yaml", "yml"]
ROLES = ("admin", "skoleeier")
STAGE_SHARE = {"leser": 0.1, "ser etter personopplysninger": 0.25, "kontrollerer": 0.6,
               "laster inn": 0.85}
RESULT_TEXT = {"lastet": "lastet", "avvist": "avvist", "allerede_lastet": "allerede lastet", "klar": "klar"}


def size_problem(name: str, size: int, limit_mb: int = MAX_UPLOAD_MB) -> str | None:
    """A Norwegian message when the file is larger than the limit; None when it is within it."""
    if size <= limit_mb * 1024 * 1024:
        return None
    mb = f"{size / 1024 / 1024:.1f}".replace(".", ",")  # «60,0 MB», as a Norwegian writes it
    return (f"«{name}» er {mb} MB. Største tillatte filstørrelse er {limit_mb} MB. "
            "Del filen opp (f.eks. ett skoleår per fil) eller last den inn med «skolemiljo ingest» på serveren.")


def safe_name(name: str) -> str:
    """The upload's own file name without any folder part or odd characters (the suffix decides the format)."""
    base = Path(name.replace("\\", "/")).name.strip()
    base = re.sub(r"[^\w.\-() ]", "_", base).lstrip(".")
    return base or "opplasting"


def heading(name: str) -> str:
    """A file name as a Markdown heading shows it as it is: «saker_mai_(1).csv», not with «_1_» in italics."""
    return re.sub(r"([\\`*_{}\[\]()<>#+!|~-])", r"\\\1", name)


def save_upload(raw: bytes, name: str, folder: Path) -> Path:
    """Write the upload to `folder` under its original name; ingest names and archives it from there."""
    path = folder / safe_name(name)
    path.write_bytes(raw)
    return path


def progress_share(stage: str) -> float:
    if stage in STAGE_SHARE:
        return STAGE_SHARE[stage]
    return 0.4 if stage.startswith("leser ") else 0.5


def audit_detail(name: str, result: str, message: str = "", limit: int = 300) -> str:
    """`<file name>: <resultat>`, with the reason shortened for the audit log."""
    text = f"{name_without_fodselsnummer(safe_name(name))}: {RESULT_TEXT.get(result, result)}"
    if message:
        short = message if len(message) <= limit else message[: limit - 1] + "…"
        text += f" – {short}"
    return text


def upload_scope(viewer: Viewer) -> frozenset[str] | None:
    """The municipalities whose numbers `viewer`'s uploads may change (`Viewer.changes_files_of`)."""
    return viewer.changes_files_of


def preview_upload(raw: bytes, name: str, db: Path, viewer: Viewer) -> Preview:
    with tempfile.TemporaryDirectory(prefix="skolemiljo-import-") as folder:
        return preview_file(save_upload(raw, name, Path(folder)), db, scope=upload_scope(viewer))


def load_upload(raw: bytes, name: str, db: Path, viewer: Viewer, progress=None, refusal_only: bool = False) -> Outcome:
    """Load an uploaded file within `viewer`'s scope; the log names them, and they see it on Datakvalitet whatever
    its municipalities. `refusal_only`: see `ingest_file`."""
    queries.release_reader()  # this page run's read-only connection would keep the ingest waiting for it
    with tempfile.TemporaryDirectory(prefix="skolemiljo-import-") as folder:
        return ingest_file(save_upload(raw, name, Path(folder)), db, progress=progress, user=viewer.brukernavn,
                           scope=upload_scope(viewer), refusal_only=refusal_only)


def log_refusal(raw: bytes, name: str, db: Path, viewer: Viewer, preview: Preview) -> None:
    """A file the preview stopped is logged as `skolemiljo ingest` logs a refused file: a line in the load log, so
    Datakvalitet shows it (and why) to the one who uploaded it later, and a line in the audit log.

    The checks run once more for that (`refusal_only`: a file they now accept is not loaded, only a click loads).
    """
    message = preview.message
    if db.exists():
        try:
            load_upload(raw, name, db, viewer, refusal_only=True)
        except Exception as exc:  # e.g. the warehouse stayed locked: the audit log still has it
            message += f" (ikke skrevet i innlastingsloggen: {exc})"
    accounts.audit(db, "opplasting", viewer.brukernavn, audit_detail(name, "avvist", "stoppet før innlasting: "
                                                                     + message))


NOT_PREVIEWED = ["rad", "skoleaar_start", "enhet_id", "indikator_kode", "flagg", "kilde", "plan_json", "plan_yaml"]
"""What a file's rows carry for the warehouse, not for the reader: row numbers, keys beside their names, flags, and a
plan's whole text again (as JSON and as the YAML uploaded)."""

CODE_LABELS: dict[str, dict[str, str]] = {
    "sakstype": SAKSTYPER, "utfall": UTFALL, "status": STATUS, "team": TEAMS, "kjonn": KJONN,
    "enhet_niva": ENHET_NIVA, "geo_niva": ENHET_NIVA | {"bydel": "Bydel", "region": "Region"},
    "maal": {"snitt": "Snitt", "andel": "Andel (%)"},
}
"""The codes a file's rows hold, as the pages name them (an unknown code is shown as it stands)."""


def common_columns(rows: pl.DataFrame) -> tuple[pl.DataFrame, list[str]]:
    """The shown rows without the text columns that say the same on every row, and those said once («Skole: Nordli
    skole», «Måned: nov 2026»): a rektor's file of one school and month repeated them on every row, and pushed the
    counts off the grid's right edge. Numbers stay in the grid, however alike."""
    if rows.height < 2:
        return rows, []
    same = [c for c, t in rows.schema.items()
            if t == pl.String and rows[c].null_count() == 0 and rows[c].n_unique() == 1]
    if len(same) >= rows.width - 1:  # a grid of one column says nothing more than the line would
        same = same[: max(0, rows.width - 2)]
    return rows.drop(same), [f"{c}: {rows[c][0]}" for c in same]


def sample_shown(sample: pl.DataFrame, names: dict[str, str] | None = None) -> pl.DataFrame:
    """The rows to be loaded as a user reads them: Norwegian column names; schools and municipalities by name
    (`names`, from the register: «Sjøbygd skule», not 990023018); codes as the pages name them («Aktivitetsplan
    (§ 12-4)», not `aktivitetsplan`); a case month as «aug 2024»; yes/no as «Ja»/«Nei»; a blank trinn as «Alle
    trinn», as the templates mean it; without row numbers and keys. Numbers, dates and blanks are written out as
    Norwegian by `ui.norwegian` (decimal comma, 05.08.2024, «–»)."""
    names = dict(names or {})
    if "plan_json" in sample.columns:  # a new plan's programmes by the plan's own names
        names |= {p["kode"]: p["navn"] for text in sample["plan_json"].drop_nulls()
                  for p in json.loads(text).get("programmer") or [] if p.get("kode") and p.get("navn")}
    out = sample.drop(NOT_PREVIEWED, strict=False)

    def named(column: str) -> pl.Expr:
        return pl.col(column).replace_strict(names, default=pl.col(column), return_dtype=pl.String)

    headings = {c: COLUMN.get(c, c) for c in out.columns}
    if "enhet_navn" in out.columns:  # Udir's rows name their unit already
        out = out.drop("orgnr", strict=False)
    elif "orgnr" in out.columns and "navn" not in out.columns:  # not the register, whose rows give both
        out = out.with_columns(named("orgnr"))
        headings["orgnr"] = "Skole"
    if "geo" in out.columns:  # Ungdata's area: a municipality (its number also in kommunenr), a county or Norway
        areas = {"0": "Hele landet", **FYLKER, **names}
        out = out.drop("kommunenr", strict=False).with_columns(
            pl.col("geo").replace_strict(areas, default=pl.col("geo"), return_dtype=pl.String))
    if "fylkekode" in out.columns:
        out = out.with_columns(pl.col("fylkekode").replace_strict(FYLKER, default=pl.col("fylkekode")))
        headings["fylkekode"] = "Fylke"
    if "kommunenr" in out.columns and headings.get("orgnr") == "Skole" and out["kommunenr"].n_unique() == 1:
        # One municipality's schools: the same name on every row pushed the counts off the screen's right edge
        out = out.drop("kommunenr")
    if "kommunenr" in out.columns and "kommune" not in out.columns:
        out = out.with_columns(named("kommunenr"))
        headings["kommunenr"] = "Kommune"
    out = out.with_columns(
        pl.col(c).replace_strict(labels, default=pl.col(c), return_dtype=pl.String)
        for c, labels in CODE_LABELS.items() if c in out.columns and out.schema[c] == pl.String
    )
    if "program" in out.columns:
        out = out.with_columns(named("program"))
    # A plan's programmes and schools, one text each: «Olweusprogrammet, Læringsmiljøprosjektet», not a list of codes
    out = out.with_columns(
        pl.col(c).list.eval(pl.element().replace_strict(names, default=pl.element(), return_dtype=pl.String))
        .list.join(", ").replace("", None).alias(c)
        for c, t in out.schema.items() if isinstance(t, pl.List) and t.inner == pl.String
    )
    if "trinn" in out.columns and out.schema["trinn"].is_integer():
        out = out.with_columns(pl.format("{}. trinn", "trinn").fill_null("Alle trinn").alias("trinn"))
    elif out.schema.get("trinn") == pl.String:  # Ungdata's «8-10», «8», «alle»
        text = pl.col("trinn").str.strip_chars()
        out = out.with_columns(
            pl.when(text.str.contains(r"^\d+-\d+$")).then(text.str.replace(r"^(\d+)-(\d+)$", "${1}.–${2}. trinn"))
            .when(text.str.contains(r"^\d+$")).then(pl.format("{}. trinn", text))
            .when(text.str.to_lowercase() == "alle").then(pl.lit("Alle trinn"))
            .otherwise(text).alias("trinn"))
    if {"trinn_fra", "trinn_til"} <= set(out.columns):  # a programme's trinn; none given: all the programme has
        fra, til = pl.col("trinn_fra"), pl.col("trinn_til")
        out = out.with_columns(
            pl.when(fra.is_null() & til.is_null()).then(pl.lit("Alle trinn"))
            .when(fra == til).then(pl.format("{}. trinn", fra))
            .otherwise(pl.format("{}.–{}. trinn", fra.fill_null(til), til.fill_null(fra))).alias("trinn_fra")
        ).drop("trinn_til")
        headings["trinn_fra"] = "Trinn"
    if out.schema.get("periode") == pl.String and "aar" in out.columns:  # Ungdata: «2019–2021» says the year too
        out = out.drop("aar")
    if out.schema.get("periode") == pl.Date:  # a case count's month
        out = out.with_columns(month_label(pl.col("periode")).alias("periode"))
        headings["periode"] = "Måned"
    # A blank stays blank («–»): a review read «Nei» for a koordinator cell the school had left empty.
    out = out.with_columns(pl.when(pl.col(c)).then(pl.lit("Ja")).when(~pl.col(c)).then(pl.lit("Nei")).alias(c)
                           for c, t in out.schema.items() if t == pl.Boolean)
    out = out.with_columns(pl.col(c).dt.date() for c, t in out.schema.items() if isinstance(t, pl.Datetime))
    return out.rename({c: headings[c] for c in out.columns})


def refusal_caption(preview: Preview) -> str:
    """Under a refusal: nothing changed, and how rows are counted where the refusal names rows. A plan's YAML names
    its lines («linje 6, kolonne 1»), and was told of Excel's rows and Udir's JSON objects beneath them."""
    said = " ".join([preview.message, *preview.critical])
    rows = re.search(r"\b[Rr]ad(er)?:? \d", said)
    return ("Ingenting er endret i lageret. Rett filen og last den opp på nytt."
            + (f" {row_numbers(preview.path.name)}" if rows else ""))


def _show_preview(preview: Preview) -> None:
    if preview.source_label:
        st.write(f"**Format:** {preview.source_label}")
    if preview.result == "allerede_lastet":
        st.info(preview.message)
        return
    if preview.result == "avvist":
        st.error("**Filen kan ikke lastes inn.** " + preview.message)
        for text in preview.critical:
            if text not in preview.message:
                st.error(text)
        st.caption(refusal_caption(preview))
        return
    # Rows the file removes (a school's month it no longer gives) have a tile too: the tiles said «Erstatter rader 0»
    # above a text saying two older rows would go.
    removed = preview.rows_removed or 0
    c1, c2, c3, c4, *c5 = st.columns(5 if removed else 4)
    c1.metric("Rader i filen", preview.rows_in)
    c2.metric("Rader som lastes", preview.rows_to_load)
    c3.metric("Nye rader", "ukjent" if preview.rows_new is None else preview.rows_new)
    c4.metric("Erstatter rader", "ukjent" if preview.rows_replaced is None else preview.rows_replaced)
    if removed:
        c5[0].metric("Fjerner rader", removed)
    st.write(preview.changes)
    if preview.skipped:
        st.warning("Hoppes over: " + "; ".join(f"{n} {reason}" for reason, n in preview.skipped.items()))
    for text in preview.warnings:
        st.warning(text)
    for text in preview.notes:
        st.caption(text)
    st.success(f"Kvalitetskontrollen: {len(preview.findings)} kontroller, ingen kritiske avvik"
               + (f", {counted(len(preview.warnings), 'advarsel', 'advarsler')}." if preview.warnings else "."))
    if preview.sample is not None and not preview.sample.is_empty():
        shown = min(preview.sample.height, 20)
        st.write("Første rad som lastes inn:" if shown == 1 else f"Første {shown} rader som lastes inn:")
        rows, common = common_columns(sample_shown(preview.sample, preview.names))
        if common:
            st.caption(f"{'Begge' if shown == 2 else f'Alle de {shown}'} radene: " + " · ".join(common) + ".")
        # A static table: its headings wrap, and every column stays inside the page. In the grid the counts, sized to
        # their headings, ran past its right edge at 1280 pixels, where a right-aligned number could not be seen.
        static_table(rows)


def _show_outcome(outcome: Outcome) -> None:
    if outcome.result == "lastet":
        st.success(f"**Lastet inn.** {outcome.message}")
        st.caption("De andre sidene viser de nye tallene neste gang de åpnes. Se også Datakvalitet, der en fil som er "
                   "lastet inn ved en feil, kan trekkes tilbake.")
    elif outcome.result == "allerede_lastet":
        st.info(outcome.message)
    else:
        st.error("**Filen ble avvist; ingenting er endret.** " + outcome.message)


def _one_file(upload, db: Path, viewer: Viewer) -> None:
    user = viewer.brukernavn
    raw = upload.getvalue()
    sha = hashlib.sha256(raw).hexdigest()
    # This upload, not this content: the same file dropped again after a correction is checked again (it said
    # «Lastet inn» from the first time), and two copies dropped together are two cards, each with its own button.
    ident = (getattr(upload, "file_id", None) or upload.name, sha)
    outcomes: dict = st.session_state.setdefault("import_outcomes", {})
    previews: dict = st.session_state.setdefault("import_previews", {})
    audited: set = st.session_state.setdefault("import_audited", set())
    if ident in outcomes:
        _show_outcome(outcomes[ident])
        return
    key = (sha, upload.name, data_version(db))
    if key not in previews:
        with st.spinner("Leser og kontrollerer filen …"):
            previews[key] = preview_upload(raw, upload.name, db, viewer)
            if previews[key].result == "avvist" and ident not in audited:  # logged before the page says so
                audited.add(ident)
                log_refusal(raw, upload.name, db, viewer, previews[key])
    preview = previews[key]
    _show_preview(preview)
    if preview.result != "klar":
        return
    slot = st.empty()
    if not slot.button("Last inn", key=f"last_inn_{ident[0]}_{sha[:16]}", type="primary"):
        return
    slot.empty()  # one click, one load: the button goes while the file loads
    bar = st.progress(0.0, text="Starter …")

    def report(stage: str) -> None:
        bar.progress(progress_share(stage), text=stage[:1].upper() + stage[1:] + " …")

    try:
        outcome = load_upload(raw, upload.name, db, viewer, progress=report)
    except WarehouseBusy as exc:  # the warehouse stayed locked: the whole batch was rolled back
        accounts.audit(db, "opplasting", user, audit_detail(upload.name, "feilet", str(exc)))
        bar.empty()
        st.error(f"Innlastingen feilet, og ingenting er endret: {exc}")
        return
    except Exception:  # nothing was loaded (the batch is one transaction); the trace is the server log's
        # An unforeseen error's own text (a database or file-system message) may name the server's paths or a cell of
        # the file: neither is for the page, nor for the audit log the administrator reads.
        when = dt.datetime.now().strftime("%d.%m.%Y kl. %H:%M:%S")
        LOG.exception("Innlastingen av en opplastet fil feilet %s", when)
        accounts.audit(db, "opplasting", user, audit_detail(upload.name, "feilet", f"uventet feil {when}"))
        bar.empty()
        st.error(f"Innlastingen feilet, og ingenting er endret ({when}). Prøv igjen om litt. Skjer det igjen, gi beskjed "
                 "til den som drifter skolemiljo og oppgi tidspunktet: feilen er skrevet i serverens logg.")
        return
    bar.progress(1.0, text="Ferdig")
    if sessions.served:  # a new Udir file's protection is worked out now, not when the owner opens the page
        secondary.prepare_in_background(db)
    accounts.audit(db, "opplasting", user, audit_detail(upload.name, outcome.result, outcome.message))
    outcomes[ident] = outcome
    _show_outcome(outcome)


TEMPLATES_WHERE = (
    "Maler for kommunens egne rapporter, fylt ut med skolene: saker etter kapittel 12 under «Saker (kap. 12)», fanen "
    "«Mal for rapportering»; møtelogg nederst på «Arbeidslag og elevtjeneste»; programstatus nederst på «Programmer "
    "og plan». Hvert format er beskrevet under «Hjelp»."
)
"""A review of the monthly routine looked for the templates here, where the filled-in files are loaded."""


def main() -> None:
    from dashboard import queries, ui

    st.title("Importer filer")
    viewer = ui.viewer()
    if viewer.role not in ROLES:
        st.warning("Import av filer er for skoleeier og administrator.")
        st.stop()
    st.write(
        "Last opp filer fra Udir, Skoleporten, Ungdata, skoleregisteret, saksrapporter, teammøter, planer og "
        "programstatus. Formatet kjennes igjen automatisk. Du ser kvalitetskontrollen og hva som vil endres før "
        "noe lastes inn, og en fil lastes enten helt eller ikke i det hele tatt."
    )
    st.caption(f"Filtyper: {', '.join(FILE_TYPES)}. Største filstørrelse: {MAX_UPLOAD_MB} MB per fil. "
               "Filer med personopplysninger (f.eks. fødselsnummer eller elevnavn) avvises."
               + (" Du kan laste inn filer som endrer tall for dine egne kommuner (fylkets og landets tall kan alle "
                  "laste inn); filer for andre kommuner eller hele landet lastes inn av administrator."
                  if upload_scope(viewer) is not None else ""))
    st.caption(TEMPLATES_WHERE)
    db = queries.warehouse()
    _norwegian_dropzone()
    # No `type=`: Streamlit refuses another file type with an English tooltip only. The page reads any file as the
    # CLI does and says in Norwegian why one cannot be read (an old .xls, a PDF); a CSV saved as .txt is read.
    uploads = st.file_uploader("Velg filer", accept_multiple_files=True, key="importer_filer",
                               max_upload_size=MAX_UPLOAD_MB)
    if not uploads:  # a file over the limit never reaches the page: only its red mark in the box says so
        st.info(f"Ingen filer valgt ennå. En fil med rødt merke i boksen er større enn {MAX_UPLOAD_MB} MB og blir ikke "
                "lastet opp: hold pekeren over merket.")
        return
    for upload in uploads:
        with st.container(border=True):
            st.subheader(heading(name_without_fodselsnummer(safe_name(upload.name))))
            problem = size_problem(upload.name, upload.size)
            if problem:
                st.error(problem)
                _audit_once(upload, db, viewer, audit_detail(upload.name, "avvist", problem))
                continue
            _one_file(upload, db, viewer)


def _audit_once(upload, db: Path, viewer: Viewer, detail: str) -> None:
    """An upload refused before it is read (too large) is in the audit log once, not at every rerun of the page."""
    audited: set = st.session_state.setdefault("import_audited", set())
    ident = (getattr(upload, "file_id", None) or upload.name, upload.size)
    if ident not in audited:
        audited.add(ident)
        accounts.audit(db, "opplasting", viewer.brukernavn, detail)


def _norwegian_dropzone() -> None:
    """Streamlit's upload button and hint only speak English; draw Norwegian text in their place, for eyes and ears.

    The English text is made invisible (`visibility: hidden`), which also takes it out of what a screen reader reads,
    and the Norwegian is drawn after it by its parent (`::after`, read out too). A font size of 0 hid it from the eye
    only: a screen reader read «Upload» and «50MB per file» before the Norwegian. The names Streamlit gives its
    controls for a screen reader («file upload», «Remove …», «Add files») are renamed by a short script
    (`NORWEGIAN_NAMES`), kept as the box redraws.
    """
    zone = '[data-testid="stFileUploaderDropzone"]'
    button = f'{zone} button [data-testid="stMarkdownContainer"]'
    hint = '[data-testid="stFileUploaderDropzoneInstructions"] > div'
    st.markdown(
        f"""<style>
        {button} p, {hint} span {{visibility: hidden; font-size: 0;}}
        {button}::after {{content: "Velg filer"; font-size: 1rem;}}
        {hint}::after {{content: "eller dra filene hit · høyst {MAX_UPLOAD_MB} MB per fil · CSV, JSON, XLSX, YAML";
                        font-size: 0.875rem;}}
        </style>""",
        unsafe_allow_html=True,
    )
    st.html(f"<script>{NAMES_SCRIPT}</script>", unsafe_allow_javascript=True)


NORWEGIAN_NAMES = {
    '[data-testid="stFileUploaderDropzoneInput"]': ("file upload", "Velg filer"),
    '[data-testid="stFileUploader"] button[aria-label^="Remove "]': ("Remove ", "Fjern "),
    '[data-testid="stFileUploader"] button[aria-label="Add files"]': ("Add files", "Legg til filer"),
}
"""The upload box's English names for a screen reader (an attribute, `aria-label`): selector → (English, Norwegian)."""

NORWEGIAN_TEXTS = [
    (r"^(Error: )?File must be [\d.]+ ?MB or smaller\.$",
     f"Filen er større enn {MAX_UPLOAD_MB} MB og kan ikke lastes opp her. Last den inn med «skolemiljo ingest» på "
     "serveren, eller del den opp (f.eks. ett skoleår per fil)."),
    (r"^Error: (.*)$", r"Feil: $1"),
]
"""Streamlit's English refusals of a file it does not send (above `MAX_UPLOAD_MB`), shown as a tooltip on the file's
red mark and read out by a screen reader: pattern → Norwegian text (JavaScript `replace`, first match wins)."""

NAMES_SCRIPT = """
(() => {
  const names = NAMES;
  const texts = TEXTS.map(([pattern, norwegian]) => [new RegExp(pattern), norwegian]);
  const rename = () => {
    Object.entries(names).forEach(([selector, [english, norwegian]]) =>
      document.querySelectorAll(selector).forEach(element => {
        const name = element.getAttribute('aria-label') || '';
        if (name.startsWith(english)) element.setAttribute('aria-label', norwegian + name.slice(english.length));
      }));
    document.querySelectorAll('[data-testid="stFileUploader"] [role="alert"], [data-testid="stTooltipErrorContent"]')
      .forEach(element => {
        const found = texts.find(([pattern]) => pattern.test(element.textContent));
        if (found && element.children.length <= 1) {
          const target = element.children.length ? element.children[0] : element;
          target.textContent = target.textContent.replace(found[0], found[1]);
        }
      });
    // A file's size as Norwegian writes it: «324.0B» → «324 B», «1.2KB» → «1,2 kB» (the chip and its name for a
    // screen reader). Streamlit writes no space before the unit; the text written here has one, so it is left alone.
    const size = text => text.replace(/(^|[\\s,])(\\d+(?:\\.\\d+)?)(B|KB|MB|GB)$/, (_, before, number, unit) =>
      before + (unit === 'B' ? String(Math.round(parseFloat(number)))
                             : parseFloat(number).toFixed(1).replace('.', ',')) + '\\u00a0' + (unit === 'KB' ? 'kB' : unit));
    document.querySelectorAll('[data-testid="stFileChip"]').forEach(chip => {
      const label = chip.getAttribute('aria-label') || '';
      if (size(label) !== label) chip.setAttribute('aria-label', size(label));
      const name = chip.querySelector('[data-testid="stFileChipName"]');
      const shown = name && name.nextElementSibling;
      if (shown && !shown.children.length && size(shown.textContent) !== shown.textContent) {
        shown.textContent = size(shown.textContent);
      }
    });
  };
  rename();
  if (!window.skolemiljoUploadNames) {
    window.skolemiljoUploadNames = new MutationObserver(rename);
    window.skolemiljoUploadNames.observe(document.body, {subtree: true, childList: true, attributes: true,
                                                         attributeFilter: ['aria-label']});
  }
})();
""".replace("NAMES", json.dumps(NORWEGIAN_NAMES)).replace("TEXTS", json.dumps(NORWEGIAN_TEXTS))
