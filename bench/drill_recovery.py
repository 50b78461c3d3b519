"""Recovery drill: a real Celery worker and beat on Redis and PostgreSQL, killed mid-job.

    PYTHONPATH=. REDIS_URL=redis://127.0.0.1:6379/9 .venv/bin/python bench/drill_recovery.py \\
        [--observations 200000] [--phases read save flush]

Every drill uploads a HAR the way the API does (``scan_job_create``: row, stored file, message on
commit), runs ``celery worker`` (prefork, one child) and ``celery beat`` (the project's schedule:
the scan job sweeper every 15 s), then:

- ``read``: SIGKILL to the whole worker (parent and child) while the file is read (progress 5-85 %);
- ``save``: SIGKILL while the findings are saved (progress 90 %; the worker's save is slowed by
  ``RECTIFY_DRILL_SLOW_SAVE`` seconds through ``bench/drill_hooks.py`` so the kill lands there);
- ``flush``: the message is lost (FLUSHDB of the drill's Redis database, no worker running), then a
  worker starts.

A new worker starts right after the kill. The drill prints, per drill, the seconds from the fault to
the job running again (a new attempt) and to its success, the jobs lost, and duplicates (finding
rows of the inspection beyond those the job reports creating). The database is the drill's own
(``rectify_recovery_drill`` on the server of ``DATABASE_URL``, created and dropped); the Redis
database given in REDIS_URL is flushed (use one of your own). Nothing leaves 127.0.0.1.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import gen_scans  # noqa: E402

TIMEOUT = 300.0
DRILL_DB = "rectify_recovery_drill"


def _env(extra: dict | None = None) -> dict:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "CELERY_EAGER": "false",
        "PYTHONPATH": f"{ROOT}{os.pathsep}{ROOT / 'bench'}",
        **(extra or {}),
    }


def start(kind: str, work: Path, name: str, extra: dict | None = None) -> subprocess.Popen:
    log = open(work / f"{name}.log", "ab")  # noqa: SIM115 (closed with the process)
    if kind == "worker":
        command = [
            sys.executable,
            "-c",
            "import drill_hooks; from celery.__main__ import main; main()",
            *("-A", "config", "worker", "-c", "1", "-n", f"{name}@localhost"),
            *("--without-heartbeat", "--without-mingle", "--without-gossip", "--loglevel", "INFO"),
        ]
    else:
        command = [
            sys.executable,
            *("-m", "celery", "-A", "config", "beat", "-s", str(work / "beat-schedule"), "--loglevel", "INFO"),
        ]
    return subprocess.Popen(
        command, cwd=ROOT, env=_env(extra), stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )


def kill(process: subprocess.Popen) -> None:
    """SIGKILL the whole process group (the worker and its pool child)."""
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    process.wait(timeout=10)


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            kill(process)


def make_job(path: Path):
    from django.core.files.uploadedfile import TemporaryUploadedFile
    from ingest import _fixtures

    from cases.ingest import jobs

    user, inspection = _fixtures()
    upload = TemporaryUploadedFile("drill.har", "application/json", path.stat().st_size, None)
    with open(path, "rb") as source:
        while chunk := source.read(1 << 20):
            upload.write(chunk)
    upload.seek(0)
    job, _created = jobs.scan_job_create(actor=user, inspection=inspection, uploaded=upload)
    upload.close()
    return job


def wait_for(predicate, what: str, timeout: float = TIMEOUT, every: float = 0.1):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(every)
    raise SystemExit(f"timed out waiting for {what}")


def drill(phase: str, har: Path, work: Path, slow_save: int) -> dict:
    import redis
    from django.conf import settings

    from cases.models import ScanJob, ScanStatus

    def row(job_id):
        return ScanJob.objects.filter(pk=job_id).values("status", "progress", "attempts", "findings_created").get()

    broker = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    broker.flushdb()
    extra = {"RECTIFY_DRILL_SLOW_SAVE": str(slow_save)} if phase == "save" else {}
    beat = start("beat", work, f"beat-{phase}")
    worker = None
    try:
        if phase == "flush":
            job = make_job(har)
            broker.flushdb()  # the message is gone; only the row knows the job
            fault = time.monotonic()
        else:
            worker = start("worker", work, f"worker-{phase}-a", extra)
            job = make_job(har)

            def in_phase():
                state = row(job.pk)
                if state["status"] != ScanStatus.RUNNING:
                    return False
                return 5 <= state["progress"] <= 85 if phase == "read" else state["progress"] == 90

            wait_for(in_phase, f"the job to reach the {phase} phase")
            if phase == "save":
                time.sleep(1.0)  # well inside the (slowed) save transaction
            kill(worker)
            fault = time.monotonic()
        killed_at = row(job.pk)
        worker = start("worker", work, f"worker-{phase}-b", extra if phase != "save" else {})
        wait_for(
            lambda: row(job.pk)["attempts"] > killed_at["attempts"] or row(job.pk)["status"] == ScanStatus.SUCCEEDED,
            "the job to run again",
            every=0.05,
        )
        rerun = time.monotonic() - fault
        wait_for(lambda: row(job.pk)["status"] in (ScanStatus.SUCCEEDED, ScanStatus.FAILED), "the job to end")
        done = time.monotonic() - fault
        final = row(job.pk)
        return {
            "phase": phase,
            "killed_at": killed_at,
            "final": final,
            "rerun_s": round(rerun, 1),
            "succeeded_s": round(done, 1),
            "lost": int(final["status"] != ScanStatus.SUCCEEDED),
            "findings": final["findings_created"],
            "findings_rows": job.inspection.findings.count(),
        }
    finally:
        if worker is not None:
            stop(worker)
        stop(beat)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--observations", type=int, default=300_000)
    parser.add_argument("--slow-save", type=int, default=20, help="seconds the save is slowed by in the save drill")
    parser.add_argument("--phases", nargs="+", choices=["read", "save", "flush"], default=["read", "save", "flush"])
    args = parser.parse_args()
    os.environ.update(_env())
    os.environ.setdefault("MAX_UPLOAD_BYTES", str(4 * 1024**3))
    work = Path(tempfile.mkdtemp(prefix="rectify-drill-"))
    os.environ["MEDIA_ROOT"] = str(work / "media")
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.test.utils import setup_databases, teardown_databases
    from ingest import _database_url

    if connection.vendor != "postgresql":
        print("bench/drill_recovery.py needs PostgreSQL (DATABASE_URL)", file=sys.stderr)
        return 2
    connection.settings_dict["TEST"]["NAME"] = DRILL_DB
    old = setup_databases(verbosity=0, interactive=False)
    os.environ["DATABASE_URL"] = f"{_database_url(settings.DATABASES['default'])}/{DRILL_DB}"
    try:
        har = work / "drill.har"
        gen_scans.write_har(args.observations, har)
        print(f"HAR: {args.observations} entries, {har.stat().st_size // 2**20} MiB; logs in {work}")
        results = [drill(phase, har, work, args.slow_save) for phase in args.phases]
    finally:
        connection.close()
        teardown_databases(old, verbosity=0)
    print(f"{'drill':<8}{'killed at':<22}{'runs again':>12}{'succeeded':>12}{'lost':>6}{'findings':>10}{'dup':>5}")
    for r in results:
        killed = f"{r['killed_at']['status']} {r['killed_at']['progress']}%"
        print(
            f"{r['phase']:<8}{killed:<22}{r['rerun_s']:>10} s{r['succeeded_s']:>10} s{r['lost']:>6}{r['findings']:>10}"
            f"{r['findings_rows'] - r['findings']:>5}"
        )
    return 0 if all(r["lost"] == 0 and r["rerun_s"] <= 60 for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
