"""The `skolemiljo` command: init, demo, ingest, status, users, settings and reports (see README)."""

from __future__ import annotations

import argparse
import errno
import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
)

from pipelines.errors import DEMO_WAREHOUSE, OLD_ROW_NUMBERS, IngestError, counted
from pipelines.warehouse.connection import (
    LOCK_WAIT_SECONDS,
    WarehouseBusy,
    connect,
    db_path,
    keep_private,
    tell_when_waiting,
)
from pipelines.warehouse.migrations import SchemaTooNew, latest_version, refuse_newer

console = Console()
err_console = Console(stderr=True)


_ARGPARSE_NB = {
    "usage: ": "Bruk: ",
    "positional arguments": "argumenter",
    "options": "valg",
    "show this help message and exit": "vis denne hjelpeteksten og avslutt",
    "argument %(argument_name)s: %(message)s": "argumentet %(argument_name)s: %(message)s",
    "unrecognized arguments: %s": "ukjente argumenter: %s",
    "the following arguments are required: %s": "disse argumentene mangler: %s",
    "one of the arguments %s is required": "ett av argumentene %s må være med",
    "expected one argument": "mangler verdi",
    "expected at most one argument": "tar høyst én verdi",
    "expected at least one argument": "mangler verdi",
    "ambiguous option: %(option)s could match %(matches)s": "tvetydig valg: %(option)s kan være %(matches)s",
    "invalid %(type)s value: %(value)r": "ugyldig verdi %(value)r (må være %(type)s)",
    "invalid choice: %(value)r (choose from %(choices)s)": "ugyldig valg: %(value)r (velg blant %(choices)s)",
    "not allowed with argument %s": "kan ikke brukes sammen med %s",
    "ignored explicit argument %r": "tar ingen verdi: %r",
    "unexpected option string: %s": "uventet valg: %s",
    "%(prog)s: error: %(message)s\n": "%(prog)s: feil: %(message)s\n",
}
"""argparse's own messages in bokmål: argparse looks each one up through its module's `_` (gettext) when it is used."""


@contextmanager
def _norwegian() -> Iterator[None]:
    """argparse speaks bokmål while the parser is built, parses and prints help or errors."""
    english = argparse._
    argparse._ = lambda text: _ARGPARSE_NB.get(text, text)
    try:
        yield
    finally:
        argparse._ = english


class _Parser(argparse.ArgumentParser):
    """An ArgumentParser whose help and errors are Norwegian (usage errors still exit with 2)."""

    def __init__(self, *args, **kwargs) -> None:
        with _norwegian():
            super().__init__(*args, **kwargs)

    def parse_args(self, args=None, namespace=None):
        with _norwegian():
            return super().parse_args(args, namespace)

    def parse_known_args(self, args=None, namespace=None):
        with _norwegian():
            return super().parse_known_args(args, namespace)

    def format_help(self) -> str:
        with _norwegian():
            return super().format_help()

    def format_usage(self) -> str:
        with _norwegian():
            return super().format_usage()

    def error(self, message: str):
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog}: feil: {message}\n")


MIN_SVAR, MAX_SVAR = 10, 1000
"""The small-group threshold: never under Udir's own 10; above 1000 it hides nearly everything, and a huge number
would overflow the Int64 the privacy rule compares in (which then hides nothing)."""

_KOMMUNENR = re.compile(r"[0-9]{4}")


def heltall(text: str) -> int:
    """An int argument; argparse names the type by this function in «ugyldig verdi 'fem' (må være heltall)»."""
    return int(text)


def _parser() -> argparse.ArgumentParser:
    p = _Parser(
        prog="skolemiljo",
        description="Skoleeiers oversikt over læringsmiljøet: lager, innlasting og demodata.",
    )
    p.add_argument("--db", help="sti til lageret (ellers SKOLEMILJO_DB, ellers data/skolemiljo.duckdb)")
    sub = p.add_subparsers(dest="command", required=True, metavar="KOMMANDO")
    sub.add_parser("init", help="opprett et tomt lager eller oppgrader et eldre")
    demo = sub.add_parser("demo", help="skriv demofiler (fiktive kommuner) og last dem inn")
    demo.add_argument("--ut", help="mappe for demofilene (standard: data/demo ved siden av lageret)")
    ing = sub.add_parser(
        "ingest", help="les inn filer: gjenkjenn format, kontroller, last inn",
        epilog="Avslutningskode: 0 = alle filene er lastet inn (eller var det fra før); 1 = én eller flere er avvist "
               "eller hoppet over; 2 = feil bruk, f.eks. en fil som ikke finnes (da leses ingen av filene inn).")
    ing.add_argument("files", nargs="+", metavar="FIL", help="filene som skal leses inn")
    ing.add_argument("--source", metavar="KILDE", help="hopp over gjenkjenning og bruk denne kilden: "
                     + ", ".join(SOURCE_NAMES))
    sub.add_parser("status", help="vis innlastingsloggen")
    arc = sub.add_parser("arkiv", help="originalfilene som er tatt vare på")
    asub = arc.add_subparsers(dest="arkiv_command", required=True, metavar="HANDLING")
    asub.add_parser("sjekk", help="sjekk arkivet med dagens regler for personopplysninger og slett filer de stopper")
    left = sub.add_parser("utelatte", help="rader fra tidligere innlastinger som en nyere Udir-eksport har utelatt: "
                          "vis dem, eller fjern dem med --fjern")
    left.add_argument("fil", metavar="FILNAVN", help="Udir-eksporten som utelot dem, slik innlastingsloggen navngir den")
    left.add_argument("--fjern", action="store_true", help="fjern radene fra lageret (skrives i revisjonsloggen)")
    back = sub.add_parser(
        "trekk-tilbake", help="trekk tilbake en fil som er lastet inn ved en feil: radene dens fjernes",
        epilog="Uten --ja vises bare hva som ville skje. Bare en fil som ikke erstattet rader fra tidligere filer kan "
               "trekkes tilbake; ellers er svaret å laste inn den riktige filen.")
    back.add_argument("id", metavar="ID", help="innlastingens id, slik «skolemiljo status» viser den")
    back.add_argument("--ja", action="store_true", help="trekk filen tilbake (skrives i revisjonsloggen)")
    setting = sub.add_parser("innstilling", help="innstillinger, f.eks. terskelen for små grupper")
    ssub = setting.add_subparsers(dest="innstilling", required=True, metavar="INNSTILLING")
    few = ssub.add_parser("min-svar", help="færre svar enn dette skjules på vernet nivå (aldri under 10)")
    few.add_argument("antall", type=heltall, nargs="?",
                     help=f"laveste antall svar som vises ({MIN_SVAR}–{MAX_SVAR}); uten tall: vis terskelen som gjelder")
    few.add_argument("--kommune", metavar="NNNN", help="bare for denne kommunen (ellers standard for alle)")
    user = sub.add_parser("bruker", help="lokale brukerkontoer: legg-til, fjern, liste, demo")
    usub = user.add_subparsers(dest="bruker_command", required=True, metavar="HANDLING")
    add = usub.add_parser("legg-til", help="opprett eller endre en bruker (passordet spørres om)")
    add.add_argument("brukernavn")
    add.add_argument("--rolle", required=True, choices=["skoleeier", "rektor", "fau", "admin"])
    add.add_argument("--kommune", action="append", default=[], metavar="NNNN", help="kan gjentas")
    add.add_argument("--skole", action="append", default=[], metavar="ORGNR", help="rektor/FAU: egen skole")
    add.add_argument("--epost", help="for innlogging med Feide eller Entra ID (OpenID Connect); med --erstatt beholdes "
                     "den gamle når valget ikke er med, --epost \"\" fjerner den")
    add.add_argument("--navn", help="visningsnavn (med --erstatt: som --epost)")
    add.add_argument("--passord-fra-stdin", action="store_true", help="les passordet fra standard inn (for skript)")
    add.add_argument("--uten-passord", action="store_true", help="bare innlogging med Feide/Entra ID")
    add.add_argument("--erstatt", action="store_true", help="endre en bruker som finnes (rolle, kommuner, skoler, "
                     "passord): rolle, kommuner og skoler blir slik de gis her")
    add.add_argument("--behold-passord", action="store_true", help="med --erstatt: behold passordet (ellers spørres "
                     "det om et nytt)")
    rm = usub.add_parser("fjern", help="slett en bruker")
    rm.add_argument("brukernavn")
    usub.add_parser("liste", help="vis brukerne (uten hasher)")
    usub.add_parser("demo", help="opprett demokontoene (bare mot demolageret) og skriv dem ut")
    rep = sub.add_parser("rapport", help="lag rapport til kommunestyret, FAU eller rektormøtet (pdf, html, xlsx)")
    rep.add_argument("--kommune", required=True, metavar="NNNN", help="kommunenummeret, f.eks. 4601")
    rep.add_argument("--skoleaar", required=True, metavar="ÅÅÅÅ-ÅÅ", help="f.eks. 2024-25")
    rep.add_argument("--mottaker", required=True, choices=["kommunestyre", "fau", "rektormote"])
    rep.add_argument("--format", required=True, choices=["pdf", "html", "xlsx"], dest="fmt")
    rep.add_argument("--ut", required=True, metavar="FIL", help="filen rapporten skrives til")
    rep.add_argument("--skole", metavar="ORGNR", help="FAU: rapporten for én skole (ellers kommunen)")
    rep.add_argument("--vurdering", metavar="FIL", help="tekstfil med skoleeiers vurdering (avsnitt skilt med tom linje)")
    rep.add_argument("--anonymiser", action="store_true", help="rektormøtet: skolene som «Skole A, B, …»")
    return p


def _tighten(db: Path) -> None:
    """The warehouse, its log, the archive and the audit log for their owner only, as an older version may not have
    left them (`keep_private` covers what is written from now on)."""
    import os

    from pipelines.accounts import audit_path
    from pipelines.ingest import archive_folder

    for path in (db, db.with_name(db.name + ".wal"), audit_path(db)):
        if path.exists():
            path.chmod(0o600)
    archive = archive_folder(db)
    if archive.is_dir():
        archive.chmod(0o700)
        for folder, dirs, files in os.walk(archive):
            for name in dirs:
                (Path(folder) / name).chmod(0o700)
            for name in files:
                (Path(folder) / name).chmod(0o600)


def cmd_init(db: Path) -> int:
    from pipelines.warehouse import store

    ran = store.init(db)
    _tighten(db)
    if ran:
        console.print(f"Lageret {db} er på skjemaversjon {latest_version()} (kjørte migrering {', '.join(map(str, ran))}).")
    else:
        console.print(f"Lageret {db} er allerede på skjemaversjon {latest_version()}.")
    from pipelines.ingest import archive_needs_rescan

    if archive_needs_rescan(db):  # an upgrade: files kept under older rules are checked with today's
        return cmd_archive(db)
    return 0


def cmd_archive(db: Path) -> int:
    from pipelines.ingest import rescan_archive

    if not db.exists():
        err_console.print(f"Lageret {db} finnes ikke.")
        return 2
    with console.status("Sjekker arkivet for personopplysninger") as shown:
        removed = rescan_archive(db, say=lambda text: shown.update(f"Sjekker arkivet: {text}"))
    from pipelines import accounts

    for r in removed:
        console.print(f"[red]SLETTET[/red] {r.filnavn}: {r.reason}")
        accounts.audit(db, "arkivfil_slettet", None, f"{r.filnavn} (personopplysninger, kommandolinje)")
    if removed:
        console.print(f"{len(removed)} arkivfil(er) er slettet. Radene som ble lastet inn fra dem, er lagerets egne "
                      "kolonner og er beholdt; loggen sier hvorfor kopien er borte.")
    else:
        console.print("Ingen arkivfil har personopplysninger etter dagens regler.")
    return 0


def _archive_hint(db: Path) -> None:
    from pipelines.ingest import archive_needs_rescan

    if archive_needs_rescan(db):
        console.print("[yellow]Arkivet har filer som ble tatt vare på før dagens regler for personopplysninger. "
                      "Kjør «skolemiljo arkiv sjekk».[/yellow]")


def ingest_paths(paths: list[Path], db: Path, source: str | None = None) -> int:
    """Load each file in turn (a demo warehouse refuses real ones: `pipelines.ingest.outside_demo`)."""
    from pipelines.ingest import SOURCES, ingest_file

    if source and source not in SOURCES:
        err_console.print(f"Ukjent kilde «{source}». Kjente kilder: {', '.join(SOURCES)}.")
        return 2
    missing = [p for p in paths if not p.exists()]
    if missing:
        err_console.print("Finner ikke filen: " + ", ".join(str(p) for p in missing)
                          + (". Ingen av filene er lest inn." if len(paths) > len(missing) else ""))
        return 2
    paths = registers_first(paths, source)
    rejected = 0
    columns = (SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=err_console, transient=True, redirect_stdout=False) as progress:
        # Each file's result on standard output, where «> logg.txt» and «| tee» find it (it went to standard error,
        # and a kept log was empty); beside the bar, above it, when both are the terminal.
        said = progress.console if sys.stdout.isatty() and err_console.is_terminal else console
        # soft_wrap: a line per file, wrapped by the terminal and not by rich (a log had «…(skoleregister): 10 ⏎ rader
        # lastet» at rich's 80 columns, and a search for the message missed it)
        task = progress.add_task("Leser inn", total=len(paths))
        for path in paths:
            unreadable = _unreadable(path)
            if unreadable:
                rejected += 1
                progress.advance(task)
                said.print(f"[red]HOPPET OVER[/red] {escape(str(path))}: {escape(unreadable)}", soft_wrap=True)
                continue

            def stage(text: str, _name: str = path.name) -> None:
                progress.update(task, description=f"{_name}: {text}")

            outcome = ingest_file(path, db, source=source, progress=stage)
            progress.advance(task)
            if outcome.result == "avvist":
                rejected += 1
                said.print(f"[red]AVVIST[/red] {escape(str(path))}: {escape(outcome.message)}", soft_wrap=True)
            elif outcome.result == "allerede_lastet":
                said.print(f"[yellow]ALLEREDE LASTET[/yellow] {escape(str(path))}: {escape(outcome.message)}",
                           soft_wrap=True)
            else:
                said.print(f"[green]LASTET[/green] {escape(str(path))} ({outcome.source}): {escape(outcome.message)}",
                           soft_wrap=True)
    return 1 if rejected else 0




REGISTER_SIZE = 5 * 1024 * 1024
"""A school register is small (the whole country's: 150 KB); a larger file is not read twice to find out."""


def registers_first(paths: list[Path], source: str | None = None) -> list[Path]:
    """`paths` with any school register moved to the front, in order otherwise: case counts, plans and programme
    status find their schools through it, and `ingest demo/*` gave it in the shell's alphabetical order, after them
    (six files refused, «last inn skoleregisteret først», with the register in the same command)."""
    from pipelines import ingest

    if source is not None or len(paths) < 2:
        return paths

    def is_register(path: Path) -> bool:
        try:
            if not path.is_file() or path.stat().st_size > REGISTER_SIZE:
                return False
            return ingest.detect(ingest.read_sheet(path.read_bytes(), path.name).table).name == "skoleregister"
        except Exception:  # unreadable or unknown: the load itself says why, in its turn
            return False

    registers = [p for p in paths if is_register(p)]
    return registers + [p for p in paths if p not in registers]


def _unreadable(path: Path) -> str | None:
    """Why a named input file cannot be read at all (a folder, no access), so the batch goes on with the next one."""
    if path.is_dir():
        return f"er en mappe, ikke en fil. Oppgi filene i den (f.eks. {path.as_posix().rstrip('/')}/*)."
    try:
        with path.open("rb"):
            pass
    except OSError as exc:
        return f"kan ikke leses ({_os_reason(exc)})."
    return None


_OS_REASONS = {
    errno.EACCES: "ingen tilgang (sjekk rettighetene til filen og mappen, og hvilken bruker som kjører kommandoen)",
    errno.EPERM: "ingen tilgang (sjekk rettighetene til filen og mappen, og hvilken bruker som kjører kommandoen)",
    errno.EROFS: "filsystemet er skrivebeskyttet",
    errno.ENOSPC: "disken er full",
    errno.ENOENT: "finnes ikke",
    errno.EISDIR: "er en mappe",
    errno.ENOTDIR: "en del av stien er ikke en mappe",
}


def _os_reason(exc: OSError) -> str:
    return _OS_REASONS.get(exc.errno, exc.strerror or str(exc))


def cmd_status(db: Path) -> int:
    if not db.exists():
        console.print(f"Lageret {db} finnes ikke ennå. Kjør «skolemiljo init» eller «skolemiljo demo».")
        return 0
    with connect(db, read_only=True) as con:
        rows = con.execute(
            "SELECT l.filnavn, coalesce(l.kilde, '–'), strftime(l.ferdig, '%d.%m.%Y kl. %H:%M:%S'), l.rader_inn, "
            "l.rader_lastet, l.rader_avvist, l.resultat, l.melding, l.batch_id, c.radnumre = 'under_overskriften' "
            "FROM mart.ingest_log l JOIN core.ingest_log c USING (batch_id) ORDER BY l.ferdig"
        ).fetchall()
    _print_status_entries(db, rows)
    if not rows:
        console.print("Ingen filer er lest inn ennå.")
    elif any(old_rows and row[-1] for *row, old_rows in rows):
        console.print(f"¹ {OLD_ROW_NUMBERS}")
    return 0


def _indented(text: str) -> str:
    """`text` wrapped to the terminal two spaces in, as rich markup; wrapped here, without the spaces rich pads a
    block's lines with (a log piped to a file had every line padded to the terminal's width)."""
    import textwrap

    return escape(textwrap.fill(text, width=max(console.width, 40), initial_indent="  ", subsequent_indent="  ",
                                break_on_hyphens=False))


SOURCE_NAMES = ["skoleregister", "udir_indikator", "udir_mobbing", "udir_deltakelse", "skoleporten", "ungdata_fhi",
                "ungdata_tabell", "saker", "teammoter", "teamrytme", "plan", "programstatus"]
"""`ingest --source`'s names, written out: the registry imports Great Expectations, which `--help` should not wait
for (a test holds the two lists the same)."""

RESULT_WORDS = {"lastet": "[green]LASTET[/green]", "avvist": "[red]AVVIST[/red]",
                "allerede_lastet": "[yellow]ALLEREDE LASTET[/yellow]", "trukket_tilbake": "[yellow]TRUKKET TILBAKE[/yellow]"}


def _print_status_entries(db: Path, rows: list[tuple]) -> None:
    """The log as `skolemiljo ingest` says each file, one after the other: the result, the file and its source; when,
    and the rows; then the message over the terminal's whole width. It was a table of eight columns: in 80 columns
    each was nine letters wide, a file name took four lines and a message thirty."""
    console.print(f"[bold]Innlastingslogg – {escape(str(db))}[/bold]")
    for name, source, when, rows_in, loaded, refused, result, message, batch_id, old_rows in rows:
        word = RESULT_WORDS.get(result, f"[yellow]{escape(str(result).upper())}[/yellow]")
        console.print()
        console.print(f"{word} {escape(str(name))} ({escape(str(source))})", soft_wrap=True)
        counts = f"{rows_in or 0} {'rad' if rows_in == 1 else 'rader'} inn, {loaded or 0} lastet, {refused or 0} avvist"
        # The load's id picks one of several loads of a file under the same name («skolemiljo utelatte ID»).
        console.print(_indented(f"{when or ''} · {counts} · id\u00a0{batch_id}"), highlight=False, soft_wrap=True)
        if message:
            console.print(_indented(message + (" ¹" if old_rows else "")), highlight=False, soft_wrap=True)


def cmd_user(args: argparse.Namespace, db: Path) -> int:
    import getpass

    from pipelines import accounts

    if not _warehouse_exists(db):
        return 1
    if args.bruker_command == "legg-til" and _is_demo(db):
        err_console.print(f"Brukeren er ikke lagt til. {DEMO_WAREHOUSE} Demokontoene (skolemiljo bruker demo) "
                          "dekker alle roller i demoen.")
        return 1
    path = accounts.users_path(db)
    try:
        if args.bruker_command == "legg-til":
            password = None
            if args.uten_passord and args.passord_fra_stdin:
                raise accounts.AccountError("Velg enten --passord-fra-stdin eller --uten-passord, ikke begge.")
            if args.behold_passord and (args.uten_passord or args.passord_fra_stdin):
                raise accounts.AccountError("--behold-passord kan ikke brukes sammen med --passord-fra-stdin eller "
                                            "--uten-passord.")
            if args.behold_passord and not args.erstatt:
                raise accounts.AccountError("--behold-passord gjelder en bruker som endres: bruk det med --erstatt.")
            name = args.brukernavn.strip().lower()
            old = accounts.load(path).get(name)
            # With --erstatt an e-mail address or a display name not given stays: a new school for a rektor removed
            # the address their Feide login found them by.
            kept = old if args.erstatt and old is not None else None
            account = accounts.Account(
                brukernavn=name, rolle=args.rolle, kommuner=tuple(args.kommune), skoler=tuple(args.skole),
                epost=args.epost if args.epost is not None or kept is None else kept.epost,
                navn=args.navn if args.navn is not None or kept is None else kept.navn,
            )
            registered = _register_rows(db, account)
            if outside := _schools_outside(registered, account):
                raise accounts.AccountError(outside)
            if not args.uten_passord and not args.behold_passord:
                if args.passord_fra_stdin:
                    password = _password_from_stdin()
                elif not sys.stdin.isatty():  # getpass would warn in English that the password may be echoed
                    raise accounts.AccountError(
                        "Det finnes ingen terminal å spørre om passordet i. I et skript: bruk --passord-fra-stdin "
                        "(passordet på første linje) eller --uten-passord.")
                else:
                    password = getpass.getpass("Passord: ")
                    if getpass.getpass("Gjenta passordet: ") != password:
                        raise accounts.AccountError("Passordene er ikke like.")
            from dashboard import sessions

            new = accounts.add(path, account, password, replace=args.erstatt, keep_password=args.behold_passord)
            # A new password (after a suspected leak, say) ends every session and cookie of the old one; so does a new
            # account under a name used before: a cookie of the removed account would otherwise log in as this one.
            sessions.revoke(db, new.brukernavn)
            if old is None:
                accounts.audit(db, "bruker_lagt_til", None, f"{new.brukernavn} ({new.rolle})")
                console.print(f"Brukeren «{new.brukernavn}» ({new.rolle}) er lagret i {path}.")
            else:
                changed = accounts.describe_change(old, new) or "ingen endringer"
                accounts.audit(db, "bruker_endret", None, f"{new.brukernavn}: {changed}")
                console.print(f"Brukeren «{new.brukernavn}» er endret: {changed}.")
            if unknown := [s for s in account.skoler if s not in {r[0] for r in registered}]:
                # A mistyped orgnr was stored without a word, and the rektor read «nothing to follow up» about it.
                console.print(f"Merk: {', '.join(unknown)} står ikke i skoleregisteret i lageret. Sjekk "
                              "organisasjonsnummeret, eller last inn et skoleregister der skolen står: til da ser "
                              "brukeren ingen tall for skolen.")
            if not account.kommuner:  # an administrator may do without: users and the audit log, but no figures
                console.print("Merk: brukeren har ingen kommune, og ser derfor ingen tall i dashbordet (bare brukerne "
                              "og revisjonsloggen). Legg til med «skolemiljo bruker legg-til … --kommune NNNN».")
            return 0
        if args.bruker_command == "fjern":
            from dashboard import sessions

            gone = accounts.remove(path, args.brukernavn)
            sessions.revoke(db, gone.brukernavn)  # its cookies end now, not when the name is given to someone else
            accounts.audit(db, "bruker_fjernet", None, gone.brukernavn)
            console.print(f"Brukeren «{gone.brukernavn}» er fjernet.")
            return 0
        if args.bruker_command == "liste":
            users = accounts.load(path)
            if not users:
                console.print(f"Ingen brukere i {path} ennå. Legg til en administrator: skolemiljo --db {db} bruker "
                              "legg-til BRUKERNAVN --rolle admin")
                return 0
            # One user after the other, never cut: the name is what «bruker fjern» and «--erstatt» are given (a table
            # cut it in 80 columns: «kari.skol…»)
            console.print(f"[bold]Brukere – {escape(str(path))}[/bold]")
            for a in users.values():
                how = ("passord" if a.passord_hash else "") + (" + OIDC" if a.epost else "")
                where = [f"kommune {', '.join(a.kommuner)}" if a.kommuner else "ingen kommune",
                         *([f"skole {', '.join(a.skoler)}"] if a.skoler else [])]
                console.print()
                console.print(escape(a.brukernavn) + (" (demo)" if a.demo else ""), soft_wrap=True, highlight=False)
                console.print(_indented(" · ".join([a.rolle, *where, how.strip(" +") or "ingen innlogging"])),
                              soft_wrap=True, highlight=False)
                if a.epost or a.navn:
                    console.print(_indented(" · ".join(x for x in (a.navn, f"e-post {a.epost}" if a.epost else "") if x)),
                                  soft_wrap=True, highlight=False)
            return 0
        if args.bruker_command == "demo":
            return print_demo_accounts(db)
    except accounts.AccountError as exc:
        err_console.print(f"[red]{exc}[/red]")
        return 1
    return 2


def _password_from_stdin() -> str:
    """The first line of standard input, without its line ending, also Windows' «\r\n»: a password file saved on
    Windows stored «…bok\r», which no login form can send, and the account could never log in."""
    from pipelines import accounts

    line = sys.stdin.readline()
    if not line.strip():
        raise accounts.AccountError("Fikk ikke noe passord på standard inn (passordet skal stå på første linje).")
    password = line.rstrip("\r\n")
    if password != password.strip():
        raise accounts.AccountError("Passordet begynner eller slutter med mellomrom eller tabulator. Fjern dem: de er "
                                    "lette å ta med ved en feil og vanskelige å skrive riktig ved innlogging.")
    return password


def cmd_setting(args: argparse.Namespace, db: Path) -> int:
    from pipelines.warehouse import store

    if args.kommune is not None and not _KOMMUNENR.fullmatch(args.kommune):
        err_console.print("Kommunenummeret må være 4 siffer (0–9), f.eks. 9901.")
        return 1
    if args.antall is None:
        return _show_thresholds(db, args.kommune)
    if args.antall < MIN_SVAR:
        err_console.print(f"Terskelen kan ikke være under {MIN_SVAR} (Udirs egen skjermingsgrense).")
        return 1
    if args.antall > MAX_SVAR:
        err_console.print(f"Terskelen må være mellom {MIN_SVAR} og {MAX_SVAR}.")
        return 1
    if not _warehouse_exists(db):
        return 1
    key = f"min_svar:{args.kommune}" if args.kommune else "min_svar"
    store.init(db)
    store.set_setting(db, key, str(args.antall))
    from pipelines import accounts

    # The threshold decides what rektors, FAU and reports may see: who changed it belongs on «Brukere og revisjon».
    where = f"i kommune {args.kommune}" if args.kommune else "som standard"
    accounts.audit(db, "innstilling", None, f"Terskel for små grupper {where}: {args.antall} ({key})")
    console.print(f"Verdier med færre enn {args.antall} svar skjules nå {where} på vernet nivå (i dashbordet fra "
                  "neste klikk, også i økter som er åpne).")
    if args.kommune and args.kommune not in _municipalities(db):
        # Kept (a municipality may set its threshold before its first file), but a mistyped number protects nobody.
        console.print(f"Merk: Lageret har ingen skoler eller tall for kommune {args.kommune} ennå. Sjekk "
                      "kommunenummeret: terskelen gjelder bare tall fra kommunen med akkurat dette nummeret.")
    return 0


def _municipalities(db: Path) -> dict[str, str]:
    """kommunenr → name of every municipality the warehouse holds schools or survey figures for."""
    with connect(db, read_only=True) as con:
        rows = con.execute(
            "SELECT kommunenr, any_value(kommune) FROM (SELECT kommunenr, kommune FROM mart.skoler UNION ALL "
            "SELECT kommunenr, NULL FROM mart.elevundersokelsen WHERE kommunenr IS NOT NULL) GROUP BY kommunenr"
        ).fetchall()
    return {k: name or k for k, name in rows}


def _show_thresholds(db: Path, kommune: str | None) -> int:
    """`innstilling min-svar` without a number: the default and each municipality's own, as the dashboard reads
    them (`thresholds_from`: a stored value it cannot read hides everything)."""
    from dashboard.privacy import MAX_THRESHOLD
    from dashboard.viewer import thresholds_from

    if not _warehouse_exists(db):
        return 1
    with connect(db, read_only=True) as con:
        settings = dict(con.execute("SELECT nokkel, verdi FROM meta.innstilling").fetchall())
    default, own = thresholds_from(settings)
    names = _municipalities(db)

    def said(n: int) -> str:
        return "kan ikke leses – alt skjules" if n == MAX_THRESHOLD else f"færre enn {n} svar skjules"

    def municipality(k: str) -> str:
        return f"{names[k]} ({k})" if k in names else f"{k} (ingen tall i lageret)"

    if kommune is not None:
        n = dict(own).get(kommune)
        console.print(f"{municipality(kommune)}: {said(n if n is not None else default)} på vernet nivå"
                      + (" (kommunens egen terskel)." if n is not None else " (standard; kommunen har ingen egen)."),
                      highlight=False)
        return 0
    console.print(f"Standard for alle kommuner: {said(default)} på vernet nivå.", highlight=False)
    for k, n in own:
        console.print(f"  {municipality(k)}: {said(n)}.", highlight=False)
    if not own:
        console.print("Ingen kommune har egen terskel. Sett en med «skolemiljo innstilling min-svar N --kommune NNNN».",
                      highlight=False)
    return 0


def cmd_withdraw(args: argparse.Namespace, db: Path) -> int:
    """A file loaded by mistake withdrawn (`pipelines.withdraw`): what would go, or, with --ja, its rows gone."""
    from pipelines import registry
    from pipelines.withdraw import withdraw

    if not _warehouse_exists(db):
        return 1
    try:
        done = withdraw(db, args.id, apply=args.ja)
    except IngestError as exc:
        err_console.print(escape(str(exc)), soft_wrap=True)
        return 1
    rows = counted(done.rows, "rad", "rader")
    what = f"«{escape(done.filnavn)}» ({escape(registry.BY_NAME[done.kilde].label)}, lastet {done.loaded})"
    if not done.done:
        console.print(f"{what}: {rows} fra filen står i lageret og vil bli fjernet. Filen blir stående i loggen som "
                      f"trukket tilbake, og den kan lastes inn på nytt senere. {escape(done.copies_text())} "
                      f"{done.published_text()} Trekk den "
                      f"tilbake med «skolemiljo trekk-tilbake {escape(done.batch_id)} --ja».".replace("  ", " "),
                      soft_wrap=True, highlight=False)
        return 0
    said = f"{what} er trukket tilbake: {rows} er fjernet fra lageret. Dashbordet viser det fra neste klikk."
    console.print(f"{said} {done.published_text()}".strip(), soft_wrap=True, highlight=False)
    return 0


def cmd_left_out(args: argparse.Namespace, db: Path) -> int:
    """The rows a newer Udir export left out (`udir_eksport.left_out_of`): listed, or removed with --fjern.

    A load warns of them («… er beholdt, men står ikke i denne eksporten») and says to have them removed if Udir
    has withdrawn them; this is how, without SQL. The file is named as the load log names it: its newest load.
    """
    from pipelines import accounts
    from pipelines.sources import udir_eksport
    from pipelines.warehouse.store import loaded_when

    if not _warehouse_exists(db):
        return 1
    name = Path(args.fil).name
    with connect(db, read_only=not args.fjern) as con:
        # The newest load of that name that warned of left-out rows (Udir's downloads often share a name), else its
        # newest load; a load's id (`skolemiljo status` does not show it, the warning's command does) picks one.
        found = con.execute(
            "SELECT l.batch_id, l.kilde, l.filnavn FROM core.ingest_log AS l WHERE (l.filnavn = ? OR l.batch_id = ?) "
            "AND l.resultat = 'lastet' ORDER BY EXISTS (SELECT 1 FROM core.kvalitet AS k WHERE k.batch_id = "
            "l.batch_id AND k.forventning = ?) DESC, l.batch_id DESC LIMIT 1",
            [name, args.fil, udir_eksport.LEFT_OUT]).fetchall()
        if not found:
            err_console.print(f"Ingen innlastet fil heter «{name}». Se filnavnene med «skolemiljo status».")
            return 1
        batch_id, kilde, name = found[0]
        if not (kilde or "").startswith("udir_"):
            err_console.print(f"«{name}» er ikke en eksport fra Udirs statistikkbank (kilde: {kilde}); bare de kan "
                              "utelate grupper en tidligere eksport hadde.")
            return 1
        warned = con.execute("SELECT count(*) FROM core.kvalitet WHERE batch_id = ? AND forventning = ?",
                             [batch_id, udir_eksport.LEFT_OUT]).fetchall()[0][0]
        if not warned:
            # A page of a longer export (or a file loaded before the check) speaks for nothing it lacks: the rows of
            # the export's other pages would look left out (130 of them on the demo's second 148 page).
            console.print(f"Innlastingen av «{name}» ({loaded_when(batch_id)}) varslet ikke om rader fra tidligere "
                          "innlastinger som filen utelot, så ingenting er å vise eller fjerne. (En side av en "
                          "lengre eksport sier ingenting om rader den ikke har.)")
            return 0
        if args.fjern:
            con.execute("BEGIN TRANSACTION")
        total, examples = udir_eksport.left_out_of(con, batch_id, remove=args.fjern)
        if args.fjern:
            con.execute("COMMIT")
    when = loaded_when(batch_id)
    if not total:
        console.print(f"Ingen rader fra tidligere innlastinger står utenfor «{name}» (lastet {when}).")
        return 0
    rows = f"{total} {'rad' if total == 1 else 'rader'}"
    if not args.fjern:
        console.print(f"{rows} fra tidligere innlastinger står ikke i «{name}» (lastet {when}), som ellers har samme "
                      f"skoleår, enhet og indikator: {examples}.\nSjekk i statistikkbanken at Udir har trukket "
                      f"{'den' if total == 1 else 'dem'} tilbake, og fjern {'den' if total == 1 else 'dem'} med "
                      f"«skolemiljo utelatte {name} --fjern».")
        return 0
    accounts.audit(db, "rader_fjernet", None, f"{rows} som Udir-eksporten {name} (lastet {when}) utelot: {examples}")
    console.print(f"{rows} er fjernet fra lageret: {examples}. Dashbordet viser det fra neste klikk.")
    return 0


def _register_rows(db: Path, account) -> list[tuple]:
    """(orgnr, navn, kommunenr, kommune) of the account's own schools (rektor, FAU) that the register has, by name."""
    if not account.skoler:
        return []
    with connect(db, read_only=True) as con:
        return con.execute("SELECT orgnr, navn, kommunenr, kommune FROM core.skole WHERE orgnr IN (SELECT unnest(?)) "
                           "ORDER BY navn", [list(account.skoler)]).fetchall()


def _schools_outside(registered: list[tuple], account) -> str | None:
    """Why the account's schools (`_register_rows`) do not fit its municipalities: a rektor of a school in another
    municipality would see nothing of it (every figure is scoped to the account's municipalities)."""
    wrong = [(orgnr, navn, k, kommune) for orgnr, navn, k, kommune in registered if k not in account.kommuner]
    if not wrong:
        return None
    given = ("brukeren har ingen kommune" if not account.kommuner else
             f"ikke i brukerens kommune{'r' if len(account.kommuner) > 1 else ''} ({', '.join(account.kommuner)})")
    schools = "; ".join(f"{navn} ({orgnr}) ligger i {kommune or 'kommune'} ({k})" for orgnr, navn, k, kommune in wrong)
    needed = sorted({k for _, _, k, _ in wrong})
    return (f"Brukeren er ikke lagret. Etter skoleregisteret: {schools}, {given}. Brukeren "
            f"ser bare tall fra egne kommuner: legg til {' '.join(f'--kommune {k}' for k in needed)}, eller sjekk "
            "organisasjonsnummeret.")


def _warehouse_exists(db: Path) -> bool:
    """Accounts and settings belong to one warehouse: a mistyped --db must not quietly start a new one beside it."""
    if db.is_file():
        return True
    err_console.print(f"Det finnes ikke noe lager i {db}. Kjør «skolemiljo --db {db} init» for et nytt lager, eller "
                      "sjekk --db og SKOLEMILJO_DB.")
    return False


def _is_demo(db: Path) -> bool:
    from pipelines.warehouse import store

    with connect(db, read_only=True) as con:
        return store.is_demo(con)


def cmd_demo(args: argparse.Namespace, db: Path) -> int:
    from pipelines.demo import run_demo
    from pipelines.warehouse import store

    # A demo warehouse switches on the demo accounts, whose passwords are public, and labels every figure fictional.
    if db.exists() and not _is_demo(db):
        err_console.print(f"{db} er et eksisterende lager, ikke et demolager. Demoen legger inn fiktive kommuner og "
                          "demokontoer med kjente passord, og lastes derfor aldri inn i det. Bruk en annen --db for "
                          "demoen, f.eks. «skolemiljo --db data/demo.duckdb demo».")
        return 1
    out = Path(args.ut) if args.ut else db.parent / "demo"
    files = run_demo(out)
    store.init(db)
    store.set_setting(db, "demo", "ja")
    console.print(f"Skrev {len(files)} demofiler til {out}.")
    store_code = ingest_paths(files, db)
    if store_code == 0:
        print_demo_accounts(db)
    return 0 if store_code == 0 else 1


def print_demo_accounts(db: Path) -> int:
    from pipelines import accounts
    from pipelines.demo import SCHOOLS

    if not _is_demo(db):
        err_console.print("Lageret er ikke et demolager; demokontoer opprettes bare for demoen.")
        return 1
    nordli = next(s.orgnr for s in SCHOOLS if s.navn == "Nordli skole")
    rows = accounts.ensure_demo_accounts(accounts.users_path(db), nordli)
    console.print("  [bold]DEMOKONTOER – bare for demoen med fiktive data, virker ikke mot ekte data:[/bold]")
    for name, password, role in rows:
        console.print(f"    {role:<10} brukernavn: {name:<14} passord: {password}")
    if taken := sorted({name for name, *_ in accounts.DEMO_ACCOUNTS} - {name for name, *_ in rows}):
        console.print(f"  Merk: {', '.join(taken)} er {'en ekte konto' if len(taken) == 1 else 'ekte kontoer'} i "
                      f"{accounts.users_path(db)}, og demokontoen med samme navn er ikke laget. Et ekte lager bør ha "
                      "sin egen mappe, med egne brukere.")
    return 0


def cmd_report(args: argparse.Namespace, db: Path) -> int:
    """Build a report as the recipient reads it and write it to --ut (whole file or nothing)."""
    import os

    if not db.exists():
        err_console.print(f"Fant ikke lageret {db}. Kjør «skolemiljo init» og les inn filer først.")
        return 1
    os.environ["SKOLEMILJO_DB"] = str(db)
    import streamlit.logger

    # Outside the server, Streamlit's cache warns that it has no runtime; the command does not need one.
    streamlit.logger.set_log_level("error")
    from dashboard import queries
    from dashboard.reports import content, render
    from dashboard.viewer import Viewer, thresholds_from

    if (wrong := _wrong_suffix(Path(args.ut), args.fmt)) is not None:
        err_console.print(wrong)
        return 1
    vurdering = ""
    if args.vurdering:
        try:
            # As an uploaded file is read: UTF-8, or Notepad's «ANSI» (Windows-1252), or UTF-16
            from pipelines import parsing

            vurdering = parsing.decode(Path(args.vurdering).read_bytes()).text
        except OSError as exc:
            err_console.print(f"Kunne ikke lese vurderingen fra {args.vurdering}: {_os_reason(exc)}.")
            return 1
        except IngestError as exc:
            err_console.print(f"Kunne ikke lese vurderingen fra {args.vurdering}: {exc}")
            return 1
    settings = dict(queries.settings(Viewer()).iter_rows())
    default, per_kommune = thresholds_from(settings)
    # The command line runs on the server with the warehouse at hand: it asks as a skoleeier of that municipality.
    requester = Viewer(role="skoleeier", kommuner=frozenset({args.kommune}), min_respondents=default,
                       thresholds=per_kommune)
    # An option the chosen report does not use was silently left out: a rektormøte report «for one school» was the
    # whole municipality's.
    if args.skole and args.mottaker != "fau":
        err_console.print("--skole gjelder bare rapporten til FAU (én skole). Ta det bort, eller velg --mottaker fau.")
        return 1
    if args.anonymiser and args.mottaker != "rektormote":
        err_console.print("--anonymiser gjelder bare rapporten til rektormøtet (skolene som bokstaver).")
        return 1
    request = content.Request(kommunenr=args.kommune, skoleaar=args.skoleaar, mottaker=args.mottaker,
                              orgnr=args.skole, vurdering=vurdering, anonymiser=args.anonymiser)
    try:
        report = content.build(requester, request)
        # «Laget … av root»: the server's account is logged (the audit log), not printed in a public document.
        report.laget_av = None
        data = render.render(report, args.fmt)
    except content.ReportError as exc:
        err_console.print(str(exc))
        return 1
    from pipelines import accounts

    out = Path(args.ut)
    try:  # logged before it appears; a folder, or an export that cannot be logged, leaves nothing behind
        # No dashboard user: the audit line names the operating-system user as «os:NAME», which no login can be.
        render.write_file(data, out, lambda: accounts.audit(db, "eksport", None, f"{out.name} (kommandolinje)"),
                          fmt=args.fmt)
    except content.ReportError as exc:
        err_console.print(str(exc))
        return 1
    console.print(f"Skrev {report.title} – {content.RECIPIENTS[report.mottaker]}, {report.skoleaar} – til {out} "
                  f"({len(data) // 1024} KB).")
    if not vurdering.strip():
        console.print("Rapporten er et utkast uten skoleeiers vurdering; skriv den i en tekstfil og legg den til med "
                      "--vurdering FIL.")
    return 0


def _wrong_suffix(out: Path, fmt: str) -> str | None:
    """Why --ut does not fit --format: HTML written to «r.pdf» was e-mailed as a PDF that would not open."""
    from dashboard.reports.render import SUFFIXES

    if out.is_dir():  # `write_file` names the folder and suggests a file in it
        return None
    if out.suffix.lower() in SUFFIXES[fmt]:
        return None
    right = out.with_suffix(SUFFIXES[fmt][0]) if out.suffix else out.with_name(out.name + SUFFIXES[fmt][0])
    said = f"slutter på «{out.suffix}»" if out.suffix else "har ingen filendelse"
    return (f"--ut {out} {said}, men --format er {fmt}. Skriv --ut {right}, eller velg det formatet filnavnet sier.")


class UnreadableWarehouse(RuntimeError):
    """The file at --db exists but DuckDB cannot open it as a database."""


def _check_warehouse(db: Path) -> int | None:
    """Open an existing warehouse once before the command: a corrupt file, or one newer than this program, is named
    in Norwegian before anything is read from or written next to it. Returns its schema version (None: no file)."""
    if not db.exists():
        return None
    try:
        with connect(db, read_only=True) as con:
            return refuse_newer(con)
    except (duckdb.IOException, duckdb.SerializationException, duckdb.InternalException) as exc:
        if "permission denied" in str(exc).lower():
            raise UnreadableWarehouse(f"Har ikke tilgang til å lese lageret {db}.") from exc
        raise UnreadableWarehouse(
            f"Filen {db} er ikke et lesbart skolemiljo-lager (den er ødelagt eller ikke en DuckDB-fil). Sjekk --db og "
            "SKOLEMILJO_DB, eller legg tilbake lageret fra sikkerhetskopien.") from exc


def _run(args: argparse.Namespace, db: Path) -> int:
    version = _check_warehouse(db)
    if args.command == "rapport" and version is not None and version < latest_version():
        # It only reads, so it does not upgrade (as ingest and init do): a report asked for a column the older
        # warehouse lacked and ended in an English traceback.
        err_console.print(f"Lageret {db} er fra en eldre versjon av skolemiljo (skjemaversjon {version}; denne "
                          f"versjonen leser {latest_version()}). Oppgrader det først: skolemiljo --db {db} init")
        return 1
    if args.command == "init":
        return cmd_init(db)
    if args.command == "status":
        code = cmd_status(db)
        _archive_hint(db)
        return code
    if args.command == "arkiv":
        return cmd_archive(db)
    if args.command == "ingest":
        if not db.exists():  # a mistyped --db would otherwise fill a warehouse the dashboard never reads, unsaid
            err_console.print(f"Merk: Det fantes ikke noe lager i {db}; et nytt, tomt lager lages nå. Var det ikke "
                              "meningen, sjekk --db og SKOLEMILJO_DB.")
        return ingest_paths([Path(f) for f in args.files], db, args.source)
    if args.command == "innstilling":
        return cmd_setting(args, db)
    if args.command == "utelatte":
        return cmd_left_out(args, db)
    if args.command == "trekk-tilbake":
        return cmd_withdraw(args, db)
    if args.command == "bruker":
        return cmd_user(args, db)
    if args.command == "rapport":
        return cmd_report(args, db)
    if args.command == "demo":
        return cmd_demo(args, db)
    return 2


def main(argv: list[str] | None = None) -> int:
    """Run one command; the errors an operator meets (a busy, corrupt or newer warehouse, a read-only folder, no
    terminal, Ctrl-C) end in one Norwegian line and exit code 1 (130 for Ctrl-C), not a traceback."""
    args = _parser().parse_args(argv)
    db = db_path(args.db)
    keep_private()
    told: list[bool] = []

    def waiting() -> None:
        if not told:  # once per command, however many times it opens the warehouse
            told.append(True)
            err_console.print(f"Lageret {db} er i bruk av en annen prosess (for eksempel en innlasting); venter til det "
                              f"blir ledig, inntil {LOCK_WAIT_SECONDS:.0f} sekunder …")

    tell_when_waiting(waiting)
    try:
        return _run(args, db)
    except KeyboardInterrupt:
        err_console.print("Avbrutt.")
        return 130
    except (WarehouseBusy, UnreadableWarehouse) as exc:
        err_console.print(str(exc))
    except SchemaTooNew as exc:
        err_console.print(f"{db}: {exc}")
    except (duckdb.IOException, duckdb.TransactionException) as exc:  # the warehouse file or its log cannot be written
        text = str(exc).lower()
        if "permission denied" in text or "read-only" in text:
            err_console.print(f"Kan ikke skrive til lageret {db}: ingen skrivetilgang til filen eller mappen.")
        else:
            err_console.print(f"Kunne ikke lese eller skrive lageret {db}: {exc}")
    except OSError as exc:  # the archive, the account file, the audit log or a report beside the warehouse
        where = f" {exc.filename}" if exc.filename else ""
        err_console.print(f"Kunne ikke lese eller skrive{where}: {_os_reason(exc)}.")
    except EOFError:
        err_console.print("Fikk ikke lest passordet: standard inn er tom og det finnes ingen terminal å spørre i. "
                          "I et skript: bruk --passord-fra-stdin (passordet på første linje) eller --uten-passord.")
    finally:
        tell_when_waiting(None)
    return 1


if __name__ == "__main__":
    sys.exit(main())
