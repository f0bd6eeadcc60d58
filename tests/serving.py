"""The real Streamlit server for browser tests: started on a free port against a given warehouse."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def streamlit_server(db: Path, env: dict[str, str] | None = None, cwd: Path = ROOT) -> Iterator[str]:
    """Start `streamlit run dashboard/server.py` on `db`, wait for its health check, yield its URL, stop it.

    `cwd` is where it is started from (Streamlit reads `dashboard/.streamlit/config.toml` from anywhere, and a
    `.streamlit/config.toml` in `cwd` too).
    """
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(ROOT / "dashboard" / "server.py"),
         "--server.port", str(port), "--server.headless", "true", "--server.address", "127.0.0.1"],
        cwd=cwd, env={**(env if env is not None else os.environ), "SKOLEMILJO_DB": str(db)},
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
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
    try:
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=20)
