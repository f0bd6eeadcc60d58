"""Withdrawing a loaded file: its rows out of the warehouse, as if it had never been loaded.

A file loaded by mistake (another municipality's case counts, last year's meeting log under this year's name) could
only be answered by a file with the same keys, which replaces its rows. A file whose keys no right file shares (a
school year or a school that should not be there) stayed for good. Withdrawn, its rows go in one transaction with the
log row saying so, and the file may be loaded again later (the log no longer counts it as loaded).

Only a file that took no earlier rows out when it came in (`store.WITHDRAWABLE`, `rader_erstattet` = 0): rows it
replaced are gone, and taking its own out would leave a hole where they stood. Such a file is answered by loading the
right one, which the refusal says.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from pipelines.errors import IngestError, counted
from pipelines.warehouse import published, store
from pipelines.warehouse.connection import connect
from pipelines.warehouse.migrations import migrate
from pipelines.warehouse.store import loaded_when

PUBLIC_STATISTICS = {"ungdata_fhi", "ungdata_tabell"}
"""Sources whose rows without a kommunenr are the county's or the nation's figures, not rows for every municipality."""

WITHDRAWN = "trukket_tilbake"
"""`core.ingest_log.resultat` of a file withdrawn."""


@dataclass
class Withdrawal:
    batch_id: str
    filnavn: str
    kilde: str
    loaded: str  # when it was loaded, as a user reads it
    rows: int  # its rows in the warehouse: those that go
    kommuner: list[str]
    done: bool = False  # False: what `withdraw(…, apply=False)` would do
    held: list[str] | None = None  # published school years the withdrawal changes (held back until published)


def _refusal(batch_id: str, found: tuple | None) -> str | None:
    """Why the load `found` (kilde, filnavn, resultat, rader_erstattet) cannot be withdrawn; None: it can."""
    if found is None:
        return (f"Fant ingen innlasting med id «{batch_id}». «skolemiljo status» viser id-en til hver fil "
                "(«id 20261204T101500123-a1b2c3»).")
    kilde, filnavn, resultat, replaced = found
    when = loaded_when(batch_id)
    if resultat == WITHDRAWN:
        return f"«{filnavn}» (lastet {when}) er allerede trukket tilbake."
    if resultat != "lastet":
        return (f"«{filnavn}» ({when}) ble ikke lastet inn (resultat: {resultat.replace('_', ' ')}), så det er "
                "ingenting å trekke tilbake.")
    if kilde not in store.WITHDRAWABLE:
        why = ("skoleregisteret er det alle andre filer leses mot" if kilde == "skoleregister" else
               "en kommuneplan fyller flere tabeller" if kilde == "plan" else
               "en fil fra Elevundersøkelsen legger også til skoler og lister ved siden av radene")
        return (f"«{filnavn}» kan ikke trekkes tilbake: {why}. Last inn en rettet fil med de samme skolene og årene "
                "i stedet; den erstatter radene.")
    if replaced is None:
        return (f"«{filnavn}» ble lastet inn ({when}) før skolemiljo begynte å telle radene en fil erstatter, så det "
                "kan ikke sies sikkert at den ikke tok ut rader fra tidligere filer. Last inn en rettet fil i stedet; "
                "den erstatter radene.")
    if replaced:
        return (f"«{filnavn}» erstattet {counted(replaced, 'rad', 'rader')} fra tidligere filer da den ble lastet inn "
                f"({when}). De radene finnes ikke lenger i lageret, så å trekke filen tilbake ville etterlate et hull "
                "der de sto. Last inn den riktige filen (eller den forrige på nytt, lagret som en ny fil) i stedet: "
                "den erstatter radene.")
    return None


def assess(con, batch_id: str, scope: frozenset[str] | None = None) -> Withdrawal:
    """What withdrawing the load `batch_id` would do, on `con` (read-only will do). Raises `IngestError` (Norwegian)
    when it cannot be withdrawn.

    `scope`: the municipalities the user may change the owner's records of (None: any); a file with rows outside it is
    refused, as its upload would have been.
    """
    columns = {r[0] for r in con.execute("DESCRIBE core.ingest_log").fetchall()}
    replaced = "rader_erstattet" if "rader_erstattet" in columns else "NULL"  # a warehouse not yet upgraded
    rows = con.execute(
        f"SELECT kilde, filnavn, resultat, {replaced}, coalesce(kommuner, []) FROM core.ingest_log WHERE batch_id = ?",
        [batch_id]).fetchall()
    found = rows[0] if rows else None
    if refusal := _refusal(batch_id, found[:4] if found else None):
        raise IngestError(refusal)
    kilde, filnavn, _, _, kommuner = found
    table = store.WITHDRAWABLE[kilde]
    left, held, for_all = con.execute(
        f"SELECT count(*), list(DISTINCT kommunenr) FILTER (WHERE kommunenr IS NOT NULL), "
        f"count(*) FILTER (WHERE kommunenr IS NULL) FROM {table} WHERE batch_id = ?", [batch_id]).fetchall()[0]
    if scope is not None:
        # As its upload was judged (`pipelines.ingest.outside_scope`): the rows' municipalities and the log's must be
        # the user's; a row of the owner's records without one stands for every municipality (the meeting rhythm's
        # default rows), while a survey row without one is the county's or the nation's, which anyone may load.
        outside = sorted((set(kommuner) | set(held or [])) - scope)
        if outside:
            raise IngestError(f"«{filnavn}» har rader for kommuner du ikke har tilgang til ({', '.join(outside)}); "
                              "bare en med tilgang til alle dem kan trekke den tilbake.")
        if for_all and kilde not in PUBLIC_STATISTICS:
            raise IngestError(f"«{filnavn}» har rader uten kommunenummer, som gjelder alle kommuner; bare en "
                              "administrator kan trekke den tilbake.")
    return Withdrawal(batch_id, filnavn, kilde, loaded_when(batch_id), left, sorted(kommuner))


def withdraw(db: Path, batch_id: str, *, apply: bool, scope: frozenset[str] | None = None) -> Withdrawal:
    """Withdraw the load `batch_id` (`apply`), or say what withdrawing it would do (`assess`). Raises `IngestError`
    (Norwegian) when it cannot be withdrawn, and changes nothing then."""
    batch_id = batch_id.strip()
    with connect(db, read_only=not apply) as con:
        if apply:
            migrate(con)
        out = assess(con, batch_id, scope)
        if not apply:
            return out
        table = store.WITHDRAWABLE[out.kilde]
        registered = table in published.KEPT and out.rows > 0
        con.execute("BEGIN TRANSACTION")
        try:
            kept = False
            if registered:
                # Rows of a published school year going change what rektor and FAU were shown: held back as a
                # correction's are, until the skoleeier publishes it; a year left as published is let go again.
                going = con.sql(f"SELECT * FROM {table} WHERE batch_id = $b", params={"b": batch_id}).pl()
                con.register("new_rows", going.to_arrow())
                kept = published.keep_published(con, table, batch_id, removing=True)
            con.execute(f"DELETE FROM {table} WHERE batch_id = ?", [batch_id])
            if kept:
                published.release_unchanged(con, table)
                out.held = [f"{published.school_year_label(aar)} ({kommunenr})" for kommunenr, aar in con.execute(
                    "SELECT kommunenr, skoleaar_start FROM core.publisert WHERE kilde = ? AND siste_batch = ? "
                    "ORDER BY ALL", [published.KEPT[table].kilde, batch_id]).fetchall()]
            now = dt.datetime.now().strftime("%d.%m.%Y kl. %H:%M")
            con.execute(
                "UPDATE core.ingest_log SET resultat = ?, melding = concat_ws(' ', melding, ?) WHERE batch_id = ?",
                [WITHDRAWN, f"Trukket tilbake {now}: {counted(out.rows, 'rad', 'rader')} fjernet.", batch_id])
            con.execute("COMMIT")
        except Exception:
            con.execute("ROLLBACK")
            raise
        finally:
            if registered:
                con.unregister("new_rows")
    out.done = True
    return out
