"""Screenshots of dashboard pages in headless Chromium, logged in as a demo user, for looking at what we built.

    .venv/bin/python scripts/screenshots.py DB OUTDIR ROLE [page[#tab][!button] ...]

Starts the real server on DB, logs in through the form as the demo account of ROLE (skoleeier, rektor, fau, admin),
follows each sidebar link by its label (a reload would start a new session), optionally clicks a tab and then a
button by their labels, and saves full-page PNGs to OUTDIR. MEETING=1 starts rektormøte mode first (skoleeier);
SHOT_WIDTH and SHOT_HEIGHT set the window's size.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from dashboard.reports.browser import CHROMIUM_ARGS, chromium_path  # noqa: E402
from pipelines.accounts import DEMO_ACCOUNTS  # noqa: E402
from tests.serving import streamlit_server  # noqa: E402

ARGS = CHROMIUM_ARGS


def settle(page) -> None:
    """Wait until Streamlit has finished running the script and drawing charts."""
    page.wait_for_timeout(3000)
    page.wait_for_selector("[data-testid='stStatusWidget']", state="detached", timeout=90000)
    page.wait_for_timeout(3000)


def main(db: str, out: str, role: str, specs: list[str]) -> None:
    user, password = next((name, pw) for name, pw, r, *_ in DEMO_ACCOUNTS if r == role)
    Path(out).mkdir(parents=True, exist_ok=True)
    with streamlit_server(Path(db)) as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(chromium_path()), args=ARGS)
        page = browser.new_page(viewport={"width": int(os.environ.get("SHOT_WIDTH", "1400")),
                                          "height": int(os.environ.get("SHOT_HEIGHT", "1400"))})
        page.goto(url)
        page.wait_for_selector("h1")
        page.get_by_label("Brukernavn").fill(user)
        page.get_by_label("Passord", exact=True).fill(password)
        page.get_by_role("button", name="Logg inn").click()
        page.wait_for_selector("h1:has-text('Oversikt')")
        settle(page)
        meeting = os.environ.get("MEETING") == "1"
        if meeting:  # rektormøte mode, started from the sidebar as a skoleeier does; the pages move to the top
            page.get_by_text("Rektormøtemodus").first.click()
            page.wait_for_timeout(1000)
            page.get_by_role("button", name="Start rektormøtemodus").click()
            page.wait_for_selector("text=Avslutt", timeout=60000)
            settle(page)
        page.screenshot(path=f"{out}/{role}-oversikt.png", full_page=True)
        for spec in specs:
            spec, _, button = spec.partition("!")
            label, _, tab = spec.partition("#")
            if meeting:
                page.get_by_role("link", name=label).first.click()
            else:
                page.locator("[data-testid='stSidebarNav'] a", has_text=label).first.click()
            settle(page)
            if tab:
                page.get_by_role("tab", name=tab).click()
                settle(page)
            if button:
                page.get_by_role("button", name=button).click()
                settle(page)
                page.wait_for_selector("[data-testid='stSpinner']", state="detached", timeout=120000)
                settle(page)
            name = f"{out}/{role}-{label}{'-' + tab if tab else ''}{'-' + button if button else ''}.png"
            page.screenshot(path=name.replace(" ", "_"), full_page=True)
            print(name.replace(" ", "_"))
        browser.close()


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:])
