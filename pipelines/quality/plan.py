"""The Great Expectations suite for a plan: the file itself is checked by pydantic; this compares it with the register."""

from __future__ import annotations

import polars as pl

from pipelines.quality.suites import E, RegisterFacts, rule, run_suite
from pipelines.quality.verdict import Verdict


def prepare(frame: pl.DataFrame, schools: pl.DataFrame, facts: RegisterFacts) -> pl.DataFrame:
    """Derived columns: is the municipality in the register, and which named schools are unknown or elsewhere."""
    kommune_of = dict(zip(schools["orgnr"].to_list(), schools["kommunenr"].to_list(), strict=True))
    unknown, elsewhere = [], []
    for kommunenr, orgnrs in frame.select("kommunenr", "skoler").iter_rows():
        unknown.append(", ".join(o for o in orgnrs if o not in kommune_of) or None)
        elsewhere.append(", ".join(o for o in orgnrs if o in kommune_of and kommune_of[o] != kommunenr) or None)
    # No «rad»: a plan is one document, and its findings should not say «Rader: 1».
    return frame.select("plan_id", "kommunenr", "gyldig_fra", "gyldig_til").with_columns(
        pl.col("kommunenr").is_in(sorted(facts.kommunenr)).alias("kommune_i_registeret"),
        pl.Series("ukjente_skoler", unknown, dtype=pl.String),
        pl.Series("skoler_i_annen_kommune", elsewhere, dtype=pl.String),
    )


def expectations() -> list:
    return [
        rule(E.ExpectColumnValuesToMatchRegex(column="kommunenr", regex=r"^\d{4}$"), "Kommunenummeret må ha 4 siffer."),
        rule(E.ExpectColumnValuesToMatchRegex(column="plan_id", regex=r"^[a-z0-9][a-z0-9_-]+$"),
             "Feltet «plan_id» i planfilen kan bare ha små bokstaver, tall, - og _."),
        rule(E.ExpectColumnPairValuesAToBeGreaterThanB(column_A="gyldig_til", column_B="gyldig_fra", or_equal=True),
             "Planperioden slutter før den begynner."),
        rule(E.ExpectColumnValuesToBeNull(column="ukjente_skoler"),
             "Planen nevner skoler (orgnr) som ikke finnes i skoleregisteret; last inn registeret eller rett planen."),
        rule(E.ExpectColumnValuesToBeNull(column="skoler_i_annen_kommune"),
             "Planen nevner skoler som ligger i en annen kommune enn planens."),
        rule(E.ExpectColumnValuesToBeInSet(column="kommune_i_registeret", value_set=[True]),
             "Kommunen har ingen skoler i skoleregisteret ennå. Planen lastes, men dekker ingen skoler før "
             "registeret har kommunens skoler.", warning=True),
    ]


def validate(frame: pl.DataFrame, known) -> Verdict:
    return run_suite("plan", prepare(frame, known.schools, known.register), expectations())
