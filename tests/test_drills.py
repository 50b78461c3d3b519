"""The fastest drills of bench/drills.py run in `make test`, through the same code (issue 13): a
private PostgreSQL, Redis, two Celery workers and beat, started and torn down by the script with
ports and folders of their own (``--test-layout``). The whole set, and its table, is `make drills`.

Skipped (also under CI=true) where the drills cannot run: not root, or no PostgreSQL 15 server
binaries; the script says which.
"""

import os
import subprocess
import sys

import pytest

from .conftest import ROOT

sys.path.insert(0, str(ROOT / "bench"))

import drills  # noqa: E402

pytestmark = [pytest.mark.worker, pytest.mark.slow]

# The drills run here: each message delivered three times to two workers, once.
FAST = ["duplicate-delivery"]


def test_the_fast_drills_lose_nothing_and_do_nothing_twice(tmp_path, capsys):
    if reason := drills.needs():
        pytest.skip(reason)
    out = tmp_path / "drills.md"
    env = {k: v for k, v in os.environ.items() if k not in ("DJANGO_SETTINGS_MODULE", "DATABASE_URL", "REDIS_URL")}
    result = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "drills.py"), "--test-layout", "--out", str(out), "--only", *FAST],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    with capsys.disabled():
        print(f"\n{out.read_text() if out.exists() else result.stdout[-3000:]}")
    assert result.returncode == 0, result.stdout[-5000:] + result.stderr[-5000:]
    rows = [line for line in out.read_text().splitlines() if line.startswith("| ") and "outcome" not in line]
    assert len(rows) == len(FAST) and all(" | ok | " in row for row in rows), rows
