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
from dataclasses import dataclass, field
from pathlib import Path

from pipelines import accounts
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
    copies: list[str] = field(default_factory=list)
    """Names the same content was sent under again (logged «allerede lastet»): its rows are theirs too."""
    protected_years: list[tuple[str, int, bool]] = field(default_factory=list)
    """(kommunenr, school year, complete) of the rows' years shown at the protected level (`published.shown_years`):
    before, those the withdrawal will hold back; done, those it held (complete: still shown, as published)."""

    def copies_text(self) -> str:
        """That the same content, sent again under other names, goes with it; empty if it was not."""
        if not self.copies:
            return ""
        names = ", ".join(f"«{c}»" for c in self.copies[:3]) + (f" og {len(self.copies) - 3} til"
                                                                 if len(self.copies) > 3 else "")
        return f"Det samme innholdet ble sendt på nytt som {names} (allerede lastet): radene er de samme, og går også."

    def published_text(self) -> str:
        """What rektor and FAU see of the published school years the file had rows in; empty if none."""
        if not self.protected_years:
            return ""
        def years(complete: bool) -> tuple[str, int]:
            chosen = [(k, y) for k, y, c in self.protected_years if c == complete]
            return ", ".join(f"{published.school_year_label(y)} (kommune {k})" for k, y in chosen), len(chosen)

        page = published.PAGES[published.KEPT[store.WITHDRAWABLE[self.kilde]].kilde]
        if not self.done:
            # Whether a year is held depends on what it was published as: a file that was itself held back leaves
            # the year as published when it goes, and nothing is held.
            listed, n = years(True)
            return (f"Filen har rader i {'skoleår' if n > 1 else 'et skoleår'} som er publisert på vernet nivå: "
                    f"{listed}. Blir tallene for {'et av dem' if n > 1 else 'året'} andre uten filen enn de som ble "
                    "publisert, ser rektor og FAU året slik det ble publisert til du publiserer rettelsene på siden "
                    f"«{page}».")
        said = []
        if (shown := years(True))[1]:
            said.append(f"Rektor og FAU ser {shown[0]} slik {'de' if shown[1] > 1 else 'det'} ble publisert til du "
                        f"publiserer rettelsene på siden «{page}».")
        if (hidden := years(False))[1]:
            they, complete = ("de", "komplette") if hidden[1] > 1 else ("det", "komplett")
            said.append(f"Uten filen er {hidden[0]} ikke {complete} og vises ikke for rektor og FAU; blir {they} "
                        f"{complete} igjen, vises {they} slik {they} ble publisert til du publiserer rettelsene på siden "
                        f"«{page}».")
        return " ".join(said)


def _refusal(con, batch_id: str, found: tuple, scope: frozenset[str] | None = None) -> str | None:
    """Why the load `found` (kilde, filnavn, resultat, rader_erstattet, erstattet_fra, sha256) cannot be withdrawn;
    None: it can."""
    kilde, filnavn, resultat, replaced, replaced_from, sha = found
    when = loaded_when(batch_id)
    if resultat == WITHDRAWN:
        return f"«{filnavn}» (lastet {when}) er allerede trukket tilbake."
    if resultat == "allerede_lastet":  # its rows are the earlier load's
        earlier = con.execute("SELECT batch_id FROM core.ingest_log WHERE sha256 = ? AND resultat = 'lastet' "
                              "ORDER BY ferdig LIMIT 1", [sha]).fetchall()
        return (f"«{filnavn}» ({when}) var allerede lastet inn, så denne linjen i loggen endret ingenting. "
                + (f"Radene kom med innlastingen {earlier[0][0]} (lastet {loaded_when(earlier[0][0])}): trekk "
                   "tilbake den." if earlier else "Innlastingen radene kom med, er ikke lastet lenger."))
    if resultat != "lastet":
        return (f"«{filnavn}» ({when}) ble ikke lastet inn (resultat: {resultat.replace('_', ' ')}), så det er "
                "ingenting å trekke tilbake.")
    if kilde not in store.WITHDRAWABLE:
        why = ("skoleregisteret er det alle andre filer leses mot" if kilde == "skoleregister" else
               "en kommuneplan fyller flere tabeller" if kilde == "plan" else
               "en fil fra Elevundersøkelsen legger også til skoler og lister ved siden av radene")
        return (f"«{filnavn}» kan ikke trekkes tilbake: {why}. Last inn en rettet fil med de samme skolene og årene "
                "i stedet; den erstatter radene.")
    if replaced is None or (replaced and replaced_from is None):
        return (f"«{filnavn}» ble lastet inn ({when}) før skolemiljo begynte å holde rede på radene en fil erstatter, "
                "så det kan ikke sies sikkert at den ikke tok ut rader fra tidligere filer. Last inn en rettet fil i "
                "stedet; den erstatter radene.")
    earlier = [b for b in replaced_from or [] if b != store.STANDARD]
    kept = con.execute("SELECT batch_id, filnavn, coalesce(kommuner, []) FROM core.ingest_log WHERE batch_id IN "
                       "(SELECT unnest(?)) AND resultat <> ? ORDER BY batch_id", [earlier, WITHDRAWN]).fetchall() \
        if earlier else []
    if kept:
        # A file of a municipality the user may not see is not named (its name and time are in a log they cannot read)
        seen = [(b, name) for b, name, kommuner in kept if scope is None or (kommuner and set(kommuner) <= scope)]
        files = ", ".join(f"«{name}» ({loaded_when(b)})" for b, name in seen[:3])
        files += f" og {len(seen) - 3} til" if len(seen) > 3 else ""
        if hidden := len(kept) - len(seen):
            files = " og ".join(p for p in (files, counted(hidden, "fil", "filer") + " du ikke har tilgang til") if p)
        return (f"«{filnavn}» tok ut rader fra tidligere filer som fortsatt er lastet, da den ble lastet inn ({when}): "
                f"fra {files}. De radene finnes ikke lenger i lageret, så å trekke filen tilbake ville etterlate et hull "
                "der de sto. Last inn den riktige filen i stedet (eller den forrige på nytt, lagret som en ny fil): den "
                "erstatter radene.")
    return None


def _outside(con, table: str | None, batch_id: str, kilde: str, filnavn: str, kommuner: list[str],
             scope: frozenset[str]) -> str | None:
    """Why a user of the municipalities `scope` may not withdraw the load, or None. Judged before anything else is said
    of it: the refusal for another reason names files and counts of municipalities the user may not read."""
    held, for_all = [], 0
    if table:
        held, for_all = con.execute(
            f"SELECT coalesce(list(DISTINCT kommunenr) FILTER (WHERE kommunenr IS NOT NULL), []), "
            f"count(*) FILTER (WHERE kommunenr IS NULL) FROM {table} WHERE batch_id = ?", [batch_id]).fetchall()[0]
    # As its upload was judged (`pipelines.ingest.outside_scope`): the log's municipalities and the rows' own must be
    # the user's. A row of the owner's records without one stands for every municipality (the meeting rhythm's default
    # rows); a file of the county's or the nation's survey figures alone is every municipality's reference.
    if outside := sorted((set(kommuner) | set(held)) - scope):
        return (f"«{filnavn}» har rader for kommuner du ikke har tilgang til ({', '.join(outside)}); bare en med "
                "tilgang til alle dem kan trekke den tilbake.")
    if for_all and kilde not in PUBLIC_STATISTICS:
        return (f"«{filnavn}» har rader uten kommunenummer, som gjelder alle kommuner; bare en administrator kan "
                "trekke den tilbake.")
    if not kommuner and not held:
        return (f"«{filnavn}» har bare fylkets eller landets tall, som alle kommunene sammenligner seg med; bare en "
                "administrator kan trekke den tilbake.")
    return None


def assess(con, batch_id: str, scope: frozenset[str] | None = None) -> Withdrawal:
    """What withdrawing the load `batch_id` would do, on `con` (read-only will do). Raises `IngestError` (Norwegian)
    when it cannot be withdrawn.

    `scope`: the municipalities the user may change the owner's records of (None: any); a file with rows outside it is
    refused, as its upload would have been.
    """
    columns = {r[0] for r in con.execute("DESCRIBE core.ingest_log").fetchall()}
    kept = [c if c in columns else f"NULL AS {c}" for c in ("rader_erstattet", "erstattet_fra")]  # before 013
    rows = con.execute(
        f"SELECT kilde, filnavn, resultat, {', '.join(kept)}, sha256, coalesce(kommuner, []) FROM core.ingest_log "
        "WHERE batch_id = ?", [batch_id]).fetchall()
    if not rows:
        raise IngestError(f"Fant ingen innlasting med id «{batch_id}». «skolemiljo status» viser id-en til hver fil "
                          "(«id 20261204T101500123-a1b2c3»).")
    kilde, filnavn, _, _, _, _, kommuner = rows[0]
    table = store.WITHDRAWABLE.get(kilde)
    if scope is not None and (refusal := _outside(con, table, batch_id, kilde, filnavn, kommuner, scope)):
        raise IngestError(refusal)
    if refusal := _refusal(con, batch_id, rows[0][:6], scope):
        raise IngestError(refusal)
    left = con.execute(f"SELECT count(*) FROM {table} WHERE batch_id = ?", [batch_id]).fetchall()[0][0]
    out = Withdrawal(batch_id, filnavn, kilde, loaded_when(batch_id), left, sorted(kommuner))
    out.copies = [r[0] for r in con.execute(
        "SELECT DISTINCT filnavn FROM core.ingest_log WHERE sha256 = ? AND resultat = 'allerede_lastet' "
        "AND filnavn <> ? ORDER BY 1", [rows[0][5], filnavn]).fetchall()]
    if table in published.KEPT:
        out.protected_years = [y for y in published.shown_years(con, table, "batch_id = ?", [batch_id]) if y[2]]
    return out


def withdraw(db: Path, batch_id: str, *, apply: bool, scope: frozenset[str] | None = None,
             user: str | None = None) -> Withdrawal:
    """Withdraw the load `batch_id` (`apply`), or say what withdrawing it would do (`assess`). Raises `IngestError`
    (Norwegian) when it cannot be withdrawn, and changes nothing then. A withdrawal is written to the audit log as
    `user`'s (None: the command line's operating-system user)."""
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
            kept, lost = False, set()
            if registered:
                # Rows of a published school year going change what rektor and FAU were shown: held back as a
                # correction's are, until the skoleeier publishes it; a year left as published is let go again.
                going = con.sql(f"SELECT * FROM {table} WHERE batch_id = $b", params={"b": batch_id}).pl()
                con.register("new_rows", going.to_arrow())
                lost = published.losing_completeness(con, table, batch_id)
                kept = published.keep_published(con, table, batch_id, removing=True)
                if lost:  # a year no longer complete without the file: kept too, though none of its rows go
                    published.hold(con, table, lost, batch_id)
            con.execute(f"DELETE FROM {table} WHERE batch_id = ?", [batch_id])
            if table in store.BUILT_IN_ROWS:
                # A built-in row goes only when a file's row takes its place: a key no row holds now had it before
                # (this file took it, or a file since withdrawn that this one replaced).
                key = " AND ".join(f"t.{c} IS NOT DISTINCT FROM b.{c}" for c in ("kommunenr", "team"))
                con.execute(f"INSERT INTO {table} BY NAME SELECT * FROM ({store.BUILT_IN_ROWS[table]}) AS b "
                            f"WHERE NOT EXISTS (SELECT 1 FROM {table} AS t WHERE {key})")
            out.protected_years = []
            if kept:
                # Only the years the file's rows were in (`_berort`): a year kept for its lost completeness stays,
                # though its rows are as published.
                published.release_unchanged(con, table)
            if kept or lost:
                # Kept even where the year is no longer complete: were it complete again, what rektor and FAU saw
                # is the version a comparison must be against.
                out.protected_years = published.held_by(con, table, batch_id)
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
    accounts.audit(db, "fil_trukket_tilbake", user, f"{out.filnavn} (id {out.batch_id}, lastet {out.loaded}): "
                   f"{counted(out.rows, 'rad', 'rader')} fjernet")
    return out
