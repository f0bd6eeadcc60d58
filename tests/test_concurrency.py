"""A running dashboard keeps working while `skolemiljo ingest` writes in another process, and then sees the new data."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

from tests.conftest import query

ROOT = Path(__file__).resolve().parent.parent


def test_dashboard_reads_without_errors_while_another_process_ingests(register_db, demo_dir, tmp_path):
    files = sorted(str(p) for p in demo_dir.glob("udir_*.json"))
    stop, ready = tmp_path / "stopp", tmp_path / "klar"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    reader = subprocess.Popen(
        [sys.executable, "-m", "tests.reader_process", str(register_db), str(stop), str(ready)],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while not ready.exists():
            assert reader.poll() is None, reader.stderr.read()
            assert time.monotonic() < deadline, "the reader never got going"
            time.sleep(0.05)
        writer = subprocess.run(
            [sys.executable, "-m", "pipelines.cli", "--db", str(register_db), "ingest", *files],
            cwd=ROOT, env=env, capture_output=True, text=True, timeout=600,
        )
        assert writer.returncode == 0, writer.stdout + writer.stderr
        stop.touch()
        out, err = reader.communicate(timeout=120)
    finally:
        if reader.poll() is None:
            reader.kill()
    summary = json.loads(out.strip().splitlines()[-1])
    assert summary["n_errors"] == 0, summary["errors"]
    assert summary["reads"] > 20
    logged = query(register_db, "SELECT count(*) FROM mart.ingest_log")[0][0]
    assert summary["first"] == 1  # only the register before the ingest started
    assert summary["last"] == logged == 1 + len(files)
