"""The real Streamlit server in headless Chromium: what a skolesjef meets in the browser."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync",
]

pytestmark = pytest.mark.browser


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(demo_db_master):
    port = _free_port()
    env = {**os.environ, "SKOLEMILJO_DB": str(demo_db_master)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(ROOT / "dashboard" / "app.py"),
         "--server.port", str(port), "--server.headless", "true", "--server.address", "127.0.0.1"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    break
        except OSError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            pytest.fail("Streamlit did not start: " + (proc.stdout.read() if proc.stdout else ""))
        time.sleep(0.3)
    yield url
    proc.terminate()
    proc.wait(timeout=20)


@pytest.fixture(scope="module")
def browser():
    assert Path(CHROMIUM).exists(), "Chromium mangler: kjør «make test» (installerer den) eller apt-get install chromium"
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


def test_elevundersokelsen_page_shows_a_chart_in_chromium(server, browser, tmp_path):
    page = browser.new_page(viewport={"width": 1400, "height": 1600})
    page.goto(f"{server}/elevundersokelsen")
    page.wait_for_selector("h1:has-text('Elevundersøkelsen')", timeout=30_000)
    page.wait_for_selector(".js-plotly-plot .scatterlayer .trace", timeout=30_000)
    body = page.inner_text("body")
    assert "Demodata" in body
    assert "Landet" in body and "Fjellvik kommune" in body  # legend entries of the reference lines
    assert "Traceback" not in body and "Error" not in body
    page.screenshot(path=str(tmp_path / "elevundersokelsen.png"))
    page.close()


def test_every_page_loads_without_errors_in_chromium(server, browser):
    page = browser.new_page(viewport={"width": 1400, "height": 1200})
    for path, heading in [
        ("", "Oversikt"), ("elevundersokelsen", "Elevundersøkelsen"), ("datakvalitet", "Datakvalitet"),
        ("ungdata", "Ungdata"), ("saker", "Saker etter opplæringslova kapittel 12"),
        ("team", "Arbeidslag og elevtjeneste"),
    ]:
        page.goto(f"{server}/{path}")
        page.wait_for_selector(f"h1:has-text('{heading}')", timeout=30_000)
        page.wait_for_timeout(800)
        body = page.inner_text("body")
        for problem in ("Traceback", "Exception", "Page not found", "Error"):
            assert problem not in body, (path, problem)
    page.close()


@pytest.mark.parametrize(
    ("path", "heading"),
    [("ungdata", "Ungdata"), ("saker", "Saker etter opplæringslova kapittel 12"), ("team", "Arbeidslag og elevtjeneste")],
)
def test_new_pages_draw_their_charts_in_chromium(server, browser, tmp_path, path, heading):
    page = browser.new_page(viewport={"width": 1400, "height": 1600})
    page.goto(f"{server}/{path}")
    page.wait_for_selector(f"h1:has-text('{heading}')", timeout=30_000)
    # Scatter and bar traces are `.trace` groups; a heatmap draws an image in its `.hm` group.
    # Only the first tab is on screen, so count what is visible, not what hidden tabs hold.
    drawn = ".js-plotly-plot .trace:visible, .js-plotly-plot .heatmaplayer .hm image:visible"
    page.wait_for_selector(drawn, timeout=30_000)
    assert page.locator(drawn).count() > 0
    body = page.inner_text("body")
    assert "Traceback" not in body and "Error" not in body
    page.screenshot(path=str(tmp_path / f"{path}.png"))
    page.close()
