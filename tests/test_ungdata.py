"""Ungdata as a skolesjef brings it: the municipality's results table and FHI's Kommunehelsa files."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from pipelines.cli import main as cli
from pipelines.ingest import ingest_file
from tests.conftest import query, table_digest

TABLES = ["core.ungdata", "core.ingest_log"]
FHI_HEADER = "GEO;AAR;KJONN;TRINN;INDIKATOR;TELLER;NEVNER;RATE;SPVFLAGG"


def _write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_text(text, encoding=encoding)
    return path


def _rows(db: Path, where: str = "TRUE") -> list[tuple]:
    return query(
        db,
        f"SELECT geo_niva, geo, kommunenr, aar, periode, trinn, kjonn, indikator_kode, andel, antall_svar, skjermet, "
        f"flagg, kilde FROM mart.ungdata WHERE {where} ORDER BY geo, kjonn, flagg",
    )


def test_demo_ungdata_files_load_both_sources_with_fylke_and_national_references(demo_db_master):
    sources = dict(query(demo_db_master, "SELECT kilde, count(*) FROM mart.ungdata GROUP BY 1"))
    assert set(sources) == {"ungdata", "kommunehelsa"}
    levels = {r[0] for r in query(demo_db_master, "SELECT DISTINCT geo_niva FROM mart.ungdata")}
    assert levels == {"kommune", "fylke", "nasjonalt"}
    waves = [r[0] for r in query(demo_db_master, "SELECT DISTINCT aar FROM mart.ungdata WHERE kilde = 'ungdata' ORDER BY 1")]
    assert len(waves) >= 2
    # Small groups in Sjøbygd are withheld by the source and never stored as numbers.
    hidden = query(demo_db_master, "SELECT count(*), count(andel) FROM mart.ungdata WHERE skjermet")[0]
    assert hidden[0] > 0 and hidden[1] == 0


def test_demo_ungdata_all_kjonn_lies_between_jenter_and_gutter_as_in_real_tables(demo_db_master):
    rows = query(
        demo_db_master,
        """
        SELECT kilde, geo, periode, trinn, indikator_kode,
               max(andel) FILTER (kjonn = 'alle'), max(andel) FILTER (kjonn = 'jenter'), max(andel) FILTER (kjonn = 'gutter')
        FROM mart.ungdata GROUP BY ALL
        HAVING count(andel) FILTER (kjonn = 'alle') > 0 AND count(andel) FILTER (kjonn = 'jenter') > 0
           AND count(andel) FILTER (kjonn = 'gutter') > 0
        """,
    )
    assert len(rows) > 50
    outside = [r for r in rows if not min(r[6], r[7]) - 0.05 <= r[5] <= max(r[6], r[7]) + 0.05]
    assert not outside, outside[:5]


@pytest.mark.parametrize(
    ("flag", "value", "andel", "skjermet"),
    [("0", "12.5", 12.5, False), ("1", "", None, False), ("2", "", None, False), ("3", "", None, True),
     ("4", "", None, False), (":", "", None, True), ("..", "", None, False)],
)
def test_fhi_flag_codes_say_why_a_value_is_absent(register_db, tmp_path, flag, value, andel, skjermet):
    path = _write(tmp_path / "fhi.csv", f"{FHI_HEADER}\n9901;2021_2023;0;ungdomstrinn;Trives på skolen;;400;{value};{flag}\n")
    outcome = ingest_file(path, register_db)
    assert outcome.result == "lastet", outcome.message
    row = _rows(register_db)[0]
    assert row[8] == andel and row[10] is skjermet
    assert row[11] == {":": 3, "..": 1}.get(flag, int(flag) if flag.isdigit() else None)


def test_an_anonymised_value_is_never_stored_even_when_the_file_has_a_number(register_db, tmp_path):
    path = _write(tmp_path / "fhi.csv", f"{FHI_HEADER}\n9901;2021_2023;2;ungdomstrinn;Trives på skolen;7;40;17.5;3\n")
    assert ingest_file(path, register_db).result == "lastet"
    assert query(register_db, "SELECT andel, skjermet FROM mart.ungdata")[0] == (None, True)


def test_fhi_pooled_periods_kjonn_codes_and_geography_levels_are_normalised(register_db, tmp_path):
    text = (
        f"{FHI_HEADER}\n"
        "9901;2021_2023;0;ungdomstrinn;Trives på skolen;320;400;80.0;0\n"
        "9901;2021_2023;1;ungdomstrinn;Trives på skolen;160;200;80.0;0\n"
        "9901;2021_2023;2;ungdomstrinn;Trives på skolen;150;200;75.0;0\n"
        "99;2021_2023;0;ungdomstrinn;Trives på skolen;3000;4000;75.0;0\n"
        "0;2021_2023;0;ungdomstrinn;Trives på skolen;70000;80000;87.5;0\n"
        "301;2024;0;ungdomstrinn;Trives på skolen;100;200;50.0;0\n"
    )
    outcome = ingest_file(_write(tmp_path / "fhi.csv", text), register_db)
    assert outcome.result == "lastet", outcome.message
    rows = {(r[1], r[6]): r for r in _rows(register_db)}
    assert rows[("9901", "alle")][3:6] == (2021, "2021–2023", "8-10")
    assert rows[("9901", "gutter")][8] == 80.0 and rows[("9901", "jenter")][8] == 75.0
    assert rows[("99", "alle")][0] == "fylke" and rows[("99", "alle")][2] is None
    assert rows[("0", "alle")][0] == "nasjonalt"
    # A kommunenr that lost its leading zero in Excel is given it back; a single year is its own period.
    assert rows[("0301", "alle")][0:5] == ("kommune", "0301", "0301", 2024, "2024")
    # 0301 is not in the register: loaded, but the verdict says so.
    assert any("ikke står i skoleregisteret" in w for w in outcome.warnings)


def test_fhi_long_format_with_measure_type_reads_like_the_wide_one(register_db, tmp_path):
    text = (
        "Geografi;År;Kjønn;Trinn;Indikator;MEASURE_TYPE;value;flag\n"
        "9901;2021_2023;0;ungdomstrinn;Plaget av ensomhet;RATE;21,5;0\n"
        "9901;2021_2023;0;ungdomstrinn;Plaget av ensomhet;TELLER;86;0\n"
        "9901;2021_2023;0;ungdomstrinn;Plaget av ensomhet;NEVNER;400;0\n"
    )
    outcome = ingest_file(_write(tmp_path / "lang.csv", text), register_db)
    assert outcome.result == "lastet", outcome.message
    assert outcome.source == "ungdata_fhi"
    assert _rows(register_db)[0][7:10] == ("plaget_av_ensomhet", 21.5, 400)
    # TELLER counted, not silently dropped; NEVNER said as the number of answers on the share's row (3 in = 1 + 2)
    assert outcome.rows_skipped == 2
    assert "1 andre måltall (f.eks. TELLER)" in outcome.message
    assert "1 NEVNER-rader (antall svar), lagt til raden med andelen" in outcome.message


def test_fhi_long_format_says_a_nevner_row_without_a_share_beside_it(register_db, tmp_path):
    """A NEVNER row whose RATE row is missing was dropped without a word: 2 rows in, 1 loaded, 0 skipped."""
    text = (
        "Geografi;År;Kjønn;Trinn;Indikator;MEASURE_TYPE;value;flag\n"
        "9901;2021_2023;0;ungdomstrinn;Plaget av ensomhet;RATE;21,5;0\n"
        "9901;2021_2023;0;ungdomstrinn;Plaget av ensomhet;NEVNER;400;0\n"
        "9901;2021_2023;1;ungdomstrinn;Plaget av ensomhet;NEVNER;190;0\n"
    )
    outcome = ingest_file(_write(tmp_path / "lang_uten.csv", text), register_db)
    assert outcome.result == "lastet", outcome.message
    assert (outcome.rows_in, outcome.rows_loaded, outcome.rows_skipped) == (3, 1, 2)
    assert "1 NEVNER-rader uten RATE-rad for samme sted, år, kjønn, trinn og indikator" in outcome.message


@pytest.mark.parametrize("bad_row", [3, 5])  # a RATE row, then a NEVNER row (Excel's rows: the header is 1)
def test_fhi_long_format_names_the_row_and_column_of_an_unreadable_value_as_they_stand_in_the_file(
        register_db, tmp_path, bad_row):
    rows = [
        "9901;2021_2023;0;ungdomstrinn;Plaget av ensomhet;RATE;21,5;0",
        "9901;2021_2023;1;ungdomstrinn;Plaget av ensomhet;RATE;19,0;0",
        "9901;2021_2023;0;ungdomstrinn;Plaget av ensomhet;NEVNER;400;0",
        "9901;2021_2023;1;ungdomstrinn;Plaget av ensomhet;NEVNER;380;0",
    ]
    parts = rows[bad_row - 2].split(";")
    parts[6] = "mange"  # the value column
    rows[bad_row - 2] = ";".join(parts)
    text = "Geografi;År;Kjønn;Trinn;Indikator;MEASURE_TYPE;value;flag\n" + "\n".join(rows) + "\n"
    outcome = ingest_file(_write(tmp_path / "lang_feil.csv", text), register_db)
    assert outcome.result == "avvist"
    assert f"(rad {bad_row}, kolonne «value»)" in outcome.message, outcome.message


def test_fhi_long_format_names_the_nevner_row_of_a_negative_number_of_answers(register_db, tmp_path):
    """-380 answers stood in row 5, a NEVNER row; the refusal sent the user to row 3, the RATE row it belongs to."""
    rows = [
        "9901;2021_2023;0;ungdomstrinn;Plaget av ensomhet;RATE;21,5;0",
        "9901;2021_2023;1;ungdomstrinn;Plaget av ensomhet;RATE;19,0;0",
        "9901;2021_2023;0;ungdomstrinn;Plaget av ensomhet;NEVNER;400;0",
        "9901;2021_2023;1;ungdomstrinn;Plaget av ensomhet;NEVNER;-380;0",
    ]
    text = "Geografi;År;Kjønn;Trinn;Indikator;MEASURE_TYPE;value;flag\n" + "\n".join(rows) + "\n"
    outcome = ingest_file(_write(tmp_path / "lang_negativ.csv", text), register_db)
    assert outcome.result == "avvist"
    assert "Antall svar kan ikke være negativt (rad 5, kolonne «value (NEVNER)»)" in outcome.message, outcome.message
    assert "Rader: 3" not in outcome.message


def test_fhi_share_is_computed_from_teller_and_nevner_when_there_is_no_rate(register_db, tmp_path):
    text = "GEO;AAR;KJONN;TRINN;INDIKATOR;TELLER;NEVNER;SPVFLAGG;EKSTRA\n9901;2024;0;8-10;Skulket;50;400;0;x\n"
    assert ingest_file(_write(tmp_path / "tn.csv", text), register_db).result == "lastet"
    assert _rows(register_db)[0][8] == 12.5


def test_fhi_file_without_an_indicator_dimension_is_refused_naming_it(register_db, tmp_path):
    before = table_digest(register_db, ["core.ungdata"])
    text = "GEO;AAR;KJONN;RATE;SPVFLAGG\n9901;2021_2023;0;80.0;0\n"
    outcome = ingest_file(_write(tmp_path / "uten.csv", text), register_db)
    assert outcome.result == "avvist"
    assert "INDIKATOR" in outcome.message
    assert table_digest(register_db, ["core.ungdata"]) == before


def test_flag_zero_without_a_value_is_refused_and_nothing_is_loaded(register_db, tmp_path):
    before = table_digest(register_db, ["core.ungdata"])
    text = (
        f"{FHI_HEADER}\n9901;2021_2023;0;ungdomstrinn;Trives på skolen;320;400;80.0;0\n"
        "9901;2021_2023;1;ungdomstrinn;Trives på skolen;;;;0\n"
    )
    outcome = ingest_file(_write(tmp_path / "hull.csv", text), register_db)
    assert outcome.result == "avvist"
    assert "flagget sier at den finnes" in outcome.message
    assert table_digest(register_db, ["core.ungdata"]) == before


def test_unknown_flag_is_refused_naming_row_and_column(register_db, tmp_path):
    text = f"{FHI_HEADER}\n9901;2021_2023;0;ungdomstrinn;Trives;1;2;50.0;0\n9901;2021_2023;1;ungdomstrinn;Trives;;;;9\n"
    outcome = ingest_file(_write(tmp_path / "flagg.csv", text), register_db)
    assert outcome.result == "avvist"
    assert "rad 3" in outcome.message and "SPVFLAGG" in outcome.message, outcome.message  # Excel's row


def test_municipal_table_keeps_star_as_withheld_and_reads_comma_decimals(register_db, tmp_path):
    text = (
        "kommunenr;aar;trinn;kjonn;indikator;andel;antall_svar\n"
        "9902;2024;8;jenter;Mange psykiske plager;*;7\n"
        "9902;2024;8-10;alle;Mange psykiske plager;17,4;\n"
        "9902;2024;VG1;alle;Mange psykiske plager;21,0;80\n"
    )
    outcome = ingest_file(_write(tmp_path / "tabell.csv", text, "cp1252"), register_db)
    assert outcome.result == "lastet", outcome.message
    assert outcome.source == "ungdata_tabell"
    rows = {r[5]: r for r in _rows(register_db)}
    assert rows["8"][8] is None and rows["8"][10] is True and rows["8"][11] == 3
    assert rows["8-10"][8] == 17.4 and rows["8-10"][9] is None
    assert rows["VG1"][8] == 21.0 and rows["VG1"][12] == "ungdata"


def test_municipal_table_saved_from_excel_with_percent_signs_reads_the_shares(register_db, tmp_path):
    """Excel saves a percent-formatted cell as «86,5 %»: refused as «not a number» for 23 rows, naming one."""
    text = (
        "kommunenr;aar;trinn;kjonn;indikator;andel;antall_svar\n"
        "9902;2024;8-10;alle;Trives på skolen;86,5 %;120\n"
        "9902;2024;8-10;jenter;Trives på skolen;84,0%;60\n"
        "9902;2024;8-10;gutter;Trives på skolen;*;55\n"
    )
    outcome = ingest_file(_write(tmp_path / "tabell_prosent.csv", text, "cp1252"), register_db)
    assert outcome.result == "lastet", outcome.message
    shares = {r[6]: r[8] for r in _rows(register_db)}
    assert shares == {"alle": 86.5, "jenter": 84.0, "gutter": None}, shares


@pytest.mark.parametrize("header", ["kommunenr;aar;trinn;kjonn;indikator;andel", "kommunenr;aar;trinn;kjonn;indikator;andel;antall_svar"])
def test_a_municipal_table_without_answer_counts_loads_with_a_warning_that_few_answers_cannot_be_hidden(
        register_db, tmp_path, header):
    """A table with its «antall_svar» column taken out loaded as clean (review): the dashboard cannot hide a share of
    few answers it cannot count."""
    empty = ";" if header.endswith("antall_svar") else ""
    text = header + "\n" + "".join(f"9902;2024;{t};alle;Trives;{70 + t}{empty}\n" for t in (8, 9, 10))
    outcome = ingest_file(_write(tmp_path / "tabell.csv", text, "utf-8"), register_db)
    assert outcome.result == "lastet", outcome.message
    assert any("kan dashbordet ikke skjule andeler med få svar" in n for n in outcome.notes), outcome.notes
    (warned,) = query(register_db, "SELECT advarsler FROM core.ingest_log WHERE filnavn = 'tabell.csv'")[0]
    assert warned >= 1
    counted = "kommunenr;aar;trinn;kjonn;indikator;andel;antall_svar\n9902;2024;8;alle;Trives;80;50\n"
    outcome = ingest_file(_write(tmp_path / "med_antall.csv", counted, "utf-8"), register_db)
    assert outcome.result == "lastet" and not any("antall svar" in n for n in outcome.notes), outcome.message


@pytest.mark.parametrize("nation", ["0", "Norge", "Hele landet"])
def test_municipal_table_reads_the_nation_beside_the_municipality(register_db, tmp_path, nation):
    """NOVA's report gives the nation beside the municipality: «0» was stored as a municipality «0000», and «Norge» or
    «Hele landet» refused as a kommunenummer; the reports' «Landet» column stayed empty."""
    text = ("kommunenr;aar;trinn;kjonn;indikator;andel;antall_svar\n"
            "9902;2024;8-10;alle;Trives på skolen;82,5;140\n"
            f"{nation};2024;8-10;alle;Trives på skolen;85,4;\n")
    outcome = ingest_file(_write(tmp_path / "tabell.csv", text), register_db)
    assert outcome.result == "lastet", outcome.message
    rows = query(register_db, "SELECT geo_niva, geo, kommunenr, andel FROM core.ungdata ORDER BY geo_niva")
    assert rows == [("kommune", "9902", "9902", 82.5), ("nasjonalt", "0", None, 85.4)], rows


def test_municipal_table_headed_as_excel_users_write_it_keeps_every_column(register_db, tmp_path):
    """«Antall svar» (with a space), «År», «Kjønn»: the answers were read as no column at all, and a corrected file
    wiped every stored number of answers. A column the table does not have is named in a warning, not dropped unseen."""
    text = (
        "Kommunenr;Kommune;År;Trinn;Kjønn;Indikator;Andel;Antall svar;Merknad\n"
        "9902;Sjøbygd;2024;8;jenter;Mange psykiske plager;31,5;54;ny metode\n"
    )
    outcome = ingest_file(_write(tmp_path / "tabell_excel.csv", text, "cp1252"), register_db)
    assert outcome.result == "lastet", outcome.message
    assert outcome.source == "ungdata_tabell"
    assert query(register_db, "SELECT aar, kjonn, andel, antall_svar FROM mart.ungdata WHERE geo = '9902'") == [
        (2024, "jenter", 31.5, 54)]
    assert "«Merknad» er ikke lest" in outcome.message and "Kommune" not in outcome.message.split("Merknad")[0]
    both = text.replace("Merknad", "N").replace("ny metode", "54")
    outcome = ingest_file(_write(tmp_path / "to_navn.csv", both, "cp1252"), register_db)
    assert outcome.result == "avvist" and "«Antall svar» og «N» betyr begge «antall_svar»" in outcome.message, \
        outcome.message


def test_municipal_table_with_an_unknown_trinn_is_refused_naming_row_and_column(register_db, tmp_path):
    text = "kommunenr;aar;trinn;kjonn;indikator;andel;antall_svar\n9902;2024;8;alle;Trives;80;50\n9902;2024;åttende;alle;Trives;80;50\n"
    outcome = ingest_file(_write(tmp_path / "trinn.csv", text), register_db)
    assert outcome.result == "avvist"
    assert "(rad 3, kolonne «trinn»)" in outcome.message, outcome.message  # Excel's row


def test_a_file_with_a_person_identifier_is_refused(register_db, tmp_path):
    before = table_digest(register_db, TABLES[:1])
    text = (
        "kommunenr;aar;trinn;kjonn;indikator;andel;antall_svar;fodselsnummer\n"
        "9902;2024;8;alle;Trives;80;50;01010112345\n"
    )
    outcome = ingest_file(_write(tmp_path / "person.csv", text), register_db)
    assert outcome.result == "avvist"
    assert "fødselsnummer" in outcome.message.lower() or "person" in outcome.message.lower()
    assert table_digest(register_db, TABLES[:1]) == before


def test_same_file_twice_is_already_loaded_and_a_new_delivery_replaces_the_value(register_db, tmp_path):
    header = "kommunenr;aar;trinn;kjonn;indikator;andel;antall_svar\n"
    first = _write(tmp_path / "a.csv", header + "9901;2024;8-10;alle;Trives på skolen;80,0;300\n")
    assert cli(["--db", str(register_db), "ingest", str(first)]) == 0
    assert ingest_file(first, register_db).result == "allerede_lastet"
    second = _write(tmp_path / "b.csv", header + "9901;2024;8-10;alle;Trives på skolen;82,5;310\n")
    assert ingest_file(second, register_db).result == "lastet"
    assert query(register_db, "SELECT andel, antall_svar FROM mart.ungdata") == [(82.5, 310)]
    batches = query(register_db, "SELECT count(*) FROM mart.ingest_log WHERE kilde = 'ungdata_tabell' AND resultat = 'lastet'")
    assert batches[0][0] == 2


def test_ungdata_names_a_real_county_by_its_number_without_asking_udir_files():
    """FHI's files give the county as «46»; the chart says «Vestland», also before any Udir file is loaded."""
    from dashboard.queries import _fylke_name

    with duckdb.connect() as con:
        con.execute("CREATE SCHEMA core")
        con.execute("CREATE TABLE core.eu_resultat (enhet_niva VARCHAR, fylkekode VARCHAR, enhet_navn VARCHAR)")
        assert _fylke_name(con, "46") == "Vestland"
        assert _fylke_name(con, "99") == "Fylket"
        con.execute("INSERT INTO core.eu_resultat VALUES ('fylke', '99', 'Fjordfylket')")
        assert _fylke_name(con, "99") == "Fjordfylket"


# ---------------------------------------------------------------- FHI: what the contract review found

def test_fhi_table_split_by_age_keeps_each_age_group_as_its_own_group(register_db, tmp_path):
    """FHI's ALDER was read as no column at all: every row became trinn «alle», and a table split by age was refused
    as the same group twice."""
    text = (
        "GEO;AAR;KJONN;ALDER;INDIKATOR;RATE;NEVNER;SPVFLAGG\n"
        "9901;2021_2023;0;13_15;Trives på skolen;84,3;900;0\n"
        "9901;2021_2023;0;16_18;Trives på skolen;79,1;700;0\n"
        "9901;2021_2023;0;0_120;Trives på skolen;81,0;1600;0\n"
        "9901;2021_2023;0;Ungdomstrinn;Trives på skolen;84,0;900;0\n"
        "9901;2021_2023;1;15;Trives på skolen;80,0;300;0\n"
    )
    outcome = ingest_file(_write(tmp_path / "alder.csv", text), register_db)
    assert outcome.result == "lastet", outcome.message
    assert {(r[5], r[6]): r[8] for r in _rows(register_db)} == {
        ("13-15 år", "alle"): 84.3, ("16-18 år", "alle"): 79.1, ("alle", "alle"): 81.0, ("8-10", "alle"): 84.0,
        ("15 år", "gutter"): 80.0}


def test_fhi_age_that_is_not_an_age_is_refused_naming_row_and_column(register_db, tmp_path):
    text = "GEO;AAR;KJONN;ALDER;INDIKATOR;RATE;SPVFLAGG\n9901;2024;0;13_15;Trives;84,3;0\n9901;2024;0;tenåring;Trives;80;0\n"
    outcome = ingest_file(_write(tmp_path / "alder_feil.csv", text), register_db)
    assert outcome.result == "avvist"
    assert "(rad 3, kolonne «ALDER»)" in outcome.message, outcome.message


def test_fhi_shares_are_stored_as_published_not_rounded(register_db, tmp_path):
    """`.round(1)` on load turned a published 0,04 % into 0 %; rounding is the pages' job."""
    text = (
        "GEO;AAR;KJONN;TRINN;INDIKATOR;RATE;SPVFLAGG\n"
        "9901;2021_2023;0;8-10;Trives på skolen;12,345;0\n"
        "9901;2021_2023;1;8-10;Trives på skolen;0,04;0\n"
    )
    assert ingest_file(_write(tmp_path / "desimaler.csv", text), register_db).result == "lastet"
    assert {r[6]: r[8] for r in _rows(register_db)} == {"alle": 12.345, "gutter": 0.04}


def test_fhi_long_format_with_only_teller_and_nevner_works_out_the_share(register_db, tmp_path):
    text = (
        "GEO;AAR;KJONN;TRINN;INDIKATOR;MEASURE_TYPE;value;flag\n"
        "9901;2021_2023;0;8-10;Trives på skolen;TELLER;800;0\n"
        "9901;2021_2023;0;8-10;Trives på skolen;NEVNER;948;0\n"
        "9901;2021_2023;1;8-10;Trives på skolen;TELLER;;3\n"
        "9901;2021_2023;1;8-10;Trives på skolen;NEVNER;;3\n"
    )
    outcome = ingest_file(_write(tmp_path / "lang_tn.csv", text), register_db)
    assert outcome.result == "lastet", outcome.message
    rows = {r[6]: r for r in _rows(register_db)}
    assert rows["alle"][8] == pytest.approx(800 * 100 / 948) and rows["alle"][9] == 948
    assert rows["gutter"][8] is None and rows["gutter"][10] is True
    assert (outcome.rows_in, outcome.rows_loaded, outcome.rows_skipped) == (4, 2, 2)  # every row accounted for


def test_fhi_long_format_with_neither_a_share_nor_both_teller_and_nevner_is_refused(register_db, tmp_path):
    text = (
        "GEO;AAR;KJONN;TRINN;INDIKATOR;MEASURE_TYPE;value;flag\n"
        "9901;2021_2023;0;8-10;Trives på skolen;TELLER;800;0\n"
    )
    outcome = ingest_file(_write(tmp_path / "lang_t.csv", text), register_db)
    assert outcome.result == "avvist"
    assert "Fant ikke noe andelsmål i MEASURE_TYPE" in outcome.message and "fant TELLER" in outcome.message


@pytest.mark.parametrize("source", [None, "ungdata_fhi"])
def test_fhi_file_without_kjonn_is_refused_with_advice_about_kjonn(register_db, tmp_path, source):
    """Without `--source` the file was not recognised at all; with it, the advice was about the indicator."""
    text = "GEO;AAR;TRINN;INDIKATOR;RATE;SPVFLAGG\n0301;2021_2023;8-10;Trives på skolen;84,3;0\n"
    outcome = ingest_file(_write(tmp_path / "uten_kjonn.csv", text), register_db, source=source)
    assert outcome.result == "avvist"
    assert "mangler dimensjonen KJONN" in outcome.message, outcome.message
    assert "kjønn" in outcome.message.split("KJONN", 1)[1] and "indikatoren" not in outcome.message


def test_fhi_file_without_indicator_is_recognised_and_advised_about_the_indicator(register_db, tmp_path):
    text = "GEO;AAR;KJONN;TRINN;RATE;SPVFLAGG\n0301;2021_2023;0;8-10;84,3;0\n"
    outcome = ingest_file(_write(tmp_path / "uten_ind.csv", text), register_db)
    assert outcome.result == "avvist"
    assert "mangler dimensjonen INDIKATOR" in outcome.message and "indikatoren" in outcome.message
    assert "kjønn" not in outcome.message.lower()


def test_a_table_with_neither_kjonn_nor_indicator_is_not_taken_for_fhi(register_db, tmp_path):
    text = "GEO;AAR;RATE\n0301;2021_2023;84,3\n"
    outcome = ingest_file(_write(tmp_path / "bare_tall.csv", text), register_db)
    assert outcome.result == "avvist" and "Kjenner ikke igjen formatet" in outcome.message


# ---------------------------------------------------------------- the Ungdata page

@pytest.fixture
def ungdata_page(warehouse, tmp_path):
    """The Ungdata page on the demo warehouse plus an FHI file of the test's own, with its indicator chosen."""
    from streamlit.testing.v1 import AppTest

    from dashboard.viewer import Viewer

    def make(text: str, code: str) -> AppTest:
        outcome = ingest_file(_write(tmp_path / "fhi_side.csv", text), warehouse)
        assert outcome.result == "lastet", outcome.message
        at = AppTest.from_file(str(Path(__file__).resolve().parent.parent / "dashboard" / "app.py"), default_timeout=60)
        at.session_state["viewer"] = Viewer(role="skoleeier", kommuner=frozenset({"9901"}), brukernavn="skolesjef")
        at.switch_page("views/ungdata.py")
        at.run()
        {s.label: s for s in at.selectbox}["Indikator"].select(code).run()
        assert not at.exception, [e.value for e in at.exception]
        return at

    return make


def _page_charts(at, tab_label: str) -> list[dict]:
    import json

    tab = next(t for t in at.tabs if t.label == tab_label)
    return [json.loads(c.proto.spec) for c in tab.get("plotly_chart")]


def test_ungdata_page_names_age_groups_as_ages_not_as_trinn(ungdata_page):
    at = ungdata_page(
        "GEO;AAR;KJONN;ALDER;INDIKATOR;RATE;NEVNER;SPVFLAGG\n"
        "9901;2021_2023;0;16_18;Aldersdelt;79,1;700;0\n"
        "9901;2021_2023;0;13_15;Aldersdelt;84,3;900;0\n",
        "aldersdelt",
    )
    assert {s.label: s for s in at.selectbox}["Trinn"].options == ["13–15 år", "16–18 år"]
    (bars,) = _page_charts(at, "Etter trinn og kjønn")
    assert sorted(bars["data"][0]["x"]) == ["13–15 år", "16–18 år"]
    assert bars["layout"]["xaxis"]["categoryarray"] == ["13–15 år", "16–18 år"]


def test_ungdata_chart_hover_shows_one_decimal_with_a_decimal_comma(ungdata_page):
    """The hover said «82 %» where the bars and the report say 82,5 %, and 10,2 and 9,8 both as «10 %»."""
    at = ungdata_page(
        "GEO;AAR;KJONN;TRINN;INDIKATOR;RATE;NEVNER;SPVFLAGG\n"
        "9901;2018_2020;0;8-10;Hoverprøve;10,2;400;0\n"
        "9901;2021_2023;0;8-10;Hoverprøve;82,5;400;0\n"
        "0;2021_2023;0;8-10;Hoverprøve;9,8;80000;0\n",
        "hoverprove",
    )
    (fig,) = _page_charts(at, "Over tid")
    texts = {t["name"]: t["text"] for t in fig["data"]}
    assert texts["Fjellvik (FHI, treårssnitt)"] == ["10,2 %", "82,5 %"]
    assert texts["Landet (FHI, treårssnitt)"] == ["9,8 %"]
    # The shares are stored as published (12,345): the bars' hover rounds them as their labels do.
    (bars,) = _page_charts(at, "Etter trinn og kjønn")
    assert bars["layout"]["yaxis"]["hoverformat"] == ".1f" and bars["layout"]["separators"] == ", "


def test_fhi_quality_findings_name_the_columns_as_the_file_heads_them(register_db, tmp_path):
    """FHI names its columns per table (RATE, NEVNER, AAR): a finding read «Kolonne «andel»» of a file with no such
    column, so the user could not tell where to look."""
    text = (f"{FHI_HEADER}\n9901;2021_2023;0;ungdomstrinn;Trives;1;2;184.7;0\n"
            "9901;2021_2023;1;ungdomstrinn;Trives;1;-336;50.0;0\n")
    outcome = ingest_file(_write(tmp_path / "kommunehelsa.csv", text), register_db)
    assert outcome.result == "avvist"
    assert "Andeler må ligge mellom 0 og 100 %. Kolonne «RATE». Rader: 2." in outcome.message, outcome.message
    assert "Antall svar kan ikke være negativt. Kolonne «NEVNER». Rader: 3." in outcome.message, outcome.message
    assert "«andel»" not in outcome.message and "«antall_svar»" not in outcome.message
    kolonner = query(register_db, "SELECT kolonne FROM core.kvalitet JOIN core.ingest_log USING (batch_id) "
                                  "WHERE filnavn = 'kommunehelsa.csv' AND NOT ok ORDER BY kolonne")
    assert set(kolonner) == {("NEVNER",), ("RATE",)}  # Datakvalitet's table too

    long = ("GEO;AAR;KJONN;TRINN;INDIKATOR;MEASURE_TYPE;value\n"
            "9901;2021_2023;0;ungdomstrinn;Trives;RATE;184.7\n9901;2021_2023;0;ungdomstrinn;Trives;NEVNER;40\n")
    outcome = ingest_file(_write(tmp_path / "lang.csv", long), register_db)
    assert "Kolonne «value (RATE)»" in outcome.message, outcome.message

    # A year is shown as the file has it, period and all; a period is checked to its last year.
    this_year = __import__("datetime").date.today().year
    late = (f"{FHI_HEADER}\n9901;{this_year + 3}_{this_year + 5};0;ungdomstrinn;Trives;1;2;50.0;0\n"
            f"9901;{this_year - 1}_{this_year + 1};0;ungdomstrinn;Trives;1;2;50.0;0\n")
    outcome = ingest_file(_write(tmp_path / "sent.csv", late), register_db)
    assert outcome.result == "avvist"
    assert (f"Året er ikke plausibelt for Ungdata (2010–{this_year}; en periode kan ikke slutte senere). "
            f"Kolonne «AAR». Rader: 2, 3. Eksempler: {this_year + 3}–{this_year + 5}; {this_year - 1}–{this_year + 1}."
            ) in outcome.message, outcome.message

    # The municipal table's own columns are called andel and antall_svar: named so.
    table = "kommunenr;aar;trinn;kjonn;indikator;andel;antall_svar\n9901;2024;8;alle;Trives;184,7;40\n"
    outcome = ingest_file(_write(tmp_path / "ungdata_9901.csv", table), register_db)
    assert "Kolonne «andel»" in outcome.message, outcome.message
