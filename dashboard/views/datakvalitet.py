"""Datakvalitet: the ingest log, each file's Great Expectations verdict, and schools missing from the register."""

from __future__ import annotations

import re

import polars as pl
import streamlit as st

import dashboard.labels as label_texts  # (a page variable is called `labels`)
from dashboard import queries, ui
from dashboard.labels import (
    ALVORLIGHET,
    KILDE,
    OLD_ROW_NUMBERS,
    RESULTAT,
    ROW_NUMBERS,
    column_label,
    row_numbers,
)
from pipelines.errors import counted


def plain(text: str) -> str:
    """Text from a file (its name, the loader's words about it) shown as it is, not read as Markdown («*», «_», «[…]»)."""
    return re.sub(r"([\\`*_{}\[\]()#+!|<>~$:-])", r"\\\1", text)


def withdraw_box(viewer, batch_id: str) -> None:
    """«Trekk tilbake filen»: a file loaded by mistake taken out again (`pipelines.withdraw`), when it can be, after a
    tick that says what goes; else why not, and what to do instead."""
    import duckdb

    from pipelines.errors import IngestError
    from pipelines.warehouse.connection import WarehouseBusy
    from pipelines.withdraw import withdraw

    db = queries.warehouse()
    found = queries.withdrawal(viewer, batch_id=batch_id)
    if found.is_empty():
        return
    plan = found.row(0, named=True)
    with st.expander("Trekk tilbake filen"):
        if plan["hindring"]:
            st.info(plain(plan["hindring"]))
            return
        rows = counted(plan["rader"], "rad", "rader")
        st.write(f"Er «{plain(plan['filnavn'])}» lastet inn ved en feil, kan du trekke den tilbake: {rows} fra filen "
                 "fjernes fra lageret, og filen står i loggen som trukket tilbake. Den kan lastes inn på nytt senere. "
                 + (plan["vernet"] or ""))
        sure = st.checkbox(f"Jeg vil trekke tilbake «{plain(plan['filnavn'])}» og fjerne dens {rows} fra lageret.",
                           key=f"trekk_ok_{batch_id}")
        if st.button("Trekk tilbake filen", key=f"trekk_{batch_id}", disabled=not sure, type="primary"):
            queries.release_reader()
            try:
                done = withdraw(db, batch_id, apply=True, scope=viewer.changes_files_of, user=viewer.brukernavn)
            except (IngestError, WarehouseBusy) as exc:  # another user withdrew it meanwhile, say
                st.error(plain(str(exc)))
                return
            except duckdb.TransactionException:  # a file was loaded into the same rows at that moment
                st.warning("En annen endring av de samme radene ble lagret i samme øyeblikk, så ingenting er trukket "
                           "tilbake. Se over filen og trykk på nytt.")
                return
            said = f"«{plain(done.filnavn)}» er trukket tilbake: {rows} er fjernet fra lageret. {done.published_text()}"
            st.session_state["trukket_tilbake"] = said
            st.session_state["trukket_tilbake_fil"] = batch_id
            st.rerun()


st.title("Datakvalitet")
if said := st.session_state.pop("trukket_tilbake", None):
    st.success(said, icon=":material/undo:")
st.write(
    "Hver fil som er lest inn, med resultatet av kvalitetskontrollen. "
    "Avviste filer har ikke endret noe i lageret. Originalfilene er arkivert."
)

viewer = ui.viewer()
if viewer.role not in ("skoleeier", "admin"):
    st.warning("Datakvalitet er for skoleeier og administrator.")
    st.stop()
log = queries.ingest_log(viewer)
if log.is_empty():
    st.info("Ingen filer er lest inn ennå.")
    st.stop()

counts = log.group_by("resultat").len()
by = dict(zip(counts["resultat"], counts["len"], strict=True))
c1, c2, c3, c4 = st.columns(4)
c1.metric("Filer lastet", by.get("lastet", 0))
c2.metric("Filer avvist", by.get("avvist", 0))
c3.metric("Allerede lastet", by.get("allerede_lastet", 0))
c4.metric("Filer med advarsler", int(log.filter(pl.col("advarsler") > 0).height))

shown = log.with_columns(
    pl.col("kilde").replace_strict(KILDE, default=pl.col("kilde")).fill_null("–"),
    pl.col("resultat").replace_strict(RESULTAT, default=pl.col("resultat")),
)
st.subheader("Innlastingslogg")
ui.table(
    shown.select(
        pl.col("ferdig").alias("Tidspunkt"),
        pl.col("filnavn").alias("Fil"),
        pl.col("resultat").alias("Resultat"),
        pl.col("rader_lastet").alias("Rader lastet"),
        pl.col("advarsler").alias("Advarsler"),
        pl.col("kilde").alias("Kilde"),
        pl.col("rader_inn").alias("Rader inn"),
        pl.col("rader_hoppet_over").alias("Hoppet over"),
        pl.col("rader_avvist").alias("Avvist"),
        pl.col("melding").alias("Melding"),  # last: the longest, and read in full below for one file
    ),
    "Innlastingslogg",
    # A long file name took a third of a 1024-pixel page and pushed «Advarsler» out of view; it is read in full in
    # its cell's tooltip and in the box below.
    column_config={"Fil": {"width": 200}},
)
old_rows = log.filter(pl.col("radnumre") == "under_overskriften")
if not old_rows.is_empty():
    st.caption(f"{ROW_NUMBERS} {OLD_ROW_NUMBERS}")

st.subheader("Kvalitetskontroll for én fil")
options = log.filter(pl.col("resultat") != "allerede_lastet")
labels = {
    r["batch_id"]: f"{r['filnavn']} – {RESULTAT.get(r['resultat'], r['resultat'])}"
                   + (f", {counted(r['advarsler'], 'advarsel', 'advarsler')}" if r["advarsler"] else "") + f" ({r['ferdig']:%d.%m.%Y %H:%M})"
    for r in options.iter_rows(named=True)
}
# The newest file that needs a look (refused, or loaded with warnings) comes up first; else the newest.
needs_look = options.filter((pl.col("advarsler") > 0) | (pl.col("resultat") == "avvist"))["batch_id"].to_list()
# A file just withdrawn stays chosen, with its message saying so (its label changed, so the box was drawn anew).
shown_first = st.session_state.pop("trukket_tilbake_fil", None)
if shown_first not in labels:
    shown_first = needs_look[0] if needs_look else None
if labels:
    batch = st.selectbox("Fil", list(labels), index=list(labels).index(shown_first) if shown_first else 0,
                         format_func=labels.get,
                         help="Viser først den nyeste filen som ble avvist eller lastet med advarsler.", placeholder="Velg")
    findings = queries.quality_findings(viewer, batch_id=batch)
    # The load's own message: what was skipped, and the reader's notes («Fant ikke i skoleregisteret: …»), which
    # count among the file's warnings but are no check of their own (the list below can say «0 med avvik»).
    message = options.filter(pl.col("batch_id") == batch)["melding"][0] or ""
    # Written by the loader from the file's own names: shown as text.
    st.markdown("**Melding fra innlastingen:** " + plain(message))
    if options.filter(pl.col("batch_id") == batch)["resultat"][0] == "lastet" and viewer.full_detail_everywhere:
        withdraw_box(viewer, batch)
    if findings.is_empty():
        st.info("Filen ble stoppet før kvalitetskontrollen.")
    else:
        findings = findings.with_columns(
            pl.Series("kolonne", [column_label(c) for c in findings["kolonne"]], dtype=pl.String),
            pl.col("alvorlighet").replace_strict(ALVORLIGHET, default=pl.col("alvorlighet")).alias("alvorlighet"),
        )
        failed, passed = findings.filter(~pl.col("ok")), findings.filter(pl.col("ok"))
        # The reader's notes count among the file's warnings (its label says «1 advarsel») but are no check: said
        # here, or «0 med avvik» read as a contradiction of the label.
        warned = options.filter(pl.col("batch_id") == batch)["advarsler"][0] or 0
        noted = warned - failed.filter(pl.col("alvorlighet") == ALVORLIGHET["advarsel"]).height
        st.write(f"{findings.height} kontroller: {failed.height} med avvik, {passed.height} uten."
                 + (f" I tillegg {counted(noted, 'advarsel', 'advarsler')} fra innlesingen av filen: se meldingen over."
                    if noted > 0 else ""))
        # A rule's message says what is wrong when it fails («Skolen finnes ikke i skoleregisteret»): the rules that
        # passed are listed apart, under a heading that says so, never as «Bestått» beside a failure's words.
        if not failed.is_empty():
            ui.table(
                failed.select(
                    pl.col("alvorlighet").alias("Alvorlighet"), pl.col("melding").alias("Avvik"),
                    pl.col("antall_avvik").alias("Antall avvik"), pl.col("kolonne").alias("Kolonne"),
                ),
                # A static table: each message wraps whole, with the row numbers and examples it names (the grid cut
                # them at 1024 pixels, and a file fails few checks). The column stands apart: a check that counts no
                # rows (a type check, say) has the same message for every column.
                "Kontroller med avvik", as_table=True, index="Alvorlighet",
            )
            name = options.filter(pl.col("batch_id") == batch)["filnavn"][0] or ""
            st.caption(OLD_ROW_NUMBERS if batch in set(old_rows["batch_id"]) else row_numbers(name))
        with st.expander(f"Kontroller uten avvik ({passed.height})", expanded=failed.is_empty()):
            ui.table(
                passed.select(
                    pl.col("kolonne").alias("Kolonne"), pl.col("alvorlighet").alias("Alvorlighet"),
                    pl.col("melding").alias("Hva kontrollen ville meldt ved avvik"),
                ),
                "Kontroller uten avvik",
            )

st.subheader("Skoler som ikke står i skoleregisteret")
orphans = queries.schools_without_register(viewer)
# Rows whose school the register does not know are skipped at loading (Skoleporten's files have only the name), so
# they never make a school «outside the register» below: the load's message is the only trace. A green «all found»
# stood right under «Fant ikke i skoleregisteret: Gamle Haugen skole».
SKIPPED_MARK = "Fant ikke i skoleregisteret: "
skipped = log.filter((pl.col("resultat") == "lastet") & pl.col("melding").str.contains(SKIPPED_MARK, literal=True))
if not skipped.is_empty():
    files = []
    for row in skipped.sort("ferdig").iter_rows(named=True):
        # The names, when they end the message; a name with «. » in it cannot be told from the next sentence.
        names = row["melding"].rpartition(SKIPPED_MARK)[2].removesuffix(".")
        files.append(plain(f"«{row['filnavn']}»" + ("" if ". " in names else f" ({names})")))
    st.warning(
        f"{'Én fil' if len(files) == 1 else f'{len(files)} filer'} hadde rader for skoler som ikke står i "
        f"skoleregisteret, og de radene er ikke lest inn: {'; '.join(files)}. Tallene for disse skolene mangler i "
        "lageret. Er skolen lagt ned eller har byttet navn, eller er skoleregisteret for gammelt?",
        icon=":material/report:",
    )
if orphans.is_empty():
    if skipped.is_empty():
        st.success("Alle skoler i resultatfilene finnes i skoleregisteret.")
else:
    st.warning(
        "Disse skolene er registrert fra en resultatfil. Hvilke trinn de har er ukjent til "
        "skoleregisteret sier noe annet – last inn et oppdatert skoleregister."
    )
    ui.table(
        orphans.select(
            pl.col("orgnr").alias("Org.nr."), pl.col("navn").alias("Skole"),
            pl.col("kommune").alias("Kommune"), pl.col("kommunenr").alias("Kommunenr."),
        ),
        "Skoler utenfor registeret",
    )

# A closed school is asked for nothing from the day it closed: said here, so that its absence from the lists of
# missing reports is not read as a school that reports.
closed = queries.skoler(viewer).filter(pl.col("nedlagt").is_not_null())
if not closed.is_empty():
    st.subheader("Nedlagte skoler")
    st.caption("Skoleregisteret sier at disse skolene er eller blir nedlagt. Fra den dagen ventes ingen saksrapporter, "
               "teammøter eller programstatus fra dem; det de har rapportert før, blir stående.")
    ui.table(
        closed.sort("nedlagt", "navn").select(
            pl.col("navn").alias("Skole"), pl.col("kommune").alias("Kommune"),
            pl.col("nedlagt").dt.strftime("%d.%m.%Y").alias("Nedlagt fra"),
            # A date still to come is a school that runs: «nedlagt» alone read as closed already.
            pl.when(pl.col("nedlagt") > label_texts._today()).then(pl.lit("i drift til da"))
            .otherwise(pl.lit("nedlagt")).alias("Status"),
        ),
        "Nedlagte skoler",
    )

# Likewise a school opened since (a merger's new school) is asked for nothing before it opened: said, so that the
# date the register gave, or the one taken from a later year's register (1 August), can be checked.
opened = queries.skoler(viewer).filter(pl.col("opprettet").is_not_null())
if not opened.is_empty():
    st.subheader("Nye skoler")
    st.caption("Skoleregisteret sier at disse skolene er opprettet, og fra når. Før den dagen ventes ingen "
               "saksrapporter, teammøter eller programstatus fra dem. Står datoen feil, rett den i kolonnen "
               "«opprettet» i skoleregisteret.")
    ui.table(
        opened.sort("opprettet", "navn").select(
            pl.col("navn").alias("Skole"), pl.col("kommune").alias("Kommune"),
            pl.col("opprettet").dt.strftime("%d.%m.%Y").alias("I drift fra"),
        ),
        "Nye skoler",
    )

ui.export_tables("Datakvalitet", "datakvalitet")
