"""Screenshots of dashboard pages in headless Chromium, for looking at what we built.

    .venv/bin/python scripts/screenshots.py DB OUTDIR [page[#tab] ...]

Starts the real server on DB, opens each page (url path, optionally clicking a tab by its label) and saves
full-page PNGs to OUTDIR.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]


def settle(page) -> None:
    """Wait until Streamlit has finished running the script and drawing charts."""
    page.wait_for_timeout(4000)
    page.wait_for_selector("[data-testid='stStatusWidget']", state="detached", timeout=60000)
    page.wait_for_timeout(4000)


def main(db: str, out: str, pages: list[str]) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(ROOT / "dashboard" / "app.py"), "--server.port", str(port),
         "--server.headless", "true", "--server.address", "127.0.0.1"],
        cwd=ROOT, env={**os.environ, "SKOLEMILJO_DB": db}, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            try:
                urllib.request.urlopen(f"{url}/_stcore/health", timeout=2)
                break
            except OSError:
                time.sleep(0.3)
        Path(out).mkdir(parents=True, exist_ok=True)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
            page = browser.new_page(viewport={"width": 1400, "height": int(os.environ.get("SHOT_HEIGHT", "2200"))})
            for spec in pages:
                path, _, tab = spec.partition("#")
                page.goto(f"{url}/{path}")
                page.wait_for_selector("[data-testid='stMainBlockContainer']", timeout=30000)
                settle(page)
                if tab:
                    page.get_by_role("tab", name=tab).click()
                    settle(page)
                name = (path or "oversikt") + (f"-{tab}" if tab else "")
                target = Path(out) / (name.replace(" ", "_").replace("/", "_") + ".png")
                page.screenshot(path=str(target), full_page=True)
                print(target)
            browser.close()
    finally:
        proc.terminate()
        proc.wait(timeout=20)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3:] or [""])
