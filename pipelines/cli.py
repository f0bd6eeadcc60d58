"""The `skolemiljo` command: init, demo, ingest and status (see docs/kommandolinje.md)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

from pipelines.warehouse.connection import WarehouseBusy, connect, db_path

console = Console()
err_console = Console(stderr=True)


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="skolemiljo",
        description="Skoleeiers oversikt over læringsmiljøet: lager, innlasting og demodata.",
    )
    p.add_argument("--db", help="sti til lageret (ellers SKOLEMILJO_DB, ellers data/skolemiljo.duckdb)")
    sub = p.add_subparsers(dest="command", required=True, metavar="KOMMANDO")
    sub.add_parser("init", help="opprett et tomt lager eller oppgrader et eldre")
    demo = sub.add_parser("demo", help="skriv demofiler (fiktive kommuner) og last dem inn")
    demo.add_argument("--ut", help="mappe for demofilene (standard: data/demo ved siden av lageret)")
    ing = sub.add_parser("ingest", help="les inn filer: gjenkjenn format, kontroller, last inn")
    ing.add_argument("files", nargs="+", metavar="FIL")
    ing.add_argument("--source", help="hopp over gjenkjenning og bruk denne kilden")
    sub.add_parser("status", help="vis innlastingsloggen")
    return p


def cmd_init(db: Path) -> int:
    from pipelines.warehouse import store
    from pipelines.warehouse.migrations import latest_version

    ran = store.init(db)
    if ran:
        console.print(f"Lageret {db} er på skjemaversjon {latest_version()} (kjørte migrering {', '.join(map(str, ran))}).")
    else:
        console.print(f"Lageret {db} er allerede på skjemaversjon {latest_version()}.")
    return 0


def ingest_paths(paths: list[Path], db: Path, source: str | None = None) -> int:
    from pipelines.ingest import SOURCES, ingest_file

    if source and source not in SOURCES:
        err_console.print(f"Ukjent kilde «{source}». Kjente kilder: {', '.join(SOURCES)}.")
        return 2
    missing = [p for p in paths if not p.is_file()]
    if missing:
        err_console.print("Finner ikke filen: " + ", ".join(str(p) for p in missing))
        return 2
    rejected = 0
    columns = (SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=err_console, transient=True) as progress:
        task = progress.add_task("Leser inn", total=len(paths))
        for path in paths:
            def stage(text: str, _name: str = path.name) -> None:
                progress.update(task, description=f"{_name}: {text}")

            outcome = ingest_file(path, db, source=source, progress=stage)
            progress.advance(task)
            if outcome.result == "avvist":
                rejected += 1
                progress.console.print(f"[red]AVVIST[/red] {path}: {outcome.message}")
            elif outcome.result == "allerede_lastet":
                progress.console.print(f"[yellow]ALLEREDE LASTET[/yellow] {path}: {outcome.message}")
            else:
                progress.console.print(f"[green]LASTET[/green] {path} ({outcome.source}): {outcome.message}")
    return 1 if rejected else 0


def cmd_status(db: Path) -> int:
    if not db.exists():
        console.print(f"Lageret {db} finnes ikke ennå. Kjør «skolemiljo init» eller «skolemiljo demo».")
        return 0
    with connect(db, read_only=True) as con:
        rows = con.execute(
            "SELECT filnavn, coalesce(kilde, '–'), strftime(ferdig, '%Y-%m-%d %H:%M:%S'), rader_inn, rader_lastet, "
            "rader_avvist, resultat, melding FROM mart.ingest_log ORDER BY ferdig"
        ).fetchall()
    table = Table(title=f"Innlastingslogg – {db}")
    for title in ("Fil", "Kilde", "Tid", "Rader inn", "Lastet", "Avvist", "Resultat", "Melding"):
        table.add_column(title, overflow="fold")
    for row in rows:
        table.add_row(*["" if v is None else str(v) for v in row])
    console.print(table)
    if not rows:
        console.print("Ingen filer er lest inn ennå.")
    return 0


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    db = db_path(args.db)
    try:
        if args.command == "init":
            return cmd_init(db)
        if args.command == "status":
            return cmd_status(db)
        if args.command == "ingest":
            return ingest_paths([Path(f) for f in args.files], db, args.source)
        if args.command == "demo":
            from pipelines.demo import run_demo
            from pipelines.warehouse import store

            out = Path(args.ut) if args.ut else db.parent / "demo"
            files = run_demo(out)
            store.init(db)
            store.set_setting(db, "demo", "ja")
            console.print(f"Skrev {len(files)} demofiler til {out}.")
            store_code = ingest_paths(files, db)
            return 0 if store_code == 0 else 1
    except WarehouseBusy as exc:
        err_console.print(str(exc))
        return 1
    return 2


if __name__ == "__main__":
    sys.exit(main())
