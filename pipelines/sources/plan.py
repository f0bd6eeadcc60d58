"""A municipal plan (YAML, docs/plan.md) → one row per plan; the nested parts are unpacked into core tables on load."""

from __future__ import annotations

import polars as pl

from pipelines.errors import IngestError, counted
from pipelines.plans import model
from pipelines.quality.plan import validate
from pipelines.quality.verdict import Finding
from pipelines.sources.base import Known, Source, SourceResult

YAML_COLUMN = "plan_yaml"  # the one column pipelines/ingest.py read_table gives a .yaml/.yml file
LABEL = "Kommunal plan for læringsmiljø (YAML)"

PLAN_SCHEMA: dict[str, pl.DataType] = {
    "rad": pl.Int64,
    "plan_id": pl.String,
    "kommunenr": pl.String,
    "tittel": pl.String,
    "gyldig_fra": pl.Date,
    "gyldig_til": pl.Date,
    "programmer": pl.List(pl.String),
    "skoler": pl.List(pl.String),  # orgnr the plan names explicitly
    "antall_tiltak": pl.Int32,
    "plan_json": pl.String,
    "plan_yaml": pl.String,
}


def detect(columns: list[str]) -> bool:
    return columns == [YAML_COLUMN]


def read(table: pl.DataFrame, known: Known) -> SourceResult:
    if table.height != 1:
        raise IngestError("En planfil skal inneholde én plan.")
    text = table[YAML_COLUMN][0]
    plan = model.parse(text)
    explicit = sorted({o for p in plan.programmer if p.skoler != "alle" for o in p.skoler})
    frame = pl.DataFrame(
        [{
            "rad": 1, "plan_id": plan.plan_id, "kommunenr": plan.kommunenr, "tittel": plan.tittel,
            "gyldig_fra": plan.periode.fra, "gyldig_til": plan.periode.til,
            "programmer": [p.kode for p in plan.programmer], "skoler": explicit,
            "antall_tiltak": len(plan.tiltak), "plan_json": plan.model_dump_json(), "plan_yaml": text,
        }],
        schema=PLAN_SCHEMA,
    )
    # What the plan held, not a warning: Datakvalitet counted it as one («Filer med advarsler»).
    info = [f"Plan «{plan.tittel}» ({plan.plan_id}): {len(plan.programmer)} programmer, {len(plan.tiltak)} tiltak"]
    # Another plan of the municipality for some of the same years stays beside this one: said, with how to replace it
    # (a second plan loaded without a word, and the pages showed one of the two).
    # The way to replace it is said only for a plan new to the warehouse: a revision of a plan loaded before, told
    # to take the other's plan_id, would overwrite a newer plan with a revision of an older one.
    revision = any(pid == plan.plan_id for pid, *_ in known.plans)
    notes = [
        f"Kommunen har også planen «{tittel}» ({pid}) for {fra:%d.%m.%Y}–{til:%d.%m.%Y}, som gjelder noen av de "
        "samme årene: begge ligger i lageret, og sidene viser den som gjelder i dag (av to som begynner samme dag, den som "
        "sist ble lest inn)."
        + ("" if revision else
           f" Skal denne planen ta over fra {plan.periode.fra:%d.%m.%Y}, la den andre slutte dagen før (periode: til) og "
           f"les den inn på nytt: da gjelder den fortsatt for årene før, med skolenes programstatus. Skal denne planen "
           f"erstatte den helt, gi den samme plan_id («{pid}») og les den inn på nytt.")
        for pid, kommunenr, tittel, fra, til in known.plans
        if pid != plan.plan_id and kommunenr == plan.kommunenr and fra <= plan.periode.til and til >= plan.periode.fra
    ]
    return SourceResult(source="plan", frame=frame, rows_in=1, info=info, notes=notes)


def _tables(plan: model.Plan, batch_id: str) -> dict[str, pl.DataFrame]:
    """The plan's rows per core table (small: a plan has a handful of programmes and tiltak)."""
    g = plan.arlig_gjennomgang
    programs, schools, krav, tiltak = [], [], [], []
    for nr, p in enumerate(plan.programmer, start=1):
        start = None if p.oppstart is None else p.oppstart.year - (p.oppstart.month < 8)
        programs.append({"program": p.kode, "program_navn": p.navn, "nr": nr, "trinn_fra": p.trinn.fra,
                         "trinn_til": p.trinn.til, "alle_skoler": p.skoler == "alle", "oppstart_aar": start})
        schools += [{"program": p.kode, "orgnr": o} for o in ([] if p.skoler == "alle" else p.skoler)]
        for k_nr, k in enumerate(p.krav, start=1):
            krav.append({
                "program": p.kode, "nr": k_nr, "kravtype": k.type, "gjelder": k.gjelder,
                "minst": getattr(k, "minst", None), "innforing": getattr(k, "innforing", None),
                "drift": getattr(k, "drift", None), "storste_gruppe": getattr(k, "storste_gruppe", None),
                "hvert_aar": getattr(k, "hvert_aar", None), "faser": getattr(k, "faser", None),
                "beskrivelse": k.beskrivelse,
            })
    for nr, t in enumerate(plan.tiltak, start=1):
        tiltak.append({"nr": nr, "gruppe": t.gruppe, "tiltak": t.tiltak, "ansvarlig": t.ansvarlig, "frist": t.frist,
                       "status": t.status, "kommentar": t.kommentar})
    schemas = {
        "core.plan_program": {"program": pl.String, "program_navn": pl.String, "nr": pl.Int32, "trinn_fra": pl.Int32,
                              "trinn_til": pl.Int32, "alle_skoler": pl.Boolean, "oppstart_aar": pl.Int32},
        "core.plan_program_skole": {"program": pl.String, "orgnr": pl.String},
        "core.plan_krav": {"program": pl.String, "nr": pl.Int32, "kravtype": pl.String, "gjelder": pl.String,
                           "minst": pl.Float64, "innforing": pl.Float64, "drift": pl.Float64,
                           "storste_gruppe": pl.Int32, "hvert_aar": pl.Int32, "faser": pl.Int32,
                           "beskrivelse": pl.String},
        "core.plantiltak": {"nr": pl.Int32, "gruppe": pl.String, "tiltak": pl.String, "ansvarlig": pl.String,
                            "frist": pl.Date, "status": pl.String, "kommentar": pl.String},
    }
    rows = {"core.plan_program": programs, "core.plan_program_skole": schools, "core.plan_krav": krav,
            "core.plantiltak": tiltak}
    out = {
        table: pl.DataFrame(rows[table], schema=schema, orient="row").with_columns(
            pl.lit(plan.plan_id).alias("plan_id"), pl.lit(batch_id).alias("batch_id"))
        for table, schema in schemas.items()
    }
    out["core.plan"] = pl.DataFrame([{
        "plan_id": plan.plan_id, "kommunenr": plan.kommunenr, "tittel": plan.tittel,
        "gyldig_fra": plan.periode.fra, "gyldig_til": plan.periode.til,
        "gjennomgang_maaneder": g.maneder if g else None,
        "gjennomgang_tekst": model.months_text(g.maneder) if g else None,
        "gjennomgang_ansvarlig": g.ansvarlig if g else None,
        "revisjon_hvert_aar": plan.revisjon_hvert_aar, "batch_id": batch_id,
    }], schema={"plan_id": pl.String, "kommunenr": pl.String, "tittel": pl.String, "gyldig_fra": pl.Date,
                "gyldig_til": pl.Date, "gjennomgang_maaneder": pl.List(pl.Int32), "gjennomgang_tekst": pl.String,
                "gjennomgang_ansvarlig": pl.String, "revisjon_hvert_aar": pl.Int32, "batch_id": pl.String})
    return out


PLAN_TABLES = ["core.plan", "core.plan_program", "core.plan_program_skole", "core.plan_krav", "core.plantiltak"]


def load(con, frame: pl.DataFrame, batch_id: str) -> int:
    """Replace the whole plan (programmes, requirements, tiltak) with the same plan_id; runs inside the batch."""
    for plan_json, plan_yaml in frame.select("plan_json", "plan_yaml").iter_rows():
        plan = model.Plan.model_validate_json(plan_json)
        tables = _tables(plan, batch_id)
        tables["core.plan"] = tables["core.plan"].with_columns(pl.lit(plan_yaml).alias("plan_yaml"))
        for table in PLAN_TABLES:
            con.execute(f"DELETE FROM {table} WHERE plan_id = ?", [plan.plan_id])
            if tables[table].height:
                con.register("new_plan_rows", tables[table].to_arrow())
                con.execute(f"INSERT INTO {table} BY NAME SELECT * FROM new_plan_rows")
                con.unregister("new_plan_rows")
    return frame.height


def orphaned_reports(con, batch_id: str) -> list[Finding]:
    """A warning for the schools' programme reports, in the plan's years, for a programme the plan does not name
    (`Source.after_load`): a new version of the plan that wrote «zippy» for «zippys_venner» turned every school's
    Zippy report to «ukjent», and the load said only «3 programmer, 1 tiltak»."""
    rows = con.execute(
        """
        WITH plan AS (SELECT kommunenr, gyldig_fra, gyldig_til FROM core.plan WHERE batch_id = ?),
             named AS (SELECT DISTINCT program FROM core.plan_program AS pp
                       WHERE pp.plan_id IN (SELECT plan_id FROM core.plan AS p JOIN plan USING (kommunenr)))
        SELECT s.program, count(*) AS rapporter, count(DISTINCT s.orgnr) AS skoler
        FROM core.programstatus AS s JOIN plan AS p ON s.kommunenr = p.kommunenr  -- a school year within the plan
             AND make_date(s.skoleaar_start, 8, 1) <= p.gyldig_til AND make_date(s.skoleaar_start + 1, 7, 31) >= p.gyldig_fra
        WHERE s.program NOT IN (SELECT program FROM named)
        GROUP BY s.program ORDER BY rapporter DESC, s.program
        """,
        [batch_id],
    ).fetchall()
    if not rows:
        return []
    named = [row[0] for row in con.execute("SELECT program FROM core.plan_program WHERE batch_id = ? ORDER BY nr",
                                           [batch_id]).fetchall()]
    listed = "; ".join(f"«{program}» ({counted(n, 'rapport', 'rapporter')} fra {counted(schools, 'skole', 'skoler')})"
                       for program, n, schools in rows)
    total = sum(n for _, n, _ in rows)
    return [Finding(
        "programrapporter_uten_program", "program", "advarsel", False, total, listed[:300],
        f"Skolenes programrapporter for planens skoleår gjelder programmer planen ikke har: {listed}. Planen har "
        f"{', '.join(f'«{p}»' for p in named) or 'ingen programmer'}. Har et program fått ny kode i planen, bruk "
        "samme kode som skolene rapporterer med (eller be skolene rapportere med den nye); ellers står programmet "
        "som «ukjent» for hver skole.",
    )]


def years_let_go(con, rows: str) -> list[Finding]:
    """A warning for the schools' programme reports a new version of a plan leaves in no plan of the municipality
    (`Source.before_load`): a version starting in 2026-27 of a plan that began in 2024-25 took 2024-25 and 2025-26
    with it, and their reports (20) vanished from the Programmer page and the council report without a word."""
    found = con.execute(
        f"""
        WITH ny AS (SELECT plan_id, kommunenr, gyldig_fra, gyldig_til FROM {rows}),
             gammel AS (SELECT p.kommunenr, p.gyldig_fra, p.gyldig_til FROM core.plan p JOIN ny USING (plan_id)),
             andre AS (SELECT p.kommunenr, p.gyldig_fra, p.gyldig_til FROM core.plan p JOIN ny USING (kommunenr)
                       WHERE p.plan_id <> ny.plan_id
                       UNION ALL SELECT kommunenr, gyldig_fra, gyldig_til FROM ny)
        SELECT s.skoleaar_start, count(*) AS rapporter
        FROM core.programstatus s
        WHERE EXISTS (SELECT 1 FROM gammel g WHERE g.kommunenr = s.kommunenr
                      AND make_date(s.skoleaar_start, 8, 1) <= g.gyldig_til
                      AND make_date(s.skoleaar_start + 1, 7, 31) >= g.gyldig_fra)
          AND NOT EXISTS (SELECT 1 FROM andre a WHERE a.kommunenr = s.kommunenr
                          AND make_date(s.skoleaar_start, 8, 1) <= a.gyldig_til
                          AND make_date(s.skoleaar_start + 1, 7, 31) >= a.gyldig_fra)
        GROUP BY ALL ORDER BY 1
        """
    ).fetchall()
    if not found:
        return []
    years = " og ".join(f"{y}-{(y + 1) % 100:02d}" for y, _ in found)
    total = sum(n for _, n in found)
    return [Finding(
        "programrapporter_uten_plan", "periode", "advarsel", False, total, years,
        f"Den nye versjonen av planen gjelder ikke lenger {years}: skolenes {counted(total, 'programrapport', 'programrapporter')} "
        "for de årene ligger da i ingen av kommunens planer og vises ikke på siden Programmer eller i rapportene. Skulle "
        "den gamle planen gjelde for de årene, les den inn igjen, og gi den nye versjonen en egen plan_id og en periode "
        "som begynner der den gamle slutter.",
    )]


def dropped_from_plan(con, rows: str) -> list[Finding]:
    """A warning naming the programmes and tiltak of the plan in the warehouse that a new version of it (same plan_id)
    leaves out (`Source.before_load`): a clerk who loaded a file holding 2 of the plan's 3 programmes and 1 of its 5
    tiltak was told «1 erstatter en rad som finnes fra før» and «2 programmer, 1 tiltak», and MOT and four tiltak were
    gone. Tiltak are matched by their text (a revision renumbers them)."""
    found = []
    for plan_id, plan_json in con.execute(f"SELECT plan_id, plan_json FROM {rows}").fetchall():
        plan = model.Plan.model_validate_json(plan_json)
        programmes = con.execute("SELECT program, program_navn FROM core.plan_program WHERE plan_id = ? ORDER BY nr",
                                 [plan_id]).fetchall()
        tiltak = [t for (t,) in con.execute("SELECT tiltak FROM core.plantiltak WHERE plan_id = ? ORDER BY nr",
                                            [plan_id]).fetchall()]
        if not programmes and not tiltak:
            continue  # a plan new to the warehouse
        kept_programmes = {p.kode for p in plan.programmer}
        kept_tiltak = {" ".join(t.tiltak.split()).lower() for t in plan.tiltak}
        gone_programmes = [f"«{navn}» ({kode})" for kode, navn in programmes if kode not in kept_programmes]
        gone_tiltak = [t for t in tiltak if " ".join(t.split()).lower() not in kept_tiltak]
        if not gone_programmes and not gone_tiltak:
            continue
        parts = []
        if gone_programmes:
            parts.append(f"{'programmet' if len(gone_programmes) == 1 else 'programmene'} {', '.join(gone_programmes)} "
                         f"({len(programmes)} → {len(plan.programmer)} programmer)")
        if gone_tiltak:
            shown = "; ".join(f"«{t[:60]}{'…' if len(t) > 60 else ''}»" for t in gone_tiltak[:MAX_LISTED])
            more = f" og {len(gone_tiltak) - MAX_LISTED} til" if len(gone_tiltak) > MAX_LISTED else ""
            parts.append(f"{counted(len(gone_tiltak), 'tiltak', 'tiltak')}: {shown}{more} "
                         f"({len(tiltak)} → {len(plan.tiltak)} tiltak)")
        found.append(Finding(
            "planen_mister_innhold", "plan_id", "advarsel", False, len(gone_programmes) + len(gone_tiltak),
            plan_id, f"Filen erstatter planen «{plan.tittel}» ({plan_id}) slik den står i lageret, og da fjernes "
            + " og ".join(parts) + ". Skal de ut av planen, er det i orden. Mangler de i filen ved en feil, rett "
            "filen før du laster den inn.",
        ))
    return found


def before_warehouse(con, rows: str) -> list[Finding]:
    """What a plan changes in the warehouse, said in the preview before it is loaded (`Source.before_load`)."""
    return [*dropped_from_plan(con, rows), *years_let_go(con, rows)]


MAX_LISTED = 5

SOURCE = Source(name="plan", label=LABEL, detect=detect, read=read, validate=validate, load=load,
                table="core.plan", key=["plan_id"], owner_data=True,  # load replaces every PLAN_TABLES row of the plan_id
                after_load=orphaned_reports, before_load=before_warehouse)
