"""The Great Expectations suite for programme status reports: known schools, programmes from the plan, sane numbers."""

from __future__ import annotations

import datetime as dt

import polars as pl

from pipelines import guides
from pipelines.quality.suites import (
    KEY_REPEATED,
    TRINN_OUTSIDE,
    E,
    RegisterFacts,
    municipality_of_known_schools,
    outside,
    repeated,
    rule,
    run_suite,
    trinn_outside,
    unique_key_rule,
)
from pipelines.quality.verdict import Finding, Verdict
from pipelines.templates import CLOSED, closed_school, year_day
from pipelines.templates.programstatus import STATUS, STATUS_HINT

KEY = ["orgnr", "skoleaar", "program", "trinn_fra", "trinn_til"]
"""One row per key: the file is loaded by it, and the suite holds the file to it."""
DERIVED = ["program__utenfor_plan", "aar_i_planperiode", TRINN_OUTSIDE, "orgnr__ukjent", KEY_REPEATED, CLOSED]
COUNTS = ["okter_holdt", "gruppemoter_holdt", "storste_gruppe", "skolemiljoutvalg_moter", "fase"]


def prepare(frame: pl.DataFrame, facts: RegisterFacts, plans: pl.DataFrame | None,
            register: pl.DataFrame | None = None, schools: pl.DataFrame | None = None) -> pl.DataFrame:
    """Derived columns: is the programme in the municipality's plan (and the year in its period), trinn vs register,
    and a school year its school never began by `register` (the register's rows with `nedlagt`)."""
    frame = closed_school(frame, register, year_day(pl.col("skoleaar_start")))
    ranges = pl.DataFrame(
        {"orgnr": list(facts.trinn_range), "_fra": [r[0] for r in facts.trinn_range.values()],
         "_til": [r[1] for r in facts.trinn_range.values()]},
        schema={"orgnr": pl.String, "_fra": pl.Int32, "_til": pl.Int32},
    )
    if plans is None:
        plans = pl.DataFrame(schema={"kommunenr": pl.String, "program": pl.String, "fra_aar": pl.Int32,
                                     "til_aar": pl.Int32})
    per_programme = plans.group_by("kommunenr", "program").agg(
        pl.col("fra_aar").min().cast(pl.Int32).alias("_p_fra"), pl.col("til_aar").max().cast(pl.Int32).alias("_p_til"))
    names = (schools if schools is not None and "navn" in schools.columns
             else pl.DataFrame(schema={"orgnr": pl.String, "navn": pl.String}))
    out = (
        frame.join(ranges, on="orgnr", how="left", maintain_order="left")
        .join(names.select("orgnr", pl.col("navn").alias("_skole")).unique("orgnr"), on="orgnr", how="left",
              maintain_order="left")
        .join(per_programme, on=["kommunenr", "program"], how="left", maintain_order="left")
    )
    return out.with_columns(
        # The programme's own code where the plan lacks it: the finding then names the codes, not «False».
        pl.when(pl.col("_p_fra").is_null()).then(pl.col("program")).otherwise(None).alias("program__utenfor_plan"),
        (pl.col("_p_fra").is_null()
         | pl.col("skoleaar_start").is_between(pl.col("_p_fra"), pl.col("_p_til"))).alias("aar_i_planperiode"),
        trinn_outside(pl.col("trinn_fra"), pl.col("trinn_til"), pl.col("_skole")),
        outside("orgnr", facts.orgnr),
        repeated(KEY),
    ).with_columns(municipality_of_known_schools()).drop("_fra", "_til", "_p_fra", "_p_til", "_skole")


def outside_plan_text(frame: pl.DataFrame, plans: pl.DataFrame | None) -> str:
    """What a row whose programme is not in its municipality's plan is told: the plan's programmes to choose from
    (the value is not quoted: the cell may hold free text), or, where the municipality has no plan loaded, that the
    plan comes first. It told a municipality whose plan was loaded to load it, and named none of its codes."""
    kommuner = sorted(frame["kommunenr"].drop_nulls().unique().to_list()) if "kommunenr" in frame.columns else []
    listed = (plans.filter(pl.col("kommunenr").is_in(kommuner)).unique(["kommunenr", "program"], keep="last")
              if plans is not None else pl.DataFrame())
    guide = guides.where("mal-programstatus")
    if listed.is_empty():
        return (f"Programmet står ikke i kommunens plan, og kommunen har ingen plan i lageret ennå. Last inn kommunens "
                f"plan (YAML) først (se {guides.where('plan')}).")
    names = dict(zip(listed["program"], listed["program_navn"], strict=True)) if "program_navn" in listed.columns \
        else {c: c for c in listed["program"]}
    choices = ", ".join(f"«{code}» ({name})" if name and name != code else f"«{code}»"
                        for code, name in sorted(names.items()))
    return (f"Programmet står ikke i kommunens plan. Bruk programkoden eller programnavnet slik planen har dem: "
            f"{choices} (se {guide}).")


def expectations(facts: RegisterFacts, columns: list[str], outside_plan: str | None = None) -> list:
    this_year = dt.date.today().year
    rules = [
        rule(E.ExpectTableColumnsToMatchSet(column_set=columns + DERIVED, exact_match=True),
             "Tabellen har ikke de forventede kolonnene."),
        rule(E.ExpectColumnValuesToBeNull(column="orgnr__ukjent"),
             "Skolen finnes ikke i skoleregisteret; last inn eller rett skoleregisteret først."),
        rule(E.ExpectColumnValuesToNotBeNull(column="kommunenr"), "Skolen mangler kommunenummer i skoleregisteret."),
        rule(E.ExpectColumnValuesToBeNull(column="program__utenfor_plan"),
             outside_plan or "Programmet står ikke i kommunens plan. Last inn kommunens plan (YAML) først, eller bruk "
             f"programkoden slik den står i planen (se {guides.where('plan')}).", kolonne="program", quote=False),
        rule(E.ExpectColumnValuesToBeInSet(column="status", value_set=list(STATUS)),
             f"Ukjent status; bruk {STATUS_HINT} (se {guides.where('mal-programstatus')}).", quote=False),
        rule(E.ExpectColumnValuesToBeBetween(column="skoleaar_start", min_value=2000, max_value=this_year),
             f"Skoleåret er ikke plausibelt (fra 2000-01 til og med {this_year}-{(this_year + 1) % 100:02d})."),
        rule(E.ExpectColumnValuesToBeBetween(column="andel_ansatte_kurset", min_value=0, max_value=100),
             "Andel ansatte kurset må ligge mellom 0 og 100 %."),
        unique_key_rule("skole, skoleår, program, trinn",
                        "Samme skole, skoleår, program og trinn står flere ganger i filen.", quote=False),
        # The reader skips such rows when they report nothing.
        rule(E.ExpectColumnValuesToBeNull(column=CLOSED),
             "Rapport for et skoleår skolen ikke begynte: den var ikke i drift 1. september ifølge skoleregisteret "
             "(nedlagt, eller ikke opprettet ennå). Fjern radene, eller rett datoen i skoleregisteret.",
             kolonne="orgnr, skoleaar"),
    ]
    rules += [rule(E.ExpectColumnValuesToBeBetween(column=c, min_value=0), "Antall kan ikke være negativt.")
              for c in COUNTS]
    rules += [
        # Refused, as a case count on such a trinn is: loaded, the row counted for no trinn the school has, and the
        # school's own trinn stayed «ikke rapportert» on every page.
        rule(E.ExpectColumnValuesToBeNull(column=TRINN_OUTSIDE),
             "Trinnet finnes ikke på skolen ifølge skoleregisteret, så raden ville ikke telle for noen av skolens "
             "trinn. Skriv trinnene programmet har på skolen (malen for kommunen har dem fylt ut).", kolonne="trinn"),
        rule(E.ExpectColumnValuesToBeInSet(column="aar_i_planperiode", value_set=[True]),
             "Skoleåret ligger utenfor planperioden; rapporten vises ikke mot planen.",
             warning=True, kolonne="skoleår"),
        rule(E.ExpectColumnValuesToBeBetween(column="storste_gruppe", min_value=0, max_value=60),
             "Uvanlig stor samtalegruppe (over 60).", warning=True),
        rule(E.ExpectColumnValuesToBeBetween(column="fase", min_value=0, max_value=20),
             "Uvanlig høyt fasenummer.", warning=True),
    ]
    return rules


def validate(frame: pl.DataFrame, known, plans: pl.DataFrame | None) -> Verdict:
    """Critical rules reject the file; warnings load it and are shown on the data-quality page."""
    from pipelines.sources.programstatus import STATUS_SCHEMA  # the reader imports this module

    facts: RegisterFacts = known.register
    verdict = run_suite("programstatus", prepare(frame, facts, plans, known.register_rows, known.schools),
                        expectations(facts, list(STATUS_SCHEMA), outside_plan_text(frame, plans)))
    if plans is None:
        verdict.findings.append(Finding(
            "program_i_plan", "program", "advarsel", False, None, None,
            "Kunne ikke sjekke programmene mot kommunens plan (lageret var ikke tilgjengelig for kontrollen)."))
    return verdict
