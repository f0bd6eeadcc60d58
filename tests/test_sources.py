"""Each reader, fed small files shaped like the real ones and saved the way users save them.

Every test goes the way a file goes: bytes on disk → `ingest.read_table` → `ingest.detect` →
the source's `read(...)`. No warehouse, no Great Expectations.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

from pipelines.errors import IngestError
from pipelines.ingest import detect, read_sheet, read_table
from pipelines.quality.person_data import find_person_data
from pipelines.sources.base import (
    EU_SCHEMA,
    REGISTER_SCHEMA,
    Known,
    SourceResult,
    per_value,
    per_value_test,
)

NBSP = "\u00a0"

# --- Udir statistikkbank export (FORMATS.md §1) ------------------------------------------------

QUESTION_COLUMNS = ["SpoersmaalNivaa", "Spoersmaalgruppekode", "Spoersmaalgruppe", "Spoersmaalkode", "Spoersmaalnavn"]
UNIT_COLUMNS = [
    "Skoleaarnavn", "EnhetNivaa", "Nasjonaltkode", "Nasjonalt", "Fylkekode", "Fylke", "Kommunekode",
    "Kommune", "Organisasjonsnummer", "EnhetNavn", "GruppeNivaa", "GruppeKode", "GruppeNavn",
    "TrinnNivaa", "TrinnKode", "Trinnnavn", "EierformNivaa", "Eierformkode", "EierformNavn",
    "KjoennNivaa", "KjoennKode", "Kjoenn",
]
PAGE_COLUMNS = ["Sidenummer", "RaderSide", "RaderTotalt"]
COLUMNS_148 = (
    QUESTION_COLUMNS + UNIT_COLUMNS + ["Score", "Standardavvik", "AntallBesvart"]
    + [f"AndelSvaralternativ{i}" for i in range(1, 6)]
    + [f"AntallBesvartSvaralternativ{i}" for i in range(1, 6)]
    + PAGE_COLUMNS
)
COLUMNS_150 = QUESTION_COLUMNS + UNIT_COLUMNS + ["AndelMobbet", "AntallBesvart"] + PAGE_COLUMNS
COLUMNS_151 = [
    "EnhetNivaa", "Nasjonaltkode", "Nasjonalt", "Fylkekode", "Fylke", "Kommunekode", "Kommune",
    "Organisasjonsnummer", "EnhetNavn", "Skoleaarnavn", "TrinnNivaa", "TrinnKode", "Trinnnavn",
    "EierformNivaa", "Eierformkode", "EierformNavn", "AndelDeltatt", "AntallBesvart", "AntallInvitert",
] + PAGE_COLUMNS

SCHOOL_ORGNR = "999000012"
SCHOOL_NAME = "Sjøbygd skule"
TRINNKODE_7 = "10"  # Udir's internal id for 7. trinn in these files: a grade it is NOT

TRIVSEL_INDEX = {
    "SpoersmaalNivaa": "0",
    "Spoersmaalgruppekode": "EUIndeks_1379",
    "Spoersmaalgruppe": "Trivsel",
    "Spoersmaalkode": "EUIndeks_1379",
    "Spoersmaalnavn": "Alle spørsmål",
}
MOBBING_INDEX = {
    "SpoersmaalNivaa": "0",
    "Spoersmaalgruppekode": "EUIndeks_1398",
    "Spoersmaalgruppe": "Mobbing på skolen",
    "Spoersmaalkode": "EUIndeks_1398",
    "Spoersmaalnavn": "Alle spørsmål",
}


def unit(level: str, trinn: int | None = None, kjonn: str = "Alle kjønn") -> dict[str, str]:
    """The identifying columns of one Udir row (level nasjonalt/fylke/kommune/skole)."""
    row = {
        "Skoleaarnavn": "2024-25",
        "EnhetNivaa": {"nasjonalt": "1", "fylke": "2", "kommune": "3", "skole": "4"}[level],
        "Nasjonaltkode": "0",
        "Nasjonalt": "Nasjonalt",
        "Fylkekode": "" if level == "nasjonalt" else "03",
        "Fylke": "" if level == "nasjonalt" else "Oslo",
        # Excel (or the API) lost the leading zero of 0301.
        "Kommunekode": "301" if level in ("kommune", "skole") else "",
        "Kommune": "Oslo" if level in ("kommune", "skole") else "",
        "Organisasjonsnummer": SCHOOL_ORGNR if level == "skole" else "",
        "EnhetNavn": {"nasjonalt": "Nasjonalt", "fylke": "Oslo", "kommune": "Oslo", "skole": SCHOOL_NAME}[level],
        "GruppeNivaa": "0",
        "GruppeKode": "0",
        "GruppeNavn": "Alle grupper",
        "TrinnNivaa": "0" if trinn is None else "1",
        "TrinnKode": "0" if trinn is None else TRINNKODE_7,
        "Trinnnavn": "Alle trinn" if trinn is None else f"{trinn}. trinn",
        "EierformNivaa": "0",
        "Eierformkode": "0",
        "EierformNavn": "Alle eierformer",
        "KjoennNivaa": "0" if kjonn == "Alle kjønn" else "1",
        "KjoennKode": {"Alle kjønn": "0", "Gutter": "1", "Jenter": "2"}[kjonn],
        "Kjoenn": kjonn,
    }
    return row


def page(columns: list[str], rows: list[dict[str, str | None]]) -> list[dict[str, str | None]]:
    """Rows in the export's column order, with the paging columns filled in."""
    out = []
    for r in rows:
        full = {c: r.get(c, "") for c in columns}
        if "Sidenummer" in full:
            full.update(Sidenummer="1", RaderSide=str(len(rows)), RaderTotalt=str(len(rows)))
        out.append(full)
    return out


def rows_148() -> list[dict[str, str | None]]:
    answers_blank = {f"AndelSvaralternativ{i}": None for i in range(1, 6)} | {
        f"AntallBesvartSvaralternativ{i}": None for i in range(1, 6)
    }
    answers_hidden = {f"AndelSvaralternativ{i}": "*" for i in range(1, 6)} | {
        f"AntallBesvartSvaralternativ{i}": "*" for i in range(1, 6)
    }
    return page(COLUMNS_148, [
        # 1 nasjonalt, thousands with a no-break space
        {**TRIVSEL_INDEX, **unit("nasjonalt"), "Score": "4,2", "Standardavvik": "0,81",
         "AntallBesvart": f"125{NBSP}943", **answers_blank},
        # 2 fylke
        {**TRIVSEL_INDEX, **unit("fylke"), "Score": "4,1", "Standardavvik": "0,84", "AntallBesvart": "4 812",
         **answers_blank},
        # 3 kommune, Kommunekode "301"
        {**TRIVSEL_INDEX, **unit("kommune"), "Score": "4,1", "Standardavvik": "0,9", "AntallBesvart": "812",
         **answers_blank},
        # 4 skole, 7. trinn (TrinnKode 10)
        {**TRIVSEL_INDEX, **unit("skole", 7), "Score": "4,4", "Standardavvik": "0,7", "AntallBesvart": "23",
         **answers_blank},
        # 5 skole, 7. trinn, jenter: suppressed by Udir
        {**TRIVSEL_INDEX, **unit("skole", 7, "Jenter"), "Score": "*", "Standardavvik": "*", "AntallBesvart": "*",
         **answers_hidden},
        # 6 skole, alle trinn: no data at all
        {**TRIVSEL_INDEX, **unit("skole"), "Score": "", "Standardavvik": None, "AntallBesvart": "",
         **answers_blank},
        # 7 a single question behind the index: detail, skipped
        {"SpoersmaalNivaa": "1", "Spoersmaalgruppekode": "EUIndeks_1379", "Spoersmaalgruppe": "Trivsel",
         "Spoersmaalkode": "EUSpm_1379_1", "Spoersmaalnavn": "Trives du på skolen?",
         **unit("skole", 7), "Score": "4,6", "Standardavvik": "0,6", "AntallBesvart": "23", **answers_blank},
    ])


def rows_150() -> list[dict[str, str | None]]:
    return page(COLUMNS_150, [
        {**MOBBING_INDEX, **unit("kommune"), "AndelMobbet": "6,2", "AntallBesvart": "812"},
        {**MOBBING_INDEX, **unit("skole", 7, "Jenter"), "AndelMobbet": "*", "AntallBesvart": "*"},
    ])


def rows_151() -> list[dict[str, str | None]]:
    def ident(level: str, trinn: int | None) -> dict[str, str]:
        return {k: v for k, v in unit(level, trinn).items() if k in COLUMNS_151}

    return page(COLUMNS_151, [
        {**ident("skole", None), "AndelDeltatt": "91,5", "AntallBesvart": "214", "AntallInvitert": "234"},
        {**ident("kommune", 7), "AndelDeltatt": "88,0", "AntallBesvart": f"1{NBSP}012",
         "AntallInvitert": f"1{NBSP}150"},
    ])


def json_page_bytes(rows: list[dict[str, str | None]]) -> bytes:
    """An export-API page as a browser saves it: UTF-8 JSON, non-ASCII letters as they are."""
    return json.dumps(rows, ensure_ascii=False, indent=1).encode("utf-8")


def web_export_csv_bytes(rows: list[dict[str, str | None]]) -> bytes:
    """The statistikkbank web export saved from Excel: `sep=;` line, `;`, CRLF, Windows-1252."""
    buf = io.StringIO()
    buf.write("sep=;\r\n")
    writer = csv.DictWriter(buf, fieldnames=list(rows[0]), delimiter=";", lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    return buf.getvalue().encode("cp1252")


def save(folder: Path, name: str, raw: bytes) -> Path:
    path = folder / name
    path.write_bytes(raw)
    return path


def read_file(path: Path, known: Known) -> tuple[str, SourceResult]:
    """What ingest does before validation: bytes → table → detected source → canonical frame."""
    table = read_table(path.read_bytes(), path.name)
    source = detect(table)
    return source.name, source.read(table, known)


def one(frame: pl.DataFrame, **where: object) -> dict:
    """The single row of `frame` matching all `where` (None matches null)."""
    expr = pl.lit(True)
    for col, value in where.items():
        expr = expr & (pl.col(col).is_null() if value is None else pl.col(col) == value)
    hit = frame.filter(expr)
    assert hit.height == 1, f"expected one row for {where}, got {hit.height}:\n{frame}"
    return hit.row(0, named=True)


def accounted_for(result: SourceResult) -> bool:
    """Every row of the file is either in the frame or counted as skipped."""
    return result.rows_in == result.frame.height + sum(result.skipped.values())


@pytest.fixture
def no_register() -> Known:
    return Known(schools=pl.DataFrame(schema={c: pl.String for c in ("orgnr", "navn", "kommunenr", "kommune")}),
                 indicator_codes={}, register=None)


@pytest.fixture
def udir_148(tmp_path, no_register) -> tuple[str, SourceResult]:
    path = save(tmp_path, "udir_148_indikator_2024-25_side1.json", json_page_bytes(rows_148()))
    return read_file(path, no_register)


def test_udir_148_page_is_recognised_as_the_indicator_table(udir_148):
    name, result = udir_148
    assert name == "udir_indikator"
    assert result.frame.schema == EU_SCHEMA
    assert result.rows_in == 7


def test_udir_question_level_rows_are_skipped_and_counted(udir_148):
    _, result = udir_148
    assert sum(result.skipped.values()) == 1
    assert result.frame.height == 6
    assert accounted_for(result)
    assert 7 not in result.frame["rad"].to_list()  # the question row
    assert result.frame["indikator"].unique().to_list() == ["Trivsel"]


def test_udir_index_rows_carry_the_stable_udir_code_and_index_name(udir_148):
    _, result = udir_148
    assert set(result.frame["indikator_kode"]) == {"EUIndeks_1379"}
    assert set(result.frame["indikator"]) == {"Trivsel"}
    assert set(result.frame["maal"]) == {"snitt"}


def test_udir_grade_is_read_from_trinnnavn_not_from_trinnkode(udir_148):
    _, result = udir_148
    row = one(result.frame, rad=4)
    assert row["trinn"] == 7
    assert int(TRINNKODE_7) not in result.frame["trinn"].drop_nulls().to_list()


def test_udir_alle_trinn_has_no_grade(udir_148):
    _, result = udir_148
    for rad in (1, 2, 3, 6):
        assert one(result.frame, rad=rad)["trinn"] is None


def test_udir_suppressed_star_is_kept_as_suppressed_not_missing(udir_148):
    _, result = udir_148
    row = one(result.frame, rad=5)
    assert row["verdi"] is None
    assert row["skjermet"] is True
    assert row["antall_besvart"] is None
    assert row["kjonn"] == "jenter"


def test_udir_empty_value_is_missing_not_suppressed(udir_148):
    _, result = udir_148
    row = one(result.frame, rad=6)
    assert row["verdi"] is None
    assert row["skjermet"] is False
    assert row["standardavvik"] is None


def test_udir_norwegian_numbers_are_parsed(udir_148):
    _, result = udir_148
    national = one(result.frame, rad=1)
    assert national["verdi"] == pytest.approx(4.2)
    assert national["standardavvik"] == pytest.approx(0.81)
    assert national["antall_besvart"] == 125943
    assert one(result.frame, rad=2)["antall_besvart"] == 4812
    assert one(result.frame, rad=4)["verdi"] == pytest.approx(4.4)


def test_udir_kommunekode_that_lost_its_leading_zero_is_padded(udir_148):
    _, result = udir_148
    kommune = one(result.frame, rad=3)
    assert kommune["kommunenr"] == "0301"
    assert kommune["enhet_id"] == "0301"
    assert one(result.frame, rad=4)["kommunenr"] == "0301"


def test_udir_levels_and_unit_ids_follow_enhetnivaa(udir_148):
    _, result = udir_148
    expected = {
        1: ("nasjonalt", "0", None, None),
        2: ("fylke", "03", None, None),
        3: ("kommune", "0301", None, "0301"),
        4: ("skole", SCHOOL_ORGNR, SCHOOL_ORGNR, "0301"),
    }
    for rad, (level, enhet_id, orgnr, kommunenr) in expected.items():
        row = one(result.frame, rad=rad)
        assert (row["enhet_niva"], row["enhet_id"], row["orgnr"], row["kommunenr"]) == (
            level, enhet_id, orgnr, kommunenr,
        ), rad
    assert one(result.frame, rad=4)["enhet_navn"] == SCHOOL_NAME


def test_udir_school_year_and_gender_are_normalised(udir_148):
    _, result = udir_148
    assert set(result.frame["skoleaar"]) == {"2024-25"}
    assert set(result.frame["skoleaar_start"]) == {2024}
    assert one(result.frame, rad=4)["kjonn"] == "alle"


def test_udir_150_mobbing_is_read_as_a_share(tmp_path, no_register):
    path = save(tmp_path, "udir_150_mobbing_2024-25_side1.json", json_page_bytes(rows_150()))
    name, result = read_file(path, no_register)
    assert name == "udir_mobbing"
    assert result.frame.schema == EU_SCHEMA
    assert set(result.frame["maal"]) == {"andel"}
    assert set(result.frame["indikator_kode"]) == {"EUIndeks_1398"}
    kommune = one(result.frame, rad=1)
    assert kommune["verdi"] == pytest.approx(6.2)
    assert kommune["kommunenr"] == "0301"
    hidden = one(result.frame, rad=2)
    assert (hidden["verdi"], hidden["skjermet"], hidden["trinn"]) == (None, True, 7)
    assert accounted_for(result)


def test_udir_151_deltakelse_is_read_as_a_share_for_all_genders(tmp_path, no_register):
    path = save(tmp_path, "udir_151_deltakelse_2024-25_side1.json", json_page_bytes(rows_151()))
    name, result = read_file(path, no_register)
    assert name == "udir_deltakelse"
    assert result.frame.schema == EU_SCHEMA
    assert set(result.frame["maal"]) == {"andel"}
    assert set(result.frame["kjonn"]) == {"alle"}
    assert set(result.frame["indikator_kode"]) == {"deltakelse"}
    school = one(result.frame, rad=1)
    assert (school["enhet_niva"], school["orgnr"], school["trinn"]) == ("skole", SCHOOL_ORGNR, None)
    assert school["verdi"] == pytest.approx(91.5)
    assert school["antall_besvart"] == 214
    kommune = one(result.frame, rad=2)
    assert (kommune["kommunenr"], kommune["trinn"], kommune["antall_besvart"]) == ("0301", 7, 1012)
    assert kommune["skjermet"] is False
    assert accounted_for(result)


def test_udir_web_export_csv_gives_the_same_frame_as_the_json_page(tmp_path, no_register, udir_148):
    raw = web_export_csv_bytes(rows_148())
    assert raw.startswith(b"sep=;\r\n")
    assert "Alle spørsmål".encode("cp1252") in raw  # really Windows-1252, not UTF-8
    path = save(tmp_path, "statistikkbank_148.csv", raw)
    name, from_csv = read_file(path, no_register)
    json_name, from_json = udir_148
    assert name == json_name == "udir_indikator"
    assert_frame_equal(from_csv.frame, from_json.frame)
    assert from_csv.skipped == from_json.skipped
    assert from_csv.rows_in == from_json.rows_in


def test_udir_table_missing_a_needed_column_is_refused_naming_it(tmp_path, no_register):
    rows = [{k: v for k, v in r.items() if k != "Kommunekode"} for r in rows_148()]
    path = save(tmp_path, "udir_148.json", json_page_bytes(rows))
    with pytest.raises(IngestError) as err:
        read_file(path, no_register)
    assert "mangler kolonnene" in str(err.value)
    assert "Kommunekode" in str(err.value)


def test_udir_score_that_is_not_a_number_is_refused_naming_row_and_column(tmp_path, no_register):
    rows = rows_148()
    rows[2]["Score"] = "fire komma en"
    path = save(tmp_path, "udir_148.json", json_page_bytes(rows))
    with pytest.raises(IngestError) as err:
        read_file(path, no_register)
    assert (err.value.row, err.value.column) == (3, "Score")
    assert "rad 3" in str(err.value) and "«Score»" in str(err.value)


# --- Historical Skoleporten download (FORMATS.md §2) -------------------------------------------

SKOLEPORTEN_HEADER = (
    "Enhetsnavn;Skoletype;Vurderingsområde;Statistikk;Indikator/delskår;Periode;Eierform;Trinn;Kjønn;Verdi;Måleenhet"
)


def skoleporten_line(name: str, indicator: str, kjonn: str, verdi: str, *, area: str = "Læringsmiljø",
                     unit_text: str = "snitt", trinn: str = "Trinn 7") -> str:
    statistikk = "Elevundersøkelsen" if area == "Læringsmiljø" else "Nasjonale prøver"
    return ";".join([name, "Grunnskole", area, statistikk, indicator, "2019-2020", "Alle eierformer", trinn,
                     kjonn, verdi, unit_text])


SKOLEPORTEN_LINES = [
    skoleporten_line("SJØBYGD SKOLE", "Trivsel", "Begge kjønn", "4,1"),  # 1
    skoleporten_line("SJØBYGD SKOLE", "Trivsel", "Jenter", "*"),  # 2
    skoleporten_line("SJØBYGD SKOLE", "Trivsel", "Gutter", ".."),  # 3
    skoleporten_line("SJØBYGD SKOLE", "Støtte fra lærerne", "Begge kjønn", "."),  # 4
    skoleporten_line("SJØBYGD SKOLE", "Mobbing på skolen", "Begge kjønn", "6,3", unit_text="prosent"),  # 5
    skoleporten_line("SJØBYGD SKOLE", "Lesing", "Begge kjønn", "50", area="Læringsresultater",
                     unit_text="skalapoeng", trinn="Trinn 5"),  # 6
    skoleporten_line("Fjellvik barneskole", "Trivsel", "Begge kjønn", "4,3"),  # 7
    skoleporten_line("Fjellvik kommune", "Trivsel", "Begge kjønn", "4,2"),  # 8
    skoleporten_line("Fjellvik kommune", "Lesing", "Begge kjønn", "51", area="Læringsresultater",
                     unit_text="skalapoeng", trinn="Trinn 5"),  # 9
    skoleporten_line("Nasjonalt", "Trivsel", "Begge kjønn", "4,2"),  # 10
    skoleporten_line("Gamle Haugen skole", "Trivsel", "Begge kjønn", "4,0"),  # 11
    skoleporten_line("Gamle Haugen skole", "Trivsel", "Jenter", "3,9"),  # 12
]


def skoleporten_bytes(lines: list[str]) -> bytes:
    """As Skoleporten delivered it: UTF-8 with BOM, `;`, CRLF."""
    return ("\r\n".join([SKOLEPORTEN_HEADER, *lines]) + "\r\n").encode("utf-8-sig")


@pytest.fixture
def register_schools() -> pl.DataFrame:
    return pl.DataFrame({
        "orgnr": ["999000012", "999000020"],
        "navn": ["Sjøbygd skule", "Fjellvik barneskole"],
        "kommunenr": ["9902", "9901"],
        "kommune": ["Sjøbygd", "Fjellvik"],
        "trinn_fra": [1, 1],
        "trinn_til": [10, 7],
        "elevtall": [268, 428],
    })


@pytest.fixture
def with_register(register_schools) -> Known:
    return Known(schools=register_schools, indicator_codes={"Trivsel": "EUIndeks_1379"}, register=None)


@pytest.fixture
def skoleporten(tmp_path, with_register) -> tuple[str, SourceResult]:
    raw = skoleporten_bytes(SKOLEPORTEN_LINES)
    assert raw.startswith(b"\xef\xbb\xbf") and b"\r\n" in raw
    path = save(tmp_path, "skoleporten_laeringsmiljo_2019-2020.csv", raw)
    return read_file(path, with_register)


def test_skoleporten_leaves_out_a_name_two_schools_in_the_register_share(tmp_path, register_schools):
    """Skoleporten's files name schools only: with two «Fjellvik barneskole», neither gets the rows (which one was
    meant cannot be known), and the note says so; before, the last one in the register did."""
    twin = pl.DataFrame({"orgnr": ["999000038"], "navn": ["Fjellvik barneskole"], "kommunenr": ["9902"],
                         "kommune": ["Sjøbygd"], "trinn_fra": [1], "trinn_til": [7], "elevtall": [10]},
                        schema=register_schools.schema)
    known = Known(schools=pl.concat([register_schools, twin]), indicator_codes={"Trivsel": "EUIndeks_1379"},
                  register=None)
    _, result = read_file(save(tmp_path, "skoleporten.csv", skoleporten_bytes(SKOLEPORTEN_LINES)), known)
    assert result.frame.filter(pl.col("enhet_navn") == "Fjellvik barneskole").is_empty()
    assert result.skipped["skolenavn som flere skoler i skoleregisteret har"] == 1
    assert any("Flere skoler i skoleregisteret heter Fjellvik barneskole" in n for n in result.notes)
    assert not result.frame.filter(pl.col("enhet_navn").str.to_lowercase().str.contains("sjøbygd")).is_empty()


def test_skoleporten_old_bullying_index_is_read_as_a_mean_apart_from_the_later_share(tmp_path, register_schools):
    """«Mobbing på skolen» was an index (a mean on 1–5) until 2016-17 and a share after. A 2012-13 row of 1,3 «Snitt»
    was stored as 1,3 % bullied under the share's Udir code, joining its trend line without a word. The file's own
    `Måleenhet` decides; the old index keeps a code and a name of its own."""
    known = Known(schools=register_schools, indicator_codes={"Mobbing på skolen": "EUIndeks_1398"}, register=None)
    lines = [
        skoleporten_line("SJØBYGD SKOLE", "Mobbing på skolen", "Begge kjønn", "1,3", unit_text="Snitt")
        .replace("2019-2020", "2012-2013"),
        skoleporten_line("SJØBYGD SKOLE", "Mobbing på skolen", "Begge kjønn", "6,1", unit_text="Prosent"),
        skoleporten_line("SJØBYGD SKOLE", "Trivsel", "Begge kjønn", "4,1", unit_text="Snitt"),
    ]
    _, result = read_file(save(tmp_path, "sp.csv", skoleporten_bytes(lines)), known)
    old, share, trivsel = (one(result.frame, rad=r) for r in (1, 2, 3))
    assert (old["maal"], old["verdi"]) == ("snitt", pytest.approx(1.3))
    assert old["indikator_kode"] == "SP_mobbing_pa_skolen_snitt" and old["indikator"] == "Mobbing på skolen (indeks)"
    assert (share["maal"], share["indikator_kode"], share["indikator"]) == ("andel", "EUIndeks_1398", "Mobbing på skolen")
    assert (trivsel["maal"], trivsel["indikator_kode"]) == ("snitt", "SP_trivsel")


def test_skoleporten_county_row_carries_udirs_county_code_and_name(tmp_path, with_register):
    """Udir's county rows are keyed by Fylkekode («03», named «Oslo»), Skoleporten's named «Oslo fylke»: the same
    county and key stood twice in mart.elevundersokelsen."""
    lines = [skoleporten_line("Oslo fylke", "Trivsel", "Begge kjønn", "4,0"),
             skoleporten_line("Vest-Agder fylkeskommune", "Trivsel", "Begge kjønn", "4,1")]
    _, result = read_file(save(tmp_path, "sp.csv", skoleporten_bytes(lines)), with_register)
    oslo, agder = one(result.frame, rad=1), one(result.frame, rad=2)
    assert (oslo["enhet_niva"], oslo["enhet_id"], oslo["fylkekode"], oslo["enhet_navn"]) == ("fylke", "03", "03", "Oslo")
    assert (agder["enhet_id"], agder["enhet_navn"]) == ("10", "Vest-Agder")


def test_skoleporten_download_is_recognised(skoleporten):
    name, result = skoleporten
    assert name == "skoleporten"
    assert result.frame.schema == EU_SCHEMA
    assert result.rows_in == len(SKOLEPORTEN_LINES)


def test_skoleporten_values_keep_suppressed_and_missing_apart(skoleporten):
    _, result = skoleporten
    f = result.frame
    assert one(f, rad=1)["verdi"] == pytest.approx(4.1)
    assert one(f, rad=1)["skjermet"] is False
    for rad in (2, 3):  # "*" and ".."
        row = one(f, rad=rad)
        assert (row["verdi"], row["skjermet"]) == (None, True), rad
    missing = one(f, rad=4)  # "."
    assert (missing["verdi"], missing["skjermet"]) == (None, False)


def test_skoleporten_trinn_gender_and_period_are_normalised(skoleporten):
    _, result = skoleporten
    row = one(result.frame, rad=1)
    assert row["trinn"] == 7
    assert row["kjonn"] == "alle"
    assert (row["skoleaar"], row["skoleaar_start"]) == ("2019-20", 2019)
    assert one(result.frame, rad=2)["kjonn"] == "jenter"
    assert one(result.frame, rad=3)["kjonn"] == "gutter"


def test_skoleporten_other_assessment_areas_are_skipped_and_counted(skoleporten):
    _, result = skoleporten
    assert 6 not in result.frame["rad"].to_list() and 9 not in result.frame["rad"].to_list()
    counted = {reason: n for reason, n in result.skipped.items() if "Læringsresultater" in reason}
    assert list(counted.values()) == [2]
    assert "Lesing" not in result.frame["indikator"].to_list()


def test_skoleporten_school_name_is_matched_to_the_register_despite_case_and_skule(skoleporten):
    _, result = skoleporten
    row = one(result.frame, rad=1)
    assert (row["enhet_niva"], row["orgnr"], row["enhet_id"], row["kommunenr"]) == (
        "skole", "999000012", "999000012", "9902",
    )
    assert one(result.frame, rad=7)["orgnr"] == "999000020"


@pytest.mark.parametrize("written", ["SJØBYGD SKOLE", "Sjøbygd  skule", " sjøbygd skole ", "Sjøbygd Skule"])
def test_skoleporten_name_spellings_of_one_school_all_match(tmp_path, with_register, written):
    path = save(tmp_path, "sp.csv", skoleporten_bytes([skoleporten_line(written, "Trivsel", "Begge kjønn", "4,1")]))
    _, result = read_file(path, with_register)
    assert result.frame["orgnr"].to_list() == ["999000012"]
    assert result.skipped == {}


def test_skoleporten_unknown_school_is_reported_in_notes_and_counted(skoleporten):
    _, result = skoleporten
    assert 11 not in result.frame["rad"].to_list() and 12 not in result.frame["rad"].to_list()
    counted = {reason: n for reason, n in result.skipped.items() if "registeret" in reason}
    assert list(counted.values()) == [2]
    assert any("Gamle Haugen skole" in note for note in result.notes)
    assert not any("Sjøbygd" in note.replace("SJØBYGD", "Sjøbygd") for note in result.notes)


def test_skoleporten_every_row_is_loaded_or_counted_as_skipped(skoleporten):
    _, result = skoleporten
    assert result.frame.height == len(SKOLEPORTEN_LINES) - 4
    assert accounted_for(result)


def test_skoleporten_kommune_and_national_rows_get_their_level(skoleporten):
    _, result = skoleporten
    kommune = one(result.frame, rad=8)
    assert (kommune["enhet_niva"], kommune["enhet_id"], kommune["kommunenr"], kommune["orgnr"]) == (
        "kommune", "9901", "9901", None,
    )
    # Named as Udir's tables name it, so a trend has one line for the municipality, not «Fjellvik kommune kommune».
    assert kommune["enhet_navn"] == "Fjellvik"
    national = one(result.frame, rad=10)
    assert (national["enhet_niva"], national["enhet_id"]) == ("nasjonalt", "0")


def test_skoleporten_known_indicator_gets_the_udir_code_so_trends_join(skoleporten):
    _, result = skoleporten
    assert one(result.frame, rad=1)["indikator_kode"] == "EUIndeks_1379"
    assert one(result.frame, rad=1)["maal"] == "snitt"
    mobbing = one(result.frame, rad=5)
    assert mobbing["maal"] == "andel"
    assert mobbing["verdi"] == pytest.approx(6.3)
    # An indicator the warehouse does not know yet gets a stable code of its own.
    assert one(result.frame, rad=4)["indikator_kode"] == one(result.frame, rad=4)["indikator_kode"].strip()
    assert one(result.frame, rad=4)["indikator_kode"] != one(result.frame, rad=5)["indikator_kode"]


def test_skoleporten_row_without_a_unit_name_is_counted_not_a_crash(tmp_path, with_register):
    lines = [
        skoleporten_line("SJØBYGD SKOLE", "Trivsel", "Begge kjønn", "4,1"),
        skoleporten_line("", "Trivsel", "Begge kjønn", "4,0"),
    ]
    path = save(tmp_path, "sp.csv", skoleporten_bytes(lines))
    _, result = read_file(path, with_register)
    assert result.frame["rad"].to_list() == [1]
    assert sum(result.skipped.values()) == 1
    assert result.notes


# --- School register (FORMATS.md §6) -----------------------------------------------------------

REGISTER_ROWS = [
    ["orgnr", "navn", "kommunenr", "kommune", "trinn_fra", "trinn_til", "elevtall"],
    ["999000012", "Sjøbygd skule", "301", "Oslo", "1", "10", "268"],
    ["999000020", "Fjellvik barneskole", "9901", "Fjellvik", "1", "7", ""],
    ["999000039", "Bæreia ungdomsskole", "0301", "Oslo", "8", "10", "1 234"],
]


def register_bytes(rows: list[list[str]], sep: str, encoding: str, newline: str = "\n") -> bytes:
    return "".join(sep.join(r) + newline for r in rows).encode(encoding)


@pytest.fixture
def register_utf8(tmp_path, no_register) -> tuple[str, SourceResult]:
    path = save(tmp_path, "skoleregister.csv", register_bytes(REGISTER_ROWS, ";", "utf-8"))
    return read_file(path, no_register)


def test_school_register_template_is_recognised_and_read(register_utf8):
    name, result = register_utf8
    assert name == "skoleregister"
    assert result.frame.schema == REGISTER_SCHEMA
    assert result.frame["orgnr"].to_list() == ["999000012", "999000020", "999000039"]
    assert result.frame["navn"].to_list() == ["Sjøbygd skule", "Fjellvik barneskole", "Bæreia ungdomsskole"]
    assert result.frame["trinn_fra"].to_list() == [1, 1, 8]
    assert result.frame["trinn_til"].to_list() == [10, 7, 10]


def test_school_register_kommunenr_keeps_or_regains_its_leading_zero(register_utf8):
    _, result = register_utf8
    assert result.frame["kommunenr"].to_list() == ["0301", "9901", "0301"]


def test_school_register_blank_elevtall_is_allowed_and_stays_unknown(register_utf8):
    _, result = register_utf8
    assert result.frame["elevtall"].to_list() == [268, None, 1234]


def test_school_register_in_windows_1252_with_commas_reads_the_same(tmp_path, no_register, register_utf8):
    raw = register_bytes(REGISTER_ROWS, ",", "cp1252", "\r\n")
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    path = save(tmp_path, "skoleregister_excel.csv", raw)
    name, result = read_file(path, no_register)
    assert name == "skoleregister"
    assert_frame_equal(result.frame, register_utf8[1].frame)


def test_school_register_orgnr_written_with_spaces_is_accepted(tmp_path, no_register):
    rows = [REGISTER_ROWS[0], ["999 000 012", "Sjøbygd skule", "301", "Oslo", "1", "10", "268"]]
    path = save(tmp_path, "skoleregister.csv", register_bytes(rows, ";", "utf-8"))
    _, result = read_file(path, no_register)
    assert result.frame["orgnr"].to_list() == ["999000012"]


@pytest.mark.parametrize("bad", ["99900002", "9990000201", "99900002X"])
def test_school_register_bad_orgnr_is_refused_naming_row_and_column(tmp_path, no_register, bad):
    rows = [REGISTER_ROWS[0], REGISTER_ROWS[1], [bad, *REGISTER_ROWS[2][1:]]]
    path = save(tmp_path, "skoleregister.csv", register_bytes(rows, ";", "utf-8"))
    with pytest.raises(IngestError) as err:
        read_file(path, no_register)
    assert (err.value.row, err.value.column) == (2, "orgnr")
    text = str(err.value)
    assert "rad 2" in text and "«orgnr»" in text
    assert "Organisasjonsnummer" in text


# --- Unknown files (detect) --------------------------------------------------------------------


def test_file_of_unknown_shape_is_refused_with_a_norwegian_message(tmp_path):
    raw = "Skole;Antall hendelser;Dato meldt\r\nSjøbygd skule;3;2024-09-01\r\n".encode()
    table = read_table(save(tmp_path, "ukjent.csv", raw).read_bytes(), "ukjent.csv")
    with pytest.raises(IngestError) as err:
        detect(table)
    text = str(err.value)
    assert "Kjenner ikke igjen formatet" in text
    assert "Antall hendelser" in text  # tells the user what it saw


def test_a_file_without_its_header_row_is_told_so_and_its_first_row_is_not_quoted(tmp_path):
    """The first row was taken for the header and quoted back as «Kolonnene er: 990023018, Holmen skule, 2026-10, ,
    aktivitetsplan, _duplicated_0 …»: internal names, and a row of data in the log others read."""
    raw = "990023018;Holmen skule;2026-10;;aktivitetsplan;;0;0;0;0\n990023018;Holmen skule;2026-10;;ppt;;0;0;0;0\n"
    table = read_table(save(tmp_path, "uten_overskrift.csv", raw.encode()).read_bytes(), "uten_overskrift.csv")
    with pytest.raises(IngestError) as err:
        detect(table)
    text = str(err.value)
    assert "mangle overskriftsraden" in text and "Holmen" not in text and "_duplicated" not in text, text
    # A wide statistics table headed by years is an unknown format, listed as such.
    wide = read_table(save(tmp_path, "bred.csv", b"Kommune;Indikator;2021-22;2022-23\nFjellvik;Trivsel;4,1;4,2\n")
                      .read_bytes(), "bred.csv")
    with pytest.raises(IngestError, match="Kolonnene er: Kommune, Indikator, 2021-22, 2022-23"):
        detect(wide)


def test_empty_file_is_refused_before_detection(tmp_path):
    for raw in (b"", b"\xef\xbb\xbf\r\n"):
        with pytest.raises(IngestError, match="tom"):
            read_table(raw, "tom.csv")


# --- Person data (FORMATS.md "Things that must never be loaded") -------------------------------

_W1 = (3, 7, 6, 1, 8, 9, 4, 5, 2)
_W2 = (5, 4, 3, 2, 7, 6, 5, 4, 3, 2)


def _check_digit(digits: list[int], weights: tuple[int, ...]) -> int:
    k = 11 - sum(w * d for w, d in zip(weights, digits, strict=True)) % 11
    return 0 if k == 11 else k


def make_fodselsnummer(birth_ddmmyy: str = "018185", first_individual: int = 400) -> str:
    """A number with correct mod-11 check digits. Month 81 (= January + 80) is the convention for
    synthetic test persons, so this can never be a real person's number."""
    for individual in range(first_individual, 1000):
        base = [int(c) for c in f"{birth_ddmmyy}{individual:03d}"]
        k1 = _check_digit(base, _W1)
        if k1 == 10:
            continue
        k2 = _check_digit([*base, k1], _W2)
        if k2 == 10:
            continue
        return "".join(map(str, base)) + f"{k1}{k2}"
    raise AssertionError("no valid number found")


def with_wrong_check_digit(fnr: str) -> str:
    return fnr[:10] + str((int(fnr[10]) + 1) % 10)


def register_with(value_in_row_2: str, column: str = "kommentar") -> pl.DataFrame:
    rows = [
        [*REGISTER_ROWS[0], column],
        [*REGISTER_ROWS[1], "ingen merknad"],
        [*REGISTER_ROWS[2], value_in_row_2],
    ]
    return read_table(register_bytes(rows, ";", "utf-8"), "skoleregister.csv")


def test_helper_makes_numbers_with_valid_check_digits():
    fnr = make_fodselsnummer()
    d = [int(c) for c in fnr]
    assert len(fnr) == 11
    assert d[9] == _check_digit(d[:9], _W1) and d[10] == _check_digit(d[:10], _W2)


@pytest.mark.parametrize("column", ["kommentar", "elevtall", "navn"])
def test_fodselsnummer_in_any_column_is_found_naming_row_and_column(column):
    fnr = make_fodselsnummer()
    if column == "kommentar":
        rows = [[*REGISTER_ROWS[0], column], [*REGISTER_ROWS[1], "ingen merknad"], [*REGISTER_ROWS[2], fnr]]
    else:
        rows = [REGISTER_ROWS[0], REGISTER_ROWS[1], [fnr if c == column else v for c, v in
                                                    zip(REGISTER_ROWS[0], REGISTER_ROWS[2], strict=True)]]
    sheet = read_sheet(register_bytes(rows, ";", "utf-8"), "skoleregister.csv")
    message = find_person_data(sheet.table, sheet.first_row)
    assert message is not None
    assert "Rad 3" in message  # the second row under the header, as Excel numbers it
    assert f"«{column}»" in message
    assert "fødselsnummer" in message


def test_fodselsnummer_written_with_a_space_is_found_too():
    fnr = make_fodselsnummer()
    message = find_person_data(register_with(f"{fnr[:6]} {fnr[6:]}"))
    assert message is not None and "«kommentar»" in message


def test_fodselsnummer_in_a_udir_page_is_found(tmp_path):
    rows = rows_148()
    rows[3]["EnhetNavn"] = make_fodselsnummer(first_individual=512)
    table = read_table(json_page_bytes(rows), "udir_148.json")
    message = find_person_data(table)
    assert message is not None and "Rad 4" in message and "«EnhetNavn»" in message


@pytest.mark.parametrize("header", ["*", "^.*$", "kommentar|navn"])
def test_a_header_that_looks_like_a_pattern_is_searched_as_one_column(header):
    """A file's header is data: «*» is a column, not every column (the fuzzer found this one)."""
    fnr = make_fodselsnummer()
    table = pl.DataFrame({"orgnr": ["974123456", "974123457"], header: ["*", fnr]})
    message = find_person_data(table)
    assert message is not None and "Rad 2" in message and f"«{header}»" in message
    assert find_person_data(pl.DataFrame({"orgnr": ["974123456"], header: ["*"]})) is None


@pytest.mark.parametrize("written", [
    "Gjelder elev {fnr}", "elev {a} {b}, se sak", "{a}-{b}/2025", "fnr:{fnr}.", "elev {a}  {b}", "{a}\u00a0{b}",
    "{a} - {b}", "{a}/{b}", "{a[0]}{a[1]}.{a[2]}{a[3]}.{a[4]}{a[5]} {b}", "ref.{fnr}",
])
def test_fodselsnummer_inside_free_text_is_found(written):
    fnr = make_fodselsnummer()
    message = find_person_data(register_with(written.format(fnr=fnr, a=fnr[:6], b=fnr[6:])))
    assert message is not None and "Rad 2" in message and "«kommentar»" in message  # data row 2 (no header offset)


def test_fodselsnummer_split_across_a_line_break_in_a_cell_is_found():
    fnr = make_fodselsnummer()
    assert find_person_data(pl.DataFrame({"kommentar": ["ok", f"elev {fnr[:6]}\n{fnr[6:]}"]})) is not None


def test_longer_numbers_and_wrong_check_digits_inside_text_are_not_flagged():
    fnr = make_fodselsnummer()
    assert find_person_data(register_with(f"konto 9{fnr}")) is None  # 12 digits: not a fødselsnummer
    assert find_person_data(register_with(f"1234.{fnr}")) is None  # a decimal's long fraction (Excel's CSV)
    assert find_person_data(register_with(f"ref {with_wrong_check_digit(fnr)} ok")) is None


def test_eleven_digits_with_wrong_check_digits_are_not_flagged():
    wrong = with_wrong_check_digit(make_fodselsnummer())
    assert find_person_data(register_with(wrong)) is None


@pytest.mark.parametrize("column", ["fødselsdato", "Fødselsdato", "elevnavn", "Elevnavn", "fnr"])
def test_person_column_name_is_refused_even_when_the_values_look_harmless(column):
    table = register_with("ukjent", column=column)
    message = find_person_data(table)
    assert message is not None
    assert f"«{column}»" in message
    assert "personopplysninger" in message


def test_normal_survey_tables_are_not_flagged(udir_148, tmp_path):
    files = {
        "udir_148.json": json_page_bytes(rows_148()),
        "udir_150.json": json_page_bytes(rows_150()),
        "udir_151.json": json_page_bytes(rows_151()),
        "statistikkbank_148.csv": web_export_csv_bytes(rows_148()),
        "skoleporten.csv": skoleporten_bytes(SKOLEPORTEN_LINES),
        "skoleregister.csv": register_bytes(REGISTER_ROWS, ";", "utf-8"),
    }
    for name, raw in files.items():
        assert find_person_data(read_table(raw, name)) is None, name


NAME_TEXT = st.text(
    alphabet=st.sampled_from(list("abcxyzABCXYZæøåÆØÅéèüöñçÉ0189 -_.,:;/()%«»–'\"\t") + ["ﬁ", "ß", "ĳ"]), max_size=40
)


@settings(max_examples=300, deadline=None)
@given(st.lists(NAME_TEXT, min_size=1, max_size=20))
def test_codes_made_in_polars_are_the_codes_the_python_rule_gives(names):
    # Indicator and programme codes are made in Polars (no Python per row, see test_layers); a name must still get
    # the code the written rule gives it, or a new file's rows would not join the trend of the old ones.
    from pipelines.sources.base import slug
    from pipelines.sources.programstatus import code
    from pipelines.sources.ungdata_base import indicator_code

    frame = pl.DataFrame({"navn": names})
    got = frame.select(
        slug(pl.col("navn"), fold_accents=True).alias("indikator"), slug(pl.col("navn")).alias("program")
    )
    assert got["indikator"].to_list() == [indicator_code(n) for n in names]
    assert got["program"].to_list() == [code(n) for n in names]


@settings(max_examples=100, deadline=None)
@given(values=st.lists(st.one_of(st.none(), st.sampled_from(["", " ", "nei", "Ja", " x ", "0", "7"])), max_size=12))
def test_a_test_worked_out_per_distinct_value_answers_as_it_would_per_row(values):
    """Blank-row detection answers once per distinct cell text; each row must still get its own cell's answer."""
    frame = pl.DataFrame({"c": values}, schema={"c": pl.String})
    blank = pl.col("c").str.strip_chars().fill_null("").is_in(["", "nei", "0"])
    per_row = frame.select(blank.alias("svar"))["svar"].to_list()
    per_value = frame.select(per_value_test(frame, "c", blank).alias("svar"))["svar"].to_list()
    assert per_value == per_row


@settings(max_examples=100, deadline=None)
@given(values=st.lists(st.one_of(st.none(), st.sampled_from(["", "4,1", "7. trinn", " 7 ", "x"])), max_size=12))
def test_columns_worked_out_per_distinct_value_land_on_every_row_as_per_row(values):
    """A reader parses each distinct text once; every row, blank ones too, must get its own text's answer in order."""
    frame = pl.DataFrame({"rad": list(range(1, len(values) + 1)), "c": values, "tall": [0] * len(values)},
                         schema={"rad": pl.Int64, "c": pl.String, "tall": pl.Int64})
    derived = {
        "tall": pl.col("c").str.extract(r"(\d+)", 1).cast(pl.Int64),  # replaces the column of that name
        "tom": pl.col("c").is_null() | (pl.col("c").str.strip_chars() == ""),
    }
    per_row = frame.with_columns(**derived)
    got = per_value(frame, "c", **derived)
    assert got.select(per_row.columns).equals(per_row)
    assert got.columns == ["rad", "c", "tall", "tom"]
