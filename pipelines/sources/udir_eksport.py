"""Elevundersøkelsen from Udir's statistikkbank (export API v2 JSON pages, or the web CSV export):
tables 148 indikator, 150 mobbing and 151 deltakelse, read into the canonical survey frame."""

from __future__ import annotations

import datetime as dt
from functools import partial

import duckdb
import polars as pl

from pipelines.errors import counted
from pipelines.parsing import COUNT_NOT_WHOLE, count, is_suppressed, not_whole, number, unparseable
from pipelines.quality.verdict import Finding
from pipelines.sources.base import (
    EU_SCHEMA,
    SourceResult,
    digits,
    kjonn_expr,
    maal_for,
    per_value,
    per_value_test,
    raise_on_bad,
    require_columns,
    school_year_expr,
    trinn_expr,
    with_row_numbers,
)

UNIT_COLUMNS = [
    "Skoleaarnavn", "EnhetNivaa", "Nasjonaltkode", "Fylkekode", "Kommunekode",
    "Organisasjonsnummer", "EnhetNavn", "Trinnnavn",
]
QUESTION_COLUMNS = ["Spoersmaalgruppekode", "Spoersmaalgruppe", "Spoersmaalkode", "Spoersmaalnavn"]

KINDS = {
    # kind: (label, the value column, columns that mark the table)
    "indikator": ("Elevundersøkelsen, indikatortabell (148)", "Score", ["Score", "Spoersmaalkode"]),
    "mobbing": ("Elevundersøkelsen, mobbetabell (150)", "AndelMobbet", ["AndelMobbet"]),
    "deltakelse": ("Elevundersøkelsen, deltakelsestabell (151)", "AndelDeltatt", ["AndelDeltatt", "AntallInvitert"]),
}



def headings(kind: str) -> dict[str, str]:
    """The export's own column of each field the suite's findings name (`suites.validate_eu`)."""
    named = {
        "verdi": KINDS[kind][1], "antall_besvart": "AntallBesvart", "standardavvik": "Standardavvik",
        "skoleaar_start": "Skoleaarnavn", "trinn": "Trinnnavn", "kjonn": "Kjoenn", "enhet_niva": "EnhetNivaa",
        "orgnr": "Organisasjonsnummer", "kommunenr": "Kommunekode",
    }
    return named if kind == "deltakelse" else {**named, "indikator_kode": "Spoersmaalkode"}


LEVELS = {"1": "nasjonalt", "2": "fylke", "3": "kommune", "4": "skole"}
ALL_QUESTIONS = "alle spørsmål"


def detect(columns: list[str]) -> str | None:
    """Which Udir table a header belongs to, or None."""
    cols = set(columns)
    if not {"EnhetNivaa", "Skoleaarnavn", "Trinnnavn"} <= cols:
        return None
    for kind, (_, _, markers) in KINDS.items():
        if set(markers) <= cols:
            return kind
    return None


def read(table: pl.DataFrame, kind: str) -> SourceResult:
    label, value_col, _ = KINDS[kind]
    needed = UNIT_COLUMNS + [value_col, "AntallBesvart"]
    if kind != "deltakelse":
        needed += QUESTION_COLUMNS
    # A selection without the kjønn variable has no kjønn columns at all: its values are for all kjønn. A file with
    # Udir's kjønn code but not its name is another matter, and the name is asked for.
    if {"KjoennNivaa", "KjoennKode"} & set(table.columns):
        needed += ["Kjoenn"]
    require_columns(table, needed, label)
    rows_in = table.height
    t = with_row_numbers(table)
    if "Kjoenn" not in t.columns:
        t = t.with_columns(pl.lit("Alle kjønn").alias("Kjoenn"))
    if "Standardavvik" not in t.columns:
        t = t.with_columns(pl.lit(None, dtype=pl.String).alias("Standardavvik"))

    skipped: dict[str, int] = {}
    if kind == "indikator":
        # Question-level rows are detail behind each index; the index rows carry the indicator.
        t = per_value(t, "Spoersmaalnavn", _indeks=pl.col("Spoersmaalnavn").str.strip_chars().str.to_lowercase()
                      == ALL_QUESTIONS)
        is_index = t["_indeks"].fill_null(False)
        n_questions = int((~is_index).sum())
        if n_questions:
            skipped["enkeltspørsmål (ikke indeksrader)"] = n_questions
        t = t.filter(is_index).drop("_indeks")

    if kind == "deltakelse":
        t = t.with_columns(
            pl.lit("deltakelse").alias("_kode"),
            pl.lit("Deltakelse").alias("_navn"),
        )
    else:
        is_index_row = pl.col("Spoersmaalnavn").str.strip_chars().str.to_lowercase() == ALL_QUESTIONS
        group_code = pl.col("Spoersmaalgruppekode").str.strip_chars()
        question_code = pl.col("Spoersmaalkode").str.strip_chars()
        t = t.with_columns(
            pl.when(is_index_row & ~question_code.str.starts_with("EUIndeks") & group_code.is_not_null())
            .then(group_code)
            .otherwise(question_code)
            .alias("_kode"),
            pl.when(is_index_row)
            .then(pl.col("Spoersmaalgruppe").str.strip_chars())
            .otherwise(pl.col("Spoersmaalnavn").str.strip_chars())
            .alias("_navn"),
        )

    year_label, year_start = school_year_expr("Skoleaarnavn")
    trinn, trinn_ok = trinn_expr("Trinnnavn")
    t = per_value(t, "EnhetNivaa", enhet_niva=pl.col("EnhetNivaa").str.strip_chars().replace_strict(LEVELS, default=None))
    t = per_value(t, "Skoleaarnavn", skoleaar=year_label, skoleaar_start=year_start)
    t = per_value(t, "Trinnnavn", trinn=trinn, _trinn_ok=trinn_ok)
    t = per_value(t, "Kjoenn", kjonn=kjonn_expr("Kjoenn"))
    t = per_value(t, "Organisasjonsnummer", orgnr=digits("Organisasjonsnummer", 9))
    t = per_value(t, "Kommunekode", kommunenr=digits("Kommunekode", 4))
    t = per_value(t, "Fylkekode", fylkekode=digits("Fylkekode", 2))
    for col in (value_col, "Standardavvik", "AntallBesvart"):
        parse = count if col == "AntallBesvart" else number
        t = per_value(t, col, **{f"_{col}_tall": parse(col), f"_{col}_feil": unparseable(col),
                                 f"_{col}_skjermet": is_suppressed(col)})
    raise_on_bad(t, pl.col("enhet_niva").is_null(), "Ukjent enhetsnivå (forventet 1–4)", "EnhetNivaa")
    raise_on_bad(t, pl.col("skoleaar").is_null(), "Skoleåret må være på formen 2024-25", "Skoleaarnavn")
    raise_on_bad(t, ~pl.col("_trinn_ok"), "Ukjent trinn (forventet f.eks. «7. trinn» eller «Alle trinn»)", "Trinnnavn")
    raise_on_bad(t, pl.col("kjonn").is_null(), "Ukjent kjønn (forventet Alle kjønn, Jenter eller Gutter)", "Kjoenn")
    for col in (value_col, "Standardavvik", "AntallBesvart"):
        raise_on_bad(t, pl.col(f"_{col}_feil"), "Verdien er ikke et tall, «*» eller tom", col)
    raise_on_bad(t, per_value_test(t, "AntallBesvart", not_whole("AntallBesvart")), COUNT_NOT_WHOLE, "AntallBesvart")

    level = pl.col("enhet_niva")
    t = t.with_columns(
        pl.when(level == "skole").then(pl.col("orgnr")).otherwise(None).alias("orgnr"),
        pl.when(level.is_in(["skole", "kommune"])).then(pl.col("kommunenr")).otherwise(None).alias("kommunenr"),
        pl.when(level == "nasjonalt").then(None).otherwise(pl.col("fylkekode")).alias("fylkekode"),
    ).with_columns(
        pl.when(level == "skole").then(pl.col("orgnr"))
        .when(level == "kommune").then(pl.col("kommunenr"))
        .when(level == "fylke").then(pl.col("fylkekode"))
        .otherwise(pl.lit("0"))
        .alias("enhet_id"),
    )
    skjermet = pl.col(f"_{value_col}_skjermet")
    out = t.select(
        pl.col("rad"),
        pl.col("skoleaar"),
        pl.col("skoleaar_start"),
        pl.col("enhet_niva"),
        pl.col("enhet_id"),
        pl.col("orgnr"),
        pl.col("kommunenr"),
        pl.col("fylkekode"),
        pl.col("EnhetNavn").str.strip_chars().alias("enhet_navn"),
        pl.col("trinn"),
        pl.col("kjonn"),
        pl.col("_kode").alias("indikator_kode"),
        pl.col("_navn").alias("indikator"),
        maal_for(kind, "_navn").alias("maal"),
        pl.when(skjermet).then(None).otherwise(pl.col(f"_{value_col}_tall")).alias("verdi"),
        pl.col("_Standardavvik_tall").alias("standardavvik"),
        pl.col("_AntallBesvart_tall").cast(pl.Int32, strict=False).alias("antall_besvart"),
        skjermet.alias("skjermet"),
    ).cast(EU_SCHEMA)
    page = _page_of(table)
    municipalities = municipalities_check(out)
    return SourceResult(source=f"udir_{kind}", frame=out, rows_in=rows_in, skipped=skipped, info=_page_note(page, table.height),
                        after_load=([] if page else [partial(dropped_groups, scope=_scope(out))])
                        + [municipalities], previewed=[municipalities])


def _scope(frame: pl.DataFrame) -> dict[str, str]:
    """The file's school years and indicators as query parameters (`dropped_groups`): the warehouse is read for
    those only (zone maps skip the other years' row groups), not scanned whole for the batch's rows."""
    years = sorted(frame["skoleaar"].drop_nulls().unique().to_list())
    codes = sorted(frame["indikator_kode"].drop_nulls().unique().to_list())
    return {**{f"y{i}": y for i, y in enumerate(years)}, **{f"k{i}": k for i, k in enumerate(codes)}}


def _page_of(table: pl.DataFrame) -> tuple[int | None, int] | None:
    """(page number, rows in the whole export) when the file is one page of a longer export; None for a whole one.

    Every row of a page carries its page number and the export's total (`Sidenummer`, `RaderTotalt`)."""
    if not {"Sidenummer", "RaderTotalt"} <= set(table.columns) or table.is_empty():
        return None
    page, total = table.select(
        pl.col("Sidenummer").str.strip_chars().cast(pl.Int64, strict=False).drop_nulls().first(),
        pl.col("RaderTotalt").str.replace_all(r"\s", "").cast(pl.Int64, strict=False).drop_nulls().first(),
    ).row(0)
    if total is None or total <= table.height:
        return None
    return page, total


def _page_note(page_of: tuple[int | None, int] | None, rows: int) -> list[str]:
    """A page of a longer export says so: with page 1 alone loaded, the rest of the export was missing unseen."""
    if page_of is None:
        return []
    page, total = page_of
    where = f"side {page}" if page is not None else "én side"
    return [f"Filen er {where} av en eksport på {total} rader; denne siden har {rows}. De andre sidene er "
            "egne filer: last inn dem også, om de ikke alt er lastet inn"]


MAX_EXAMPLES = 5


def _left_out(within: str, earlier: str) -> str:
    """The rows of earlier loads (`earlier`, a condition on `batch_id`) that the export `$batch` left out, among its
    school years and indicators (`within`): see `dropped_groups`."""
    return f"""
        WITH filen AS (
            SELECT skoleaar, enhet_niva, enhet_id, indikator_kode, coalesce(trinn, 0) AS trinn_key, kjonn
            FROM core.eu_resultat WHERE {within} AND batch_id = $batch
        ),
        eldre AS (
            SELECT rowid AS _rad, * FROM core.eu_resultat WHERE {within} AND {earlier}
        )
        SELECT e.* FROM eldre AS e
        SEMI JOIN (SELECT DISTINCT skoleaar, enhet_niva, enhet_id, indikator_kode FROM filen) AS f
             USING (skoleaar, enhet_niva, enhet_id, indikator_kode)
        SEMI JOIN (SELECT DISTINCT skoleaar, trinn_key FROM filen) AS t
             ON t.skoleaar = e.skoleaar AND t.trinn_key = coalesce(e.trinn, 0)
        SEMI JOIN (SELECT DISTINCT skoleaar, kjonn FROM filen) AS k USING (skoleaar, kjonn)
        """


def _within(scope: dict[str, str]) -> str:
    years = ", ".join(f"${k}" for k in scope if k.startswith("y")) or "NULL"
    codes = ", ".join(f"${k}" for k in scope if k.startswith("k")) or "NULL"
    return f"skoleaar IN ({years}) AND indikator_kode IN ({codes})"  # the file's own: `_scope`


def _examples(con: duckdb.DuckDBPyConnection, rows_sql: str, params: dict) -> tuple[int, str]:
    """How many rows `rows_sql` holds, and up to `MAX_EXAMPLES` of them as the user reads them."""
    rows = con.sql(
        f"""
        SELECT coalesce(enhet_navn, enhet_id) AS enhet, trinn, kjonn, indikator, skoleaar, count(*) OVER () AS antall
        FROM ({rows_sql})
        ORDER BY skoleaar, enhet, trinn NULLS FIRST, kjonn, indikator
        LIMIT $limit
        """,
        params={**params, "limit": MAX_EXAMPLES},
    ).fetchall()
    if not rows:
        return 0, ""
    total = rows[0][-1]
    return total, "; ".join(
        f"{enhet}, {f'{trinn}. trinn' if trinn is not None else 'alle trinn'}, "
        f"{'alle kjønn' if kjonn == 'alle' else kjonn}: {indikator} {skoleaar}"
        for enhet, trinn, kjonn, indikator, skoleaar, _ in rows
    ) + (f" og {total - len(rows)} til" if total > len(rows) else "")


REMOVE_COMMAND = "skolemiljo utelatte"
"""The command that lists, and with --fjern removes, the rows a newer export left out (`left_out_of`)."""


def dropped_groups(con: duckdb.DuckDBPyConnection, batch_id: str, scope: dict[str, str] | None = None) -> list[Finding]:
    """A warning for the rows of earlier loads that a whole export left out and that therefore stay: Udir leaves a
    group out when it withdraws or screens it («Suppressed groups may simply be absent»), and a load replaces only
    the rows the file has. Counted where the file has the same school year, unit and indicator, and has the row's
    trinn and its kjønn (for any unit): an export chosen for fewer trinn or kjønn has not left the others out.

    Run in the load's transaction (`SourceResult.after_load`), on the file's own school years and indicators
    (`_scope`): a national 151 file loaded after the year's 148 and 150 asks one question, 1–4 ms; reading the batch's
    rows out of the whole table first took 50–105 ms a file."""
    scope = scope or {}
    within = _within(scope)
    earlier = con.sql(
        f"SELECT EXISTS (SELECT 1 FROM core.eu_resultat WHERE {within} AND batch_id <> $batch)",
        params={"batch": batch_id, **scope},
    ).fetchall()[0][0]
    if not earlier:
        return []
    params = {"batch": batch_id, **scope}
    found = _schools_left_out(con, within, params)
    total, examples = _examples(con, _left_out(within, "batch_id <> $batch"), params)
    if not total:
        return found
    return found + [Finding(
        LEFT_OUT, "trinn, kjønn", "advarsel", False, total, examples[:300],
        f"{counted(total, 'rad', 'rader')} fra en tidligere innlasting er beholdt, men står ikke i denne eksporten, som "
        f"ellers har samme skoleår, enhet og indikator: {examples}. Har Udir trukket tilbake eller skjermet "
        f"{'den' if total == 1 else 'dem'}, vises {'den' if total == 1 else 'de'} likevel som gjeldende: sjekk i "
        f"statistikkbanken, og be den som drifter lageret om å fjerne {'den' if total == 1 else 'dem'} "
        f"(«{REMOVE_COMMAND} {batch_id} --fjern»).",
    )]


LEFT_OUT = "grupper_borte_fra_eksporten"
SCHOOLS_LEFT_OUT = "skoler_borte_fra_eksporten"


def _schools_left_out(con: duckdb.DuckDBPyConnection, within: str, params: dict) -> list[Finding]:
    """A warning for the schools an earlier load had that this export lacks altogether, where it has at least two
    other schools of the same municipality for the school year and indicator (and the school's trinn and kjønn):
    `_left_out` counts only the groups of a school the file has, and a school Udir withdrew or screened whole kept its
    earlier figures unsaid. Not among the rows `skolemiljo utelatte` removes: an export chosen for fewer schools of
    the municipality looks the same, and the skoleeier is asked to check, not to remove."""
    rows = con.sql(
        f"""
        WITH filen AS (
            SELECT skoleaar, enhet_id, kommunenr, indikator_kode, coalesce(trinn, 0) AS trinn_key, kjonn
            FROM core.eu_resultat WHERE {within} AND batch_id = $batch AND enhet_niva = 'skole'
        ),
        kommuner AS (
            SELECT skoleaar, kommunenr, indikator_kode FROM filen GROUP BY ALL HAVING count(DISTINCT enhet_id) >= 2
        )
        SELECT coalesce(any_value(e.enhet_navn), e.enhet_id) AS skole, list(DISTINCT e.skoleaar ORDER BY e.skoleaar),
               count(*) AS rader, count(*) OVER () AS skoler
        FROM (SELECT * FROM core.eu_resultat WHERE {within} AND batch_id <> $batch AND enhet_niva = 'skole') AS e
        SEMI JOIN kommuner USING (skoleaar, kommunenr, indikator_kode)
        ANTI JOIN (SELECT DISTINCT skoleaar, enhet_id, indikator_kode FROM filen) USING (skoleaar, enhet_id, indikator_kode)
        SEMI JOIN (SELECT DISTINCT skoleaar, trinn_key FROM filen) AS t
             ON t.skoleaar = e.skoleaar AND t.trinn_key = coalesce(e.trinn, 0)
        SEMI JOIN (SELECT DISTINCT skoleaar, kjonn FROM filen) USING (skoleaar, kjonn)
        GROUP BY e.enhet_id ORDER BY skole LIMIT $limit
        """,
        params={**params, "limit": MAX_EXAMPLES},
    ).fetchall()
    if not rows:
        return []
    schools, rows_kept = rows[0][-1], sum(r[2] for r in rows)
    names = "; ".join(f"{name} ({', '.join(years)})" for name, years, _, _ in rows) + (
        f" og {schools - len(rows)} til" if schools > len(rows) else "")
    one = schools == 1
    return [Finding(
        SCHOOLS_LEFT_OUT, "enhet", "advarsel", False, schools, names[:300],
        f"{counted(schools, 'skole', 'skoler')} fra en tidligere innlasting står ikke i denne "
        f"eksporten, som har andre skoler i samme kommune for samme skoleår og indikatorer: {names}. Tallene "
        f"{'dens' if one else 'deres'} fra før er beholdt" + ("" if schools > len(rows) else f" ({counted(rows_kept, 'rad', 'rader')})")
        + ". Er eksporten valgt for færre skoler, er det i orden. Har Udir trukket tilbake eller skjermet "
        f"{'skolens' if one else 'skolenes'} resultater, vises de gamle tallene likevel som gjeldende: sjekk i "
        "statistikkbanken.",
    )]


def left_out_of(con: duckdb.DuckDBPyConnection, batch_id: str, remove: bool = False) -> tuple[int, str]:
    """(rows, examples) of earlier loads that the Udir export `batch_id` left out and that are still shown; with
    `remove`, deleted in the caller's transaction, and the load's warning says so.

    Only rows loaded before it count: a later export that has them again speaks for them itself. Ask only of a
    load that warned of them (`dropped_groups`): a page of a longer export would find its other pages' rows.
    """
    scope = _scope(con.sql("SELECT DISTINCT skoleaar, indikator_kode FROM core.eu_resultat WHERE batch_id = $batch",
                           params={"batch": batch_id}).pl())  # the load's own years and indicators, as at the load
    rows_sql = _left_out(_within(scope), "batch_id < $batch")
    params = {"batch": batch_id, **scope}
    total, examples = _examples(con, rows_sql, params)
    if remove and total:
        con.execute(f"DELETE FROM core.eu_resultat WHERE rowid IN (SELECT _rad FROM ({rows_sql}))", params)
        # The load's warning, where `status` and Datakvalitet show it (its message and its finding), says so.
        done = f" Fjernet {dt.datetime.now():%d.%m.%Y kl. %H:%M} ({counted(total, 'rad', 'rader')})."
        con.execute("UPDATE core.kvalitet SET melding = melding || ? WHERE batch_id = ? AND forventning = ?",
                    [done, batch_id, LEFT_OUT])
        con.execute("UPDATE core.ingest_log SET melding = melding || ? WHERE batch_id = ?", [done, batch_id])
    return total, examples


OUTSIDE_REGISTER = "kommuner_utenfor_skoleregisteret"
MAX_NAMED = 5


def municipalities_check(frame: pl.DataFrame):
    """`outside_register` for this file's municipalities, as a `SourceResult.after_load` check (the Udir readers and
    Skoleporten's): what it needs of the frame is taken here, so the load's transaction reads only the register."""
    rows = frame.filter(pl.col("kommunenr").is_not_null())
    counts = dict(rows.group_by("kommunenr").len().iter_rows())
    names = dict(rows.filter(pl.col("enhet_niva") == "kommune").group_by("kommunenr")
                 .agg(pl.col("enhet_navn").drop_nulls().first()).iter_rows())
    schools = sorted(rows.filter(pl.col("enhet_niva") == "skole")["orgnr"].drop_nulls().unique().to_list())
    return partial(outside_register, counts={k: (n, names.get(k)) for k, n in counts.items()}, schools=schools)


def outside_register(con: duckdb.DuckDBPyConnection, batch_id: str, counts: dict[str, tuple[int, str | None]],
                     schools: list[str], loaded: bool = True) -> list[Finding]:
    """A warning when none of the file's municipalities (`counts`: kommunenr → (rows, name)) is one the school register
    holds: a file for a municipality whose register is not loaded, or with a mistyped kommunenr, loaded with at most
    a terse line for its first file (the survey's schools were then registered from it, and the next file said
    nothing), and the skolesjef found the schools nowhere expected, or under the wrong municipality.

    Only when none is held: a national or county file names every municipality, and the register legitimately holds
    only the owner's. Schools a survey file registered (`kilde`) are not the register: they have no trinn or elevtall.
    """
    if not counts:
        return []  # national and county rows only
    held = [k for (k,) in con.execute(
        "SELECT DISTINCT kommunenr FROM core.skole WHERE kilde = 'skoleregister' AND kommunenr IS NOT NULL ORDER BY 1"
    ).fetchall()]
    if set(held) & set(counts):
        return []
    ordered = sorted(counts, key=lambda k: (-counts[k][0], k))
    named = _listed([f"{k} {counts[k][1]}" if counts[k][1] else k for k in ordered])
    total = sum(n for n, _ in counts.values())
    # The file's schools the register has under another municipality: most likely a mistyped kommunenr.
    moved = [k for (k,) in con.execute(
        "SELECT DISTINCT kommunenr FROM core.skole WHERE kilde = 'skoleregister' AND orgnr IN (SELECT unnest(?)) "
        "ORDER BY 1", [schools]).fetchall()] if schools and held else []
    word = "Kommunen" if len(ordered) == 1 else "Ingen av kommunene"
    if not held:
        register = "Skoleregisteret er ikke lest inn ennå."
    else:
        register = f"Skoleregisteret har skoler i {_listed(held)}."
    if moved:
        register += f" Skolene i filen står i registeret under {_listed(moved)}."
    return [Finding(
        OUTSIDE_REGISTER, "kommunenr", "advarsel", False, total, named[:300],
        f"{word} i filen ({named}) står {'ikke ' if len(ordered) == 1 else ''}i skoleregisteret. {register} "
        + (f"{counted(total, 'rad', 'rader')} er lastet under kommunenummeret i filen, og skolene får ikke trinn og "
           "elevtall fra registeret. Last inn skoleregisteret for kommunen (filen trenger ikke lastes på nytt), eller "
           "sjekk kommunenummeret i filen og les inn en rettet fil." if loaded else
           f"Lastes filen, kommer {counted(total, 'rad', 'rader')} under kommunenummeret i filen, og skolene får ikke "
           "trinn og elevtall fra registeret. Last inn skoleregisteret for kommunen først, eller sjekk "
           "kommunenummeret i filen."),
    )]


def _listed(items: list[str]) -> str:
    """«9901, 9902 og 9903», or the first `MAX_NAMED` and «og 12 til»: a national register is not listed whole."""
    shown = items[:MAX_NAMED]
    rest = [f"{len(items) - MAX_NAMED} til"] if len(items) > MAX_NAMED else []
    parts = shown + rest
    return parts[0] if len(parts) == 1 else f"{', '.join(parts[:-1])} og {parts[-1]}"
