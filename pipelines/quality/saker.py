"""The Great Expectations suite for case counts (kap. 12), plus the completeness check per school and month."""

from __future__ import annotations

import datetime as dt

import polars as pl

from pipelines import guides
from pipelines.errors import counted
from pipelines.quality.suites import (
    KEY_REPEATED,
    TRINN_OUTSIDE,
    E,
    RegisterFacts,
    headed,
    municipality_of_known_schools,
    only,
    outside,
    repeated,
    rule,
    run_suite,
    trinn_outside,
    unique_key_rule,
)
from pipelines.quality.verdict import Finding, Verdict
from pipelines.sources.base import MONTH_NAMES, month_label
from pipelines.templates import CLOSED, closed_school, due_month, month_day
from pipelines.templates.saker import COUNT_HEADERS, SAKSTYPER, SHOWN, STATSFORVALTER, UTFALL

KEY = ["orgnr", "periode", "trinn", "sakstype", "utfall"]
"""One row per key: the file is loaded by it, and the suite holds the file to it."""
COUNT_COLUMNS = ["nye", "avsluttet", "apne_ved_slutt", "evaluering_over_frist"]
FUTURE, UNDER_WAY = "maaned__fram_i_tid", "maaned__ikke_over"
DERIVED = [KEY_REPEATED, "trinn_key", TRINN_OUTSIDE, "aar_maaned", FUTURE, UNDER_WAY, "apne_avvik", "blandet_trinn",
           "utfall__ikke_sf", "utfall__mangler", "orgnr__ukjent", CLOSED]
HEADINGS = {**SHOWN, "periode": SHOWN["maaned"], "apne_ved_slutt": SHOWN["apne_ved_maanedsslutt"],
            "orgnr__ukjent": SHOWN["orgnr"], "kommunenr": SHOWN["orgnr"], "utfall__ikke_sf": SHOWN["utfall"],
            "utfall__mangler": SHOWN["utfall"], "måned": SHOWN["maaned"]}
"""The columns the findings name, as the template heads them (`headed`)."""
FIRST_MONTH = 201501
MAX_LISTED = 8


def _month_text(d: dt.date) -> str:
    return f"{MONTH_NAMES[d.month - 1]} {d.year}"


def _ranges(facts: RegisterFacts) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "orgnr": list(facts.trinn_range),
            "_fra": [r[0] for r in facts.trinn_range.values()],
            "_til": [r[1] for r in facts.trinn_range.values()],
        },
        schema={"orgnr": pl.String, "_fra": pl.Int8, "_til": pl.Int8},
    )


def prepare(frame: pl.DataFrame, schools: pl.DataFrame, facts: RegisterFacts,
            register: pl.DataFrame | None = None, today: dt.date | None = None) -> pl.DataFrame:
    """The derived columns the suite checks: null-safe keys, trinn vs register, month number, open-at-end drift, and
    a month after the school closed (`register`: the register's rows with `nedlagt`)."""
    frame = closed_school(frame, register, month_day(pl.col("periode")))
    this_month = (today or dt.date.today()).replace(day=1)
    trinn = pl.col("trinn")
    names = schools.lazy().select("orgnr", pl.col("navn").alias("_skole")).unique("orgnr")
    base = frame.lazy().join(_ranges(facts).lazy(), on="orgnr", how="left", maintain_order="left").join(
        names, on="orgnr", how="left", maintain_order="left").with_columns(
        trinn.fill_null(0).alias("trinn_key"),
        repeated(KEY),
        trinn_outside(trinn, school=pl.col("_skole")),
        (pl.col("periode").dt.year().cast(pl.Int32) * 100 + pl.col("periode").dt.month().cast(pl.Int32))
        .alias("aar_maaned"),
        # The month by name as the example («des 2026»; it read 202612).
        pl.when(pl.col("periode") > pl.lit(this_month)).then(month_label(pl.col("periode"))).alias(FUTURE),
        pl.when(pl.col("periode") == pl.lit(this_month)).then(month_label(pl.col("periode"))).alias(UNDER_WAY),
        only("utfall", pl.col("sakstype") != STATSFORVALTER, "ikke_sf"),
        outside("orgnr", facts.orgnr),
        ((pl.col("sakstype") == STATSFORVALTER) & pl.col("utfall").is_null()).fill_null(False).alias("utfall__mangler"),
    ).with_columns(municipality_of_known_schools()).drop("_fra", "_til", "_skole").collect()  # once: for all below

    # Open at the end of a month = open at the end of the month before + new − closed (summed over utfall).
    # The month before is found by a join on the month number, so a gap of a month compares nothing.
    group = ["orgnr", "trinn_key", "sakstype"]
    month_no = pl.col("periode").dt.year().cast(pl.Int32) * 12 + pl.col("periode").dt.month().cast(pl.Int32)
    monthly = base.lazy().group_by(group + ["periode"]).agg(
        pl.col("nye").sum(), pl.col("avsluttet").sum(), pl.col("apne_ved_slutt").sum()
    ).with_columns(month_no.alias("_m"))
    before = monthly.select(*group, (pl.col("_m") + 1).alias("_m"), pl.col("apne_ved_slutt").alias("_forrige"))
    drift = (
        monthly.join(before, on=group + ["_m"], how="inner")
        .filter(pl.col("_forrige") + pl.col("nye") - pl.col("avsluttet") != pl.col("apne_ved_slutt"))
        .join(names, on="orgnr", how="left")
        .select(
            *group, "periode",
            drift_text(pl.coalesce("_skole", "orgnr"), "_forrige", "apne_ved_slutt").alias("apne_avvik"),
        )
    )
    # Rows for all trinn and rows per trinn for the same school, month and sakstype count the same cases twice.
    # Only a file with both kinds of row can have such a group (a national file is all one kind: no group_by).
    blanks = base["trinn"].null_count()
    if 0 < blanks < base.height:
        mixed = (
            base.lazy().group_by("orgnr", "periode", "sakstype")
            .agg((pl.col("trinn").is_null().any() & pl.col("trinn").is_not_null().any()).alias("blandet_trinn"))
            .filter("blandet_trinn")
        )
        drift, mixed = pl.collect_all([drift, mixed])
    else:
        drift, mixed = drift.collect(), pl.DataFrame()
    # Both are usually empty: then a constant column, not a join that copies every row.
    if drift.is_empty():
        base = base.with_columns(pl.lit(None, dtype=pl.String).alias("apne_avvik"))
    else:
        base = base.join(drift, on=group + ["periode"], how="left", maintain_order="left")
    if mixed.is_empty():
        return base.with_columns(pl.lit(False).alias("blandet_trinn"))
    return base.join(mixed, on=["orgnr", "periode", "sakstype"], how="left", maintain_order="left").with_columns(
        pl.col("blandet_trinn").fill_null(False)
    )


def drift_text(school: pl.Expr, before: str, now: str) -> pl.Expr:
    """«Vika skule nov 2025 – Aktivitetsplan (§ 12-4): 14 + 2 − 0 = 16, ikke 0»: a month whose open cases do not
    follow from the month before (`before`), its new and closed cases; its own figure (`now`) last. The sakstype by
    its label («aktivitetsplan» was a code the reader of the warning never wrote)."""
    return pl.format(
        "{} {}{} – {}: {} + {} − {} = {}, ikke {}",
        school, month_label(pl.col("periode")),
        pl.when(pl.col("trinn_key") > 0).then(pl.format(", {}. trinn", pl.col("trinn_key"))).otherwise(pl.lit("")),
        pl.col("sakstype").replace(SAKSTYPER), before, "nye", "avsluttet",
        pl.col(before) + pl.col("nye") - pl.col("avsluttet"), now,
    )


def expectations(facts: RegisterFacts, columns: list[str]) -> list:
    today = dt.date.today()
    rules = [
        rule(E.ExpectTableColumnsToMatchSet(column_set=columns + DERIVED, exact_match=True),
             "Tabellen har ikke de forventede kolonnene."),
        rule(E.ExpectColumnValuesToNotBeNull(column="periode"), "Måneden mangler."),
        rule(E.ExpectColumnValuesToBeBetween(column="aar_maaned", min_value=FIRST_MONTH),
             "Måneden er ikke plausibel (fra januar 2015).", kolonne="maaned"),
        rule(E.ExpectColumnValuesToBeNull(column=FUTURE),
             f"Måneden ligger fram i tid (siste mulige er {_month_text(today)}).", kolonne="maaned"),
        # A month under way has no end yet: its open cases «at the month's end» are not known. Loaded (a school may
        # want the figures so far), and said, so that the month is sent again when it is over.
        rule(E.ExpectColumnValuesToBeNull(column=UNDER_WAY),
             "Måneden er ikke over ennå: tallene, særlig åpne ved månedsslutt, er ikke endelige. Send måneden på nytt "
             "når den er over.", warning=True, kolonne="maaned"),
        rule(E.ExpectColumnValuesToBeNull(column="orgnr__ukjent"),
             "Skolen finnes ikke i skoleregisteret; last inn eller rett skoleregisteret først."),
        rule(E.ExpectColumnValuesToNotBeNull(column="kommunenr"), "Skolen mangler kommunenummer i skoleregisteret."),
        rule(E.ExpectColumnValuesToBeNull(column=TRINN_OUTSIDE),
             "Trinnet finnes ikke på skolen ifølge skoleregisteret.", kolonne="trinn"),
        rule(E.ExpectColumnValuesToBeInSet(column="sakstype", value_set=list(SAKSTYPER)),
             "Ukjent sakstype; velg en fra listen i malen (arket «Koder» viser alle; se «Hjelp» → "
             f"«{guides.GUIDES['mal-saker'][0]}»).", quote=False),
        rule(E.ExpectColumnValuesToBeInSet(column="utfall", value_set=list(UTFALL)),
             "Ukjent utfall; velg et fra listen i malen (arket «Koder» viser alle).", quote=False),
        rule(E.ExpectColumnValuesToBeNull(column="utfall__ikke_sf"),
             f"Utfall skal bare fylles ut for «{SAKSTYPER[STATSFORVALTER]}».", quote=False),
        unique_key_rule("skole, måned, trinn, sakstype, utfall",
                        "Samme skole, måned, trinn, sakstype og utfall står flere ganger i filen.", quote=False),
        # The reader skips a closed school's rows when they are all zeros (the template as it came).
        rule(E.ExpectColumnValuesToBeNull(column=CLOSED),
             "Saker for en måned skolen ikke var i drift ifølge skoleregisteret (den 15. var den nedlagt, eller ikke "
             "opprettet ennå). Fjern radene, eller rett datoen i skoleregisteret.", kolonne="orgnr, maaned"),
    ]
    # Findings name the column as the template heads it («Åpne ved månedsslutt», not the warehouse's name): `headed`.
    for col, header in zip(COUNT_COLUMNS, COUNT_HEADERS, strict=True):
        rules += [
            rule(E.ExpectColumnValuesToNotBeNull(column=col), "Tom celle: skriv 0 når det ikke er noe å melde.",
                 kolonne=header),
            rule(E.ExpectColumnValuesToBeInTypeList(column=col, type_list=["int8", "int16", "int32", "int64",
                                                                            "Int32", "Int64"]),
                 "Antall saker må være hele tall.", kolonne=header),
            rule(E.ExpectColumnValuesToBeBetween(column=col, min_value=0),
                 "Antall saker kan ikke være negativt.", kolonne=header),
        ]
    rules += [
        rule(E.ExpectColumnValuesToBeInSet(column="utfall__mangler", value_set=[False]),
             "Saker hos Statsforvalteren uten utfall; skriv «under_behandling» for saker som ikke er avgjort.",
             warning=True),
        rule(E.ExpectColumnPairValuesAToBeGreaterThanB(column_A="apne_ved_slutt", column_B="evaluering_over_frist",
                                                       or_equal=True),
             "Flere saker med evaluering over frist enn åpne saker ved månedsslutt.", warning=True,
             kolonne="evaluering_over_frist, apne_ved_maanedsslutt"),
        rule(E.ExpectColumnValuesToBeNull(column="apne_avvik"),
             "Åpne saker ved månedsslutt stemmer ikke med forrige måned (åpne forrige måned + nye − avsluttet).",
             warning=True, kolonne="apne_ved_maanedsslutt"),
        rule(E.ExpectColumnValuesToBeInSet(column="blandet_trinn", value_set=[False]),
             "Samme skole, måned og sakstype har både en rad for alle trinn og rader per trinn; sakene telles da to "
             "ganger.", warning=True, kolonne="trinn"),
    ]
    return headed(rules, HEADINGS)


def missing_months(frame: pl.DataFrame, schools: pl.DataFrame, held: pl.DataFrame) -> Finding:
    """A warning naming every school of the file's municipalities that did not report a month in the file's range,
    and that the warehouse (`held`: orgnr, periode) has no report for either: a file correcting two schools' October
    does not make a third school's October, loaded before, missing."""
    forventning = "alle_skoler_alle_maaneder"
    if frame.is_empty() or frame["periode"].null_count() == frame.height:
        return Finding(forventning, SHOWN["maaned"], "advarsel", True, 0, None, "Ingen måneder i filen.")
    first, last = frame["periode"].min(), frame["periode"].max()
    # A month not yet due (the 10th of the month after) is missing from no one: one school sending November on
    # 4 December, or December itself, made every other school «missing» it.
    last = min(last, due_month(dt.date.today()))
    if first > last:
        return Finding(forventning, SHOWN["maaned"], "advarsel", True, 0, None,
                       "Rapportene for månedene i filen er ikke forfalt ennå for de andre skolene.")
    months = pl.DataFrame({"periode": pl.date_range(first, last, "1mo", eager=True)})
    kommuner = frame["kommunenr"].drop_nulls().unique()
    # The municipality's own schools: a private school that a Udir file brought in reports to no municipality.
    own = pl.col("kilde") == "skoleregister" if "kilde" in schools.columns else pl.lit(True)
    expected = (
        schools.filter(pl.col("kommunenr").is_in(kommuner.implode()) & own)
        .join(months, how="cross")
    )
    if "nedlagt" in schools.columns:  # a month is asked of a school that ran on its 15th (as on «Saker»)
        day = pl.col("periode") + pl.duration(days=14)
        expected = expected.filter((pl.col("nedlagt").is_null() | (pl.col("nedlagt") > day))
                                   & (pl.col("opprettet").is_null() | (pl.col("opprettet") <= day)))
    expected = expected.select("orgnr", "navn", "periode")
    reported = pl.concat([frame.select("orgnr", "periode"), held.select("orgnr", pl.col("periode").cast(pl.Date))])
    missing = expected.join(reported, on=["orgnr", "periode"], how="anti").sort("navn", "periode")
    if missing.is_empty():
        return Finding(forventning, SHOWN["maaned"], "advarsel", True, 0, None,
                       "Alle skolene i kommunen har rapportert for alle månedene i filen.")
    per_school = (
        missing.with_columns(month_label(pl.col("periode")).alias("_maaned"))
        .group_by("navn", maintain_order=True)
        .agg(pl.col("_maaned"))
    )
    parts = []
    for navn, maaneder in per_school.iter_rows():
        shown = ", ".join(maaneder[:MAX_LISTED]) + (f" og {len(maaneder) - MAX_LISTED} til" if len(maaneder) > MAX_LISTED else "")
        parts.append(f"{navn} ({shown})")
    text = "; ".join(parts)
    return Finding(
        forventning, SHOWN["maaned"], "advarsel", False, missing.height, text[:300],
        f"Filen mangler rapport for {counted(missing.height, 'skole-måned', 'skole-måneder')} "
        + (f"i {_month_text(first)}" if first == last else f"mellom {_month_text(first)} og {_month_text(last)}")
        + f", og lageret har {'den' if missing.height == 1 else 'dem'} heller ikke"
        + f": {text}. Kommer {'den' if missing.height == 1 else 'de'} i en annen fil, er det i orden: siden «Saker» "
        "viser hva som mangler i lageret.",
    )


def missing_against_warehouse(con, rows: str) -> Finding:
    """`missing_months` on the file's rows (`rows`) and the warehouse before the load: a school-month the file leaves
    out keeps its earlier rows (the load replaces a school's month only where the file gives it), so only one that
    neither the file nor the warehouse holds is missing. Before the load, so the preview says it too (it came only
    after «Last inn»)."""
    frame = con.sql(f"SELECT DISTINCT orgnr, kommunenr, CAST(periode AS DATE) AS periode FROM {rows}").pl()
    if frame.is_empty():
        return missing_months(frame, pl.DataFrame(), frame)
    # The file's months bound the warehouse's rows read
    held = con.sql("SELECT DISTINCT orgnr, periode FROM core.saker WHERE periode BETWEEN $first AND $last",
                   params={"first": frame["periode"].min(), "last": frame["periode"].max()}).pl()
    return missing_months(frame, con.sql("SELECT orgnr, navn, kommunenr, kilde, nedlagt, opprettet FROM core.skole").pl(),
                          held)


def zeroed(con, rows: str) -> list[Finding]:
    """A warning for each school's month and sakstype the file gives as 0 where the warehouse holds cases
    (`Source.before_load`; `rows` is the file's rows).

    The template for the municipality comes with a row of zeros for every school: a skolesjef who filled in one
    school and loaded it set three other schools' November to 0, and only the open-cases rule said anything, after
    the load. A month may rightly be corrected to 0, so this warns (in the preview, before anything is loaded).

    A file of months the warehouse does not hold (a new month, a national year) asks only that: 0.4 s on a national
    file otherwise, for nothing."""
    if not con.sql(f"SELECT EXISTS (SELECT 1 FROM core.saker WHERE periode IN (SELECT DISTINCT periode FROM {rows}))"
                   ).fetchall()[0][0]:
        return []
    found = con.sql(
        f"""
        WITH filen AS (
            SELECT orgnr, periode, sakstype FROM {rows} GROUP BY ALL
            HAVING sum(nye) + sum(avsluttet) + sum(apne_ved_slutt) + sum(evaluering_over_frist) = 0
        )
        SELECT coalesce(s.navn, l.orgnr) AS skole, l.periode, l.sakstype, sum(l.nye) AS nye,
               sum(l.avsluttet) AS avsluttet, sum(l.apne_ved_slutt) AS apne, count(*) OVER () AS antall
        FROM core.saker AS l SEMI JOIN filen USING (orgnr, periode, sakstype)
        LEFT JOIN (SELECT orgnr, arg_max(navn, coalesce(skoleaar, '')) AS navn FROM core.skole GROUP BY orgnr) AS s
             USING (orgnr)
        GROUP BY ALL
        HAVING sum(l.nye) + sum(l.avsluttet) + sum(l.apne_ved_slutt) + sum(l.evaluering_over_frist) > 0
        ORDER BY l.periode DESC, skole, l.sakstype
        LIMIT {MAX_LISTED}
        """
    ).fetchall()
    if not found:
        return []
    total = found[0][-1]
    listed = "; ".join(
        f"{skole} {_month_text(periode)} ({SAKSTYPER.get(sakstype, sakstype)}: {nye} nye, {avsluttet} avsluttet, "
        f"{apne} åpne)"
        for skole, periode, sakstype, nye, avsluttet, apne, _ in found
    ) + (f" og {total - len(found)} til" if total > len(found) else "")
    return [Finding(
        "saker_satt_til_null", ", ".join(SHOWN[h] for h in COUNT_HEADERS), "advarsel", False,
        total, listed[:300],
        f"Filen gir 0 saker for {total} {'skolemåned' if total == 1 else 'skolemåneder'} (per sakstype) der lageret "
        f"har saker fra før: {listed}. Stemmer det, er de rettet til 0. Er det en mal der bare noen av skolene er "
        "fylt ut, slett radene for de andre skolene og last inn filen på nytt: ellers erstattes deres rapporter med 0.",
    )]


def before_warehouse(con, rows: str) -> list[Finding]:
    """The checks of a case file against the warehouse before it is loaded (`Source.before_load`): in the preview,
    and again in the load's own transaction."""
    return [*zeroed(con, rows), *drift_against_warehouse(con, rows), missing_against_warehouse(con, rows)]


def drift_against_warehouse(con, rows: str) -> list[Finding]:
    """The open-cases rule across the file's edge (`rows` is the file's rows), on the warehouse as the file would
    leave it: a month of the file against the month before it in the warehouse, and a month after it in the warehouse
    against the file's month (a correction). Within the file the suite checks it (`prepare`); a school sending one
    month at a time, as the template asks, was never checked at all. A warning, as in the file.

    Before the load, so the preview says it: it came only after the load, when the month was already in. The file
    replaces a school's month of a sakstype whole (`REPLACES` of the reader), so the warehouse's rows of those are
    left out. Summed over trinn: a school may give a month per trinn and the next for all trinn, and the open cases
    still carry over. Only the edges are read, each school's and sakstype's first and last month in the file and the
    month outside each (a month missing inside a file is no edge; the file's own months are the suite's): 7 s → 0.1 s
    on a national warehouse. The month outside is one the file cannot hold for that school and sakstype, so the
    warehouse's rows there need no check against the file's (that anti-join of every row of the file: 0.15 → 0.08 s). A file none of whose months, or the month on each side of them, the warehouse holds
    (a new school year) has no edge the warehouse can break: that is asked first (0.08 s for a national file, the
    question 0.005 s)."""
    if not con.sql(
        f"SELECT EXISTS (SELECT 1 FROM core.saker WHERE periode BETWEEN "
        f"(SELECT CAST(min(periode) - INTERVAL 1 MONTH AS DATE) FROM {rows}) AND "
        f"(SELECT CAST(max(periode) + INTERVAL 1 MONTH AS DATE) FROM {rows}))"
    ).fetchall()[0][0]:
        return []
    found = con.sql(
        f"""
        WITH filen AS (
            SELECT orgnr, sakstype, min(periode) AS forste, max(periode) AS siste FROM {rows} GROUP BY ALL
        ),
        utenfor AS (  -- the month outside each school's and sakstype's first and last in the file: the file has none
            SELECT orgnr, sakstype, CAST(forste - INTERVAL 1 MONTH AS DATE) AS periode FROM filen
            UNION ALL SELECT orgnr, sakstype, CAST(siste + INTERVAL 1 MONTH AS DATE) FROM filen
        ),
        innenfor AS (  -- the file's first and last month of each
            SELECT orgnr, sakstype, forste AS periode FROM filen UNION ALL SELECT orgnr, sakstype, siste FROM filen
        ),
        rader AS (
            SELECT orgnr, sakstype, periode, nye, avsluttet, apne_ved_slutt, false AS fra_filen
            FROM core.saker SEMI JOIN utenfor USING (orgnr, sakstype, periode)
            UNION ALL
            SELECT orgnr, sakstype, CAST(periode AS DATE), nye, avsluttet, apne_ved_slutt, true
            FROM {rows} SEMI JOIN innenfor USING (orgnr, sakstype, periode)
        ),
        maaned AS (
            SELECT orgnr, 0 AS trinn_key, sakstype, periode, sum(nye) AS nye, sum(avsluttet) AS avsluttet,
                   sum(apne_ved_slutt) AS apne, bool_or(fra_filen) AS fra_filen
            FROM rader GROUP BY ALL
        )
        SELECT coalesce(s.navn, cur.orgnr) AS skole, cur.periode, cur.trinn_key, cur.sakstype,
               prev.apne AS forrige, cur.nye, cur.avsluttet, cur.apne
        FROM maaned AS cur
        JOIN maaned AS prev ON prev.orgnr = cur.orgnr
             AND prev.sakstype = cur.sakstype AND prev.periode = CAST(cur.periode - INTERVAL 1 MONTH AS DATE)
        LEFT JOIN (SELECT orgnr, arg_max(navn, coalesce(skoleaar, '')) AS navn FROM core.skole GROUP BY orgnr) AS s
             ON s.orgnr = cur.orgnr
        WHERE cur.fra_filen <> prev.fra_filen AND prev.apne + cur.nye - cur.avsluttet <> cur.apne
        ORDER BY skole, cur.periode, cur.sakstype, cur.trinn_key
        """
    ).pl()
    if found.is_empty():
        return []
    lines = found.select(drift_text(pl.col("skole"), "forrige", "apne")).to_series().to_list()
    shown = "; ".join(lines[:MAX_LISTED]) + (f" og {len(lines) - MAX_LISTED} til" if len(lines) > MAX_LISTED else "")
    return [Finding(
        "apne_stemmer_med_lageret", SHOWN["apne_ved_maanedsslutt"], "advarsel", False, len(lines), shown[:300],
        "Åpne saker ved månedsslutt stemmer ikke med måneden før, slik den står i lageret (åpne forrige måned + nye "
        f"− avsluttet): {shown}. Rett den måneden som er feil og send den på nytt.",
    )]


def validate(frame: pl.DataFrame, known) -> Verdict:
    """Critical rules reject the file; warnings load it and are shown on the data-quality page."""
    from pipelines.sources.saker import SAKER_SCHEMA  # the reader imports this module

    facts: RegisterFacts = known.register
    prepared = prepare(frame, known.schools, facts, known.register_rows)
    verdict = run_suite("saker", prepared, expectations(facts, list(SAKER_SCHEMA)))
    return verdict
