"""Drills: the project's faults played against a private, production-configured deployment (issue 13).

    make drills                         # every drill, the table in bench/out/drills.md
    .venv/bin/python bench/drills.py [--only NAME ...] [--keep] [--list]

Starts its own servers and never touches the shared ones: PostgreSQL 15 (initdb into
``/tmp/drills-pg`` as the ``postgres`` OS user, port 8554), ``redis-server`` (port 8579, no
persistence, so a restart loses the queue as a crash would), gunicorn with the production settings
(``bench/drill_settings.py``: static files without the manifest, so no collectstatic; port 8580), a
Celery worker and a separate beat. ``MEDIA_ROOT`` is a
small tmpfs (``/tmp/drills-media``) so that "storage full" is real. Needs root (runuser, mount) and
the PostgreSQL 15 server binaries (``/usr/lib/postgresql/15/bin``); nothing leaves 127.0.0.1.

Each drill prints: the outcome, the jobs requested and completed, jobs lost, duplicates (a second
batch number, PDF, e-mail or set of findings for one job), the recovery time (from a worker running
again, or the fault's end, to the last requested job done; the target is 60 s) and the errors seen
during the outage (500s, 503s and whether each carried Retry-After). The drills:

- ``kill-<phase>``: kill -9 of the whole worker (parent and pool child) while an ingest reads,
  runs its rules or saves, and while a publication renders, has written its PDF (uncommitted) and
  has committed (the job not yet marked done); the phase is held by ``bench/drill_hooks.py``;
- ``redis-restart`` / ``redis-flushall``: jobs queued while no worker runs, their messages lost;
- ``postgres-restart``: a client hitting pages and the API through a ``pg_ctl stop``/``start``;
- ``duplicate-delivery``: each job's message delivered three times to two workers;
- ``concurrent``: threads approving and publishing the same and different notices over HTTP;
- ``storage-full``: uploads and a publication while MEDIA_ROOT is full, then freed;
- ``beat-days``: worker and beat stopped, then started with the clock three days ahead;
- ``backup-restore``: pg_dump and a copy of MEDIA_ROOT restored into a new database and folder,
  every published PDF checked against its SHA-256 and served by a second gunicorn on them.

The exit code is non-zero when a drill fails. ``--keep`` leaves the servers running for inspection
(their logs are in ``/tmp/drills``). tests/test_drills.py runs the fastest drills in ``make test``.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import datetime
import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
for _path in (str(ROOT), str(ROOT / "bench")):
    if _path not in sys.path:
        sys.path.insert(0, _path)

from drill_recovery import kill, stop, wait_for  # noqa: E402

PG_BIN = Path("/usr/lib/postgresql/15/bin")
RECOVERY_LIMIT = 60.0
READY_TIMEOUT = 60.0
PYTHON = sys.executable
CELERY_MAIN = "import drill_hooks; from celery.__main__ import main; main()"


@dataclasses.dataclass(frozen=True)
class Layout:
    """Where a deployment of the drills lives: its ports and folders (all its own)."""

    pg_port: int = 8554
    redis_port: int = 8579
    web_port: int = 8580
    restored_web_port: int = 8581
    work: Path = Path("/tmp/drills")
    pg_data: Path = Path("/tmp/drills-pg")
    media: Path = Path("/tmp/drills-media")
    media_size: str = "48m"
    database: str = "rectify_drills"

    @property
    def database_url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.pg_port}/{self.database}"

    @property
    def redis_url(self) -> str:
        return f"redis://127.0.0.1:{self.redis_port}/0"


# The layout of tests/test_drills.py (make test): ports and folders apart from make drills'.
TEST_LAYOUT = Layout(
    pg_port=8555,
    redis_port=8578,
    web_port=8582,
    restored_web_port=8583,
    work=Path("/tmp/drills-test"),
    pg_data=Path("/tmp/drills-test-pg"),
    media=Path("/tmp/drills-test-media"),
    database="rectify_drills_test",
)


@dataclasses.dataclass
class Row:
    drill: str
    ok: bool = False
    requested: int = 0
    completed: int = 0
    lost: int = 0
    duplicates: int = 0
    recovery_s: float | None = None
    errors: str = "-"
    note: str = ""

    def cells(self) -> list[str]:
        recovery = "-" if self.recovery_s is None else f"{self.recovery_s:.1f} s"
        return [
            self.drill,
            "ok" if self.ok else "FAIL",
            str(self.requested),
            str(self.completed),
            str(self.lost),
            str(self.duplicates),
            recovery,
            self.errors,
            self.note,
        ]


HEADER = ["drill", "outcome", "jobs requested", "completed", "lost", "duplicates", "recovery", "errors", "note"]


def table(rows: list[Row]) -> str:
    lines = ["| " + " | ".join(HEADER) + " |", "|" + "---|" * len(HEADER)]
    lines += ["| " + " | ".join(cell.replace("|", "/") for cell in row.cells()) + " |" for row in rows]
    return "\n".join(lines)


def needs() -> str:
    """Why the drills cannot run here, or "" when they can."""
    if os.geteuid() != 0:
        return "the drills need root (runuser for PostgreSQL, mount for the tmpfs)"
    if not (PG_BIN / "initdb").exists():
        return f"no PostgreSQL 15 server binaries in {PG_BIN}"
    if not shutil.which("redis-server"):
        return "no redis-server on PATH"
    return ""


# -- the deployment ------------------------------------------------------------------------------


class Stack:
    """The private servers of one drills run, and the processes started on them."""

    def __init__(self, layout: Layout):
        self.layout = layout
        self.processes: dict[str, subprocess.Popen] = {}
        self.mounted = False

    # environment and processes

    def env(self, **extra: str) -> dict[str, str]:
        env = {
            key: value
            for key, value in os.environ.items()
            if key not in ("CACHE_URL", "CELERY_EAGER", "CELERY_TASK_DEFAULT_QUEUE")
        }
        env.update(
            DJANGO_SETTINGS_MODULE="drill_settings",  # production's, static files without the manifest
            SECRET_KEY="drills-only-" + "x" * 40,
            ALLOWED_HOSTS="127.0.0.1,localhost",
            DATABASE_URL=self.layout.database_url,
            REDIS_URL=self.layout.redis_url,
            MEDIA_ROOT=str(self.layout.media),
            SECURE_SSL_REDIRECT="false",
            EMAIL_BACKEND="django.core.mail.backends.console.EmailBackend",
            PYTHONPATH=f"{ROOT}{os.pathsep}{ROOT / 'bench'}",
        )
        env.update(extra)
        return env

    def spawn(self, name: str, command: list[str], env: dict[str, str]) -> subprocess.Popen:
        self.layout.work.mkdir(parents=True, exist_ok=True)
        with open(self.layout.work / f"{name}.log", "ab") as log:
            process = subprocess.Popen(
                command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
        self.processes[name] = process
        with open(self.layout.work / "pids", "a") as pids:  # for a later run to end what --keep left
            pids.write(f"{process.pid}\n")
        return process

    def log(self, name: str) -> str:
        path = self.layout.work / f"{name}.log"
        return path.read_text(encoding="utf-8", errors="replace") if path.exists() else ""

    def stop(self, name: str) -> None:
        process = self.processes.pop(name, None)
        if process is not None:
            stop(process)

    def kill(self, name: str) -> float:
        """kill -9 of the process group (a worker with its pool child); answer when."""
        kill(self.processes.pop(name))
        return time.monotonic()

    def start_worker(self, name: str = "worker", **extra: str) -> float:
        """A Celery worker (prefork, one child) through drill_hooks; answer when it was ready."""
        log_size = len(self.log(name))
        self.spawn(
            name,
            [
                *(PYTHON, "-c", CELERY_MAIN, "-A", "config", "worker", "-c", "1", "-n", f"{name}@localhost"),
                *("--without-heartbeat", "--without-mingle", "--without-gossip", "--loglevel", "INFO"),
            ],
            self.env(**extra),
        )
        process = self.processes[name]

        def ready():
            if process.poll() is not None:
                raise SystemExit(f"worker {name} exited:\n{self.log(name)[-3000:]}")
            return " ready." in self.log(name)[log_size:]

        wait_for(ready, f"worker {name} to be ready", timeout=READY_TIMEOUT, every=0.2)
        return time.monotonic()

    def start_beat(self, **extra: str) -> None:
        schedule = self.layout.work / "beat-schedule"
        self.spawn(
            "beat",
            [PYTHON, "-c", CELERY_MAIN, "-A", "config", "beat", "-s", str(schedule), "--loglevel", "INFO"],
            self.env(**extra),
        )

    def start_web(self, name: str = "web", port: int | None = None, **extra: str) -> str:
        port = port or self.layout.web_port
        self.spawn(
            name,
            [
                str(Path(PYTHON).parent / "gunicorn"),
                "config.wsgi",
                *("-b", f"127.0.0.1:{port}", "-w", "2", "--timeout", "60", "--graceful-timeout", "5"),
            ],
            self.env(**extra),
        )
        base = f"http://127.0.0.1:{port}"
        import requests

        def up():
            if self.processes[name].poll() is not None:
                raise SystemExit(f"gunicorn {name} exited:\n{self.log(name)[-3000:]}")
            with contextlib.suppress(requests.RequestException):
                return requests.get(base + "/register/", timeout=5).status_code == 200
            return False

        wait_for(up, f"gunicorn {name}", timeout=READY_TIMEOUT, every=0.3)
        return base

    # PostgreSQL

    def pg(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        return subprocess.run(
            ["runuser", "-u", "postgres", "--", *args],
            check=check,
            capture_output=True,
            text=True,
            cwd="/tmp",
        )

    def pg_ctl(self, action: str, *extra: str) -> None:
        self.pg(
            str(PG_BIN / "pg_ctl"),
            action,
            "-D",
            str(self.layout.pg_data),
            "-l",
            str(self.layout.work / "postgres.log"),
            "-w",
            *extra,
        )

    def start_postgres(self) -> None:
        layout = self.layout
        layout.work.mkdir(parents=True, exist_ok=True)
        shutil.chown(layout.work, "postgres")
        if not (layout.pg_data / "PG_VERSION").exists():
            layout.pg_data.mkdir(parents=True, exist_ok=True)
            shutil.chown(layout.pg_data, "postgres")
            self.pg(str(PG_BIN / "initdb"), "-D", str(layout.pg_data), "-A", "trust", "-U", "postgres", "-E", "UTF8")
            with open(layout.pg_data / "postgresql.conf", "a") as conf:
                conf.write(
                    f"port = {layout.pg_port}\nlisten_addresses = '127.0.0.1'\n"
                    f"unix_socket_directories = '{layout.pg_data}'\nfsync = off\n"
                    "synchronous_commit = off\nfull_page_writes = off\nmax_connections = 100\n"
                )
        self.pg_ctl("start")

    def psql(self, sql: str, database: str = "postgres") -> None:
        port = str(self.layout.pg_port)
        self.pg(str(PG_BIN / "psql"), "-h", "127.0.0.1", "-p", port, "-d", database, "-v", "ON_ERROR_STOP=1", "-c", sql)

    # Redis

    def start_redis(self) -> None:
        layout = self.layout
        self.spawn(
            "redis",
            [
                "redis-server",
                *("--port", str(layout.redis_port), "--bind", "127.0.0.1", "--daemonize", "no"),
                *("--pidfile", str(layout.work / "redis.pid"), "--dir", str(layout.work)),
                *("--save", "", "--appendonly", "no"),
            ],
            dict(os.environ),
        )
        import redis

        client = redis.Redis(port=layout.redis_port)

        def up():
            with contextlib.suppress(redis.RedisError):
                return client.ping()
            return False

        wait_for(up, "redis-server", timeout=20)

    def redis(self):
        import redis

        return redis.Redis(port=self.layout.redis_port)

    # MEDIA_ROOT

    def mount_media(self) -> None:
        self.layout.media.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            ["mount", "-t", "tmpfs", "-o", f"size={self.layout.media_size}", "drills-media", str(self.layout.media)],
            check=True,
        )
        self.mounted = True

    # the whole

    def up(self) -> None:
        self.close(remove=True)  # what a previous run left
        self.start_postgres()
        self.psql(f"CREATE DATABASE {self.layout.database}")
        self.start_redis()
        self.mount_media()
        subprocess.run([PYTHON, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=ROOT, env=self.env(), check=True)

    def close(self, remove: bool = True) -> None:
        for name in list(self.processes):
            self.stop(name)
        pids = self.layout.work / "pids"
        if pids.exists():  # the process groups a previous run left (--keep)
            for pid in pids.read_text().split():
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.killpg(int(pid), signal.SIGTERM)
            time.sleep(1.0)
            pids.unlink()
        if (self.layout.pg_data / "postmaster.pid").exists():
            self.pg(str(PG_BIN / "pg_ctl"), "stop", "-D", str(self.layout.pg_data), "-m", "immediate", check=False)
        if self.mounted or os.path.ismount(self.layout.media):
            subprocess.run(["umount", "-l", str(self.layout.media)], check=False)
            self.mounted = False
        if remove:
            for path in (self.layout.work, self.layout.pg_data, self.layout.media):
                shutil.rmtree(path, ignore_errors=True)


# -- the application's side, through its own services ----------------------------------------------


class App:
    """The drills' view of the application: data made with its services, state read from its models."""

    def __init__(self, stack: Stack):
        self.stack = stack
        import django

        os.environ.update(stack.env())
        django.setup()
        from accounts.roles import Role
        from accounts.tokens import api_token_issue
        from tests import factories

        self.inspector = factories.UserFactory(role=Role.INSPECTOR, username="drill-inspector")
        self.reviewer = factories.UserFactory(role=Role.REVIEWER, username="drill-reviewer")
        self.admin = factories.UserFactory(role=Role.ADMIN, username="drill-admin", email="admin@drills.test")
        self.tokens = {
            user.username: api_token_issue(user=user, name="drills")[1]
            for user in (self.inspector, self.reviewer, self.admin)
        }
        self.har = stack.layout.work / "drill.har"
        import gen_scans

        gen_scans.write_har(3000, self.har)

    def headers(self, user) -> dict[str, str]:
        return {"Authorization": f"Token {self.tokens[user.username]}"}

    # notices

    def draft(self):
        from notices import services
        from tests.notices.conftest import make_case

        return services.notice_draft(actor=self.inspector, kind="naming", case_ids=[make_case().pk])

    def approved(self):
        from notices import workflow

        return workflow.notice_approve(actor=self.reviewer, notice=self.draft())

    def request_publication(self, notice) -> None:
        from notices import workflow

        workflow.notice_request_publication(actor=self.reviewer, notice=notice)

    def published(self, notice_ids) -> set[int]:
        from notices.models import Notice, NoticeStatus
        from outbox.models import OutboxJob, OutboxStatus

        done = set(
            OutboxJob.objects.filter(
                key__in=[f"notice.publish:{pk}" for pk in notice_ids], status=OutboxStatus.DONE
            ).values_list("key", flat=True)
        )
        return {
            pk
            for pk in Notice.objects.filter(pk__in=notice_ids, status=NoticeStatus.PUBLISHED).values_list(
                "pk", flat=True
            )
            if f"notice.publish:{pk}" in done
        }

    def publication_duplicates(self, notice_ids) -> int:
        """Extra PDFs, extra publish transitions and numbers used twice or skipped, for these notices
        and the series as a whole."""
        from notices import events
        from notices.models import Notice, NoticeCounter, NoticeEvent, NoticeSeries, NoticeStatus

        extra = 0
        folder = self.stack.layout.media / "notices"
        names = [p.name for p in folder.rglob("*.pdf")] if folder.exists() else []
        for pk in notice_ids:
            extra += max(0, sum(1 for n in names if n.startswith(f"{pk}-")) - 1)
            extra += max(
                0,
                NoticeEvent.objects.filter(
                    notice_id=pk, kind=events.TRANSITION, to_status=NoticeStatus.PUBLISHED
                ).count()
                - 1,
            )
        batches = list(
            Notice.objects.filter(series=NoticeSeries.APP, batch_number__isnull=False).values_list(
                "batch_number", flat=True
            )
        )
        extra += len(batches) - len(set(batches))
        counter = NoticeCounter.objects.filter(series=NoticeSeries.APP).order_by("-year").first()
        if counter is not None:
            extra += abs(counter.yearly - len(set(batches)))
        return extra

    # scan jobs

    def scan_job(self):
        from drill_recovery import make_job

        return make_job(self.har)

    def scans_done(self, job_ids) -> set[int]:
        from cases.models import ScanJob, ScanStatus

        return set(ScanJob.objects.filter(pk__in=job_ids, status=ScanStatus.SUCCEEDED).values_list("pk", flat=True))

    def scan_duplicates(self, job_ids) -> int:
        from cases.models import Finding, ScanJob

        extra = 0
        for job in ScanJob.objects.filter(pk__in=job_ids):
            extra += abs(Finding.objects.filter(inspection_id=job.inspection_id).count() - job.findings_created)
        return extra

    def scan_failed(self, job_ids) -> set[int]:
        from cases.models import ScanJob, ScanStatus

        return set(ScanJob.objects.filter(pk__in=job_ids, status=ScanStatus.FAILED).values_list("pk", flat=True))


def wait_done(done: Callable[[], int], total: int, limit: float = RECOVERY_LIMIT * 2) -> tuple[int, float | None]:
    """Poll until ``done()`` reaches ``total`` or ``limit`` seconds passed: (completed, seconds or None)."""
    started = time.monotonic()
    count = done()
    while count < total and time.monotonic() - started < limit:
        time.sleep(0.2)
        count = done()
    return count, (time.monotonic() - started if count >= total else None)


def finish(row: Row, completed: int, seconds: float | None) -> Row:
    row.completed = completed
    row.lost = row.requested - completed
    row.recovery_s = seconds
    row.ok = row.lost == 0 and row.duplicates == 0 and row.recovery_s is not None and row.recovery_s <= RECOVERY_LIMIT
    return row


# -- the drills ----------------------------------------------------------------------------------


INGEST_PHASES = ("ingest-read", "ingest-rules", "ingest-save")
PUBLISH_PHASES = ("publish-render", "publish-pdf-written", "publish-committed")


def drill_kill(stack: Stack, app: App, phase: str) -> Row:
    """kill -9 of the whole worker while it holds ``phase``; a new worker completes the job once."""
    row = Row(f"kill -9 {phase}", requested=1)
    mark = stack.layout.work / f"mark-{phase}"
    mark.unlink(missing_ok=True)
    stack.start_worker("worker-held", RECTIFY_DRILL_PAUSE=phase, RECTIFY_DRILL_MARK=str(mark))
    if phase.startswith("ingest"):
        job = app.scan_job()
        done = lambda: len(app.scans_done([job.pk]))  # noqa: E731
    else:
        notice = app.approved()
        app.request_publication(notice)
        done = lambda: len(app.published([notice.pk]))  # noqa: E731
    wait_for(mark.exists, f"the worker to reach {phase}", timeout=READY_TIMEOUT)
    stack.kill("worker-held")
    held = True
    if phase == "publish-committed":  # the notice must be published already, its job not done
        from notices.models import Notice, NoticeStatus

        held = Notice.objects.get(pk=notice.pk).status == NoticeStatus.PUBLISHED and not app.published([notice.pk])
        row.note = "killed after the commit, before the job was marked done" if held else "NOT killed in its phase"
    stack.start_worker()
    completed, seconds = wait_done(done, 1)
    row.duplicates = (
        app.scan_duplicates([job.pk]) if phase.startswith("ingest") else app.publication_duplicates([notice.pk])
    )
    stack.stop("worker")
    finish(row, completed, seconds)
    row.ok = row.ok and held
    return row


def _queued_jobs(app: App, publications: int = 3, scans: int = 2):
    notices = [app.approved() for _ in range(publications)]
    for notice in notices:
        app.request_publication(notice)
    jobs = [app.scan_job() for _ in range(scans)]
    return [n.pk for n in notices], [j.pk for j in jobs]


def drill_redis(stack: Stack, app: App, fault: str) -> Row:
    """Jobs queued while no worker runs; their messages lost to a restart or FLUSHALL of Redis."""
    row = Row(f"Redis {fault} with jobs queued")
    notice_ids, job_ids = _queued_jobs(app)
    row.requested = len(notice_ids) + len(job_ids)
    queued = stack.redis().llen("celery")
    if fault == "restart":
        stack.stop("redis")
        stack.start_redis()
    else:
        stack.redis().flushall()
    row.note = f"{queued} messages in Redis before, {stack.redis().llen('celery')} after"
    stack.start_worker()
    completed, seconds = wait_done(lambda: len(app.published(notice_ids)) + len(app.scans_done(job_ids)), row.requested)
    row.duplicates = app.publication_duplicates(notice_ids) + app.scan_duplicates(job_ids)
    stack.stop("worker")
    return finish(row, completed, seconds)


class Traffic:
    """A client thread on pages and the API; every answer is recorded (time, path, status, Retry-After)."""

    PATHS = ("/register/", "/login/", "/api/v1/notices/", "/api/v1/inspections/")

    def __init__(self, base: str, headers: dict[str, str]):
        import requests

        self.base = base
        self.session = requests.Session()
        self.headers = headers
        self.answers: list[tuple[float, str, int, str | None]] = []
        self._stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        import requests

        while not self._stop.is_set():
            for path in self.PATHS:
                try:
                    response = self.session.get(self.base + path, headers=self.headers, timeout=15)
                    status, retry = response.status_code, response.headers.get("Retry-After")
                    if status == 503 and not self._shaped(path, response):
                        retry = None  # counted with the 503s that fall short of the answer
                except requests.RequestException:
                    status, retry = 0, None
                self.answers.append((time.monotonic(), path, status, retry))
            time.sleep(0.05)

    @staticmethod
    def _shaped(path: str, response) -> bool:
        """The API's one JSON error shape (code ``database_unavailable``), a calm HTML page for people."""
        if path.startswith("/api/"):
            try:
                return response.json()["error"]["code"] == "database_unavailable"
            except (ValueError, KeyError, TypeError):
                return False
        return response.headers.get("Content-Type", "").startswith("text/html")

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self.thread.join()

    def errors(self, since: float = 0.0) -> Counter:
        seen = Counter()
        for at, _path, status, retry in self.answers:
            if at < since:
                continue
            if status == 0:
                seen["refused"] += 1
            elif status == 503:
                seen["503" if retry else "503 without Retry-After or its shape"] += 1
            elif status >= 500:
                seen[str(status)] += 1
        return seen

    def all_ok_after(self, since: float) -> float | None:
        """When every path had answered 200 after ``since`` (the last of their first 200s)."""
        firsts = {}
        for at, path, status, _retry in self.answers:
            if at >= since and status == 200 and path not in firsts:
                firsts[path] = at
        return max(firsts.values()) if len(firsts) == len(self.PATHS) else None


def describe(errors: Counter) -> str:
    fives = sum(n for k, n in errors.items() if k not in ("503", "refused"))
    text = f"{fives} × 5xx other than 503, {errors['503']} × 503 with Retry-After"
    if errors["refused"]:
        text += f", {errors['refused']} refused"
    return text


def drill_postgres_restart(stack: Stack, app: App, base: str) -> Row:
    """pg_ctl stop -m fast, 8 s without a database, start: pages and API answer 503 with Retry-After,
    never 500; publications asked before and during the outage (retried on 503) complete."""
    import requests

    row = Row("PostgreSQL restart under traffic")
    before = [app.approved() for _ in range(2)]
    during = app.approved()
    stack.start_worker()
    for notice in before:
        app.request_publication(notice)
    accepted = threading.Event()

    def publish_during():
        url = f"{base}/api/v1/notices/{during.pk}/publish/"
        while not accepted.is_set():
            with contextlib.suppress(requests.RequestException):
                if requests.post(url, headers=app.headers(app.reviewer), timeout=15).status_code in (200, 202):
                    accepted.set()
            time.sleep(1.0)

    with Traffic(base, app.headers(app.reviewer)) as traffic:
        time.sleep(2.0)
        from django.db import connections

        connections.close_all()
        down = time.monotonic()
        stack.pg_ctl("stop", "-m", "fast")
        publisher = threading.Thread(target=publish_during, daemon=True)
        publisher.start()
        time.sleep(8.0)
        stack.pg_ctl("start")
        back = time.monotonic()
        wait_for(lambda: traffic.all_ok_after(back), "pages and API to answer 200 again", timeout=RECOVERY_LIMIT * 2)
        web_recovery = traffic.all_ok_after(back) - back
        publisher.join(timeout=RECOVERY_LIMIT)
        time.sleep(1.0)
    connections.close_all()
    errors = traffic.errors(since=down)
    ids = [n.pk for n in before] + [during.pk]
    row.requested = len(ids)
    waited = time.monotonic()
    completed, seconds = wait_done(lambda: len(app.published(ids)), len(ids))
    row.duplicates = app.publication_duplicates(ids)
    stack.stop("worker")
    finish(row, completed, None if seconds is None else seconds + waited - back)  # from PostgreSQL back
    row.errors = describe(errors)
    row.note = (
        f"pages and API 200 again {web_recovery:.1f} s after PostgreSQL was back; {len(traffic.answers)} requests"
    )
    row.ok = row.ok and sum(n for k, n in errors.items() if k != "503") == 0
    return row


def drill_duplicate_delivery(stack: Stack, app: App) -> Row:
    """Each message delivered three times, to two workers: one batch number, one PDF, one set of
    findings, one e-mail."""
    from celery import Celery

    from cases import notifications
    from cases.ingest.jobs import INGEST_TASK
    from cases.models import EmailSent
    from outbox.jobs import RUN_TASK
    from outbox.models import OutboxJob, OutboxStatus
    from tests.notices.conftest import make_case

    row = Row("duplicate delivery (×3, two workers)")
    notice_ids, job_ids = _queued_jobs(app, publications=2, scans=2)
    from django.db import transaction

    from cases.models import CaseStatus
    from tests import factories

    case = make_case(CaseStatus.ORDERED, deadline=datetime.date.today() + datetime.timedelta(days=20))
    factories.VendorUserFactory(email="vendor@drills.test")
    with transaction.atomic():
        notifications.case_email_enqueue(kind=notifications.ORDER_SERVED, case=case)
    email_key = f"{notifications.EMAIL_JOB}:{notifications.email_key(kind=notifications.ORDER_SERVED, case=case)}"
    email_job = OutboxJob.objects.get(key=email_key)
    outbox_ids = list(
        OutboxJob.objects.filter(key__in=[f"notice.publish:{pk}" for pk in notice_ids]).values_list("pk", flat=True)
    )
    client = Celery("drills-client", broker=stack.layout.redis_url)
    for _ in range(2):
        for pk in [*outbox_ids, email_job.pk]:
            client.send_task(RUN_TASK, args=[pk])
        for pk in job_ids:
            client.send_task(INGEST_TASK, args=[pk])
    client.close()
    row.requested = len(notice_ids) + len(job_ids) + 1
    threads = [threading.Thread(target=stack.start_worker, args=(name,)) for name in ("worker", "worker-2")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    def done():
        email = OutboxJob.objects.filter(pk=email_job.pk, status=OutboxStatus.DONE).count()
        return len(app.published(notice_ids)) + len(app.scans_done(job_ids)) + email

    completed, seconds = wait_done(done, row.requested)
    time.sleep(2.0)  # let the extra deliveries arrive
    emails = EmailSent.objects.filter(case=case).count()
    row.duplicates = app.publication_duplicates(notice_ids) + app.scan_duplicates(job_ids) + max(0, emails - 1)
    from outbox.models import OutboxEvent

    runs = OutboxEvent.objects.filter(job_id__in=[*outbox_ids, email_job.pk], kind="started").count()
    outbox_jobs = len(outbox_ids) + 1
    row.note = (
        f"{3 * outbox_jobs} outbox and {3 * len(job_ids)} ingest messages; {runs} outbox runs for {outbox_jobs} jobs, "
        f"{emails} e-mail sent"
    )
    for name in ("worker", "worker-2"):
        stack.stop(name)
    return finish(row, completed, seconds)


def drill_concurrent(stack: Stack, app: App, base: str) -> Row:
    """Threads approving the same draft and publishing the same and different notices over HTTP."""
    import requests

    row = Row("concurrent approvals and publications")
    drafts = [app.draft() for _ in range(4)]
    statuses: list[int] = []
    lock = threading.Lock()

    def post(path: str):
        try:
            status = requests.post(base + path, headers=app.headers(app.reviewer), timeout=30).status_code
        except requests.RequestException:
            status = 0
        with lock:
            statuses.append(status)

    def burst(paths: list[str]) -> None:
        threads = [threading.Thread(target=post, args=(path,)) for path in paths]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

    # 6 threads on the first draft, one on each other
    burst([f"/api/v1/notices/{drafts[0].pk}/approve/"] * 6 + [f"/api/v1/notices/{d.pk}/approve/" for d in drafts[1:]])
    approvals = Counter(statuses)
    statuses.clear()
    stack.start_worker()
    burst([f"/api/v1/notices/{d.pk}/publish/" for d in drafts for _ in range(3)])
    publications = Counter(statuses)
    ids = [d.pk for d in drafts]
    row.requested = len(ids)
    completed, seconds = wait_done(lambda: len(app.published(ids)), len(ids))
    row.duplicates = app.publication_duplicates(ids)
    stack.stop("worker")
    from notices.models import Notice

    numbers = sorted(Notice.objects.filter(pk__in=ids).values_list("batch_number", flat=True), key=lambda n: n or 0)
    fives = sum(n for s, n in (approvals + publications).items() if s >= 500 or s == 0)
    row.errors = f"{fives} × 5xx"
    approved, published = dict(sorted(approvals.items())), dict(sorted(publications.items()))
    row.note = f"approve: {approved}, publish: {published}; batch numbers {numbers}"
    finish(row, completed, seconds)
    row.ok = row.ok and fives == 0 and approvals.get(200, 0) == len(drafts)
    return row


def _media_files(media: Path, skip: str) -> set[str]:
    return {str(p.relative_to(media)) for p in media.rglob("*") if p.is_file() and p.name != skip}


def drill_storage_full(stack: Stack, app: App, base: str) -> Row:
    """MEDIA_ROOT full: an upload answers 507 and saves nothing, a publication waits; freed, both complete."""
    try:
        return _storage_full(stack, app, base)
    finally:
        (stack.layout.media / "drills-filler").unlink(missing_ok=True)


def _storage_full(stack: Stack, app: App, base: str) -> Row:
    """MEDIA_ROOT full: an upload answers 507 and saves nothing, a publication waits; freed, both complete."""
    import requests

    from cases.models import ScanJob

    row = Row("storage full")
    from ingest import _fixtures

    _user, inspection = _fixtures()
    media = stack.layout.media
    filler = media / "drills-filler"
    for block in (1 << 20, 4096):  # megabytes, then the last pages a megabyte did not fit in
        with contextlib.suppress(OSError), open(filler, "ab", buffering=0) as f:
            while True:
                f.write(b"\0" * block)
    before = _media_files(media, filler.name)
    stack.start_worker()
    jobs_before = ScanJob.objects.count()
    url = f"{base}/api/v1/inspections/{inspection.pk}/scans/"
    headers = app.headers(app.inspector)

    def upload():
        with open(app.har, "rb") as f:
            return requests.post(url, headers=headers, files={"file": ("drill.har", f, "application/json")}, timeout=60)

    full = upload()
    notice = app.approved()
    app.request_publication(notice)
    from outbox.models import OutboxEvent

    def retried():  # the worker met the full store and put the publication back for a later attempt
        return OutboxEvent.objects.filter(job__key=f"notice.publish:{notice.pk}", kind="retry").exists()

    wait_for(retried, "the publication to meet the full store", timeout=RECOVERY_LIMIT)
    saved_nothing = ScanJob.objects.count() == jobs_before and _media_files(media, filler.name) == before
    filler.unlink()
    freed = time.monotonic()
    again = upload()
    job_id = again.json().get("id") if again.status_code in (200, 201, 202) else None
    row.requested = 2
    completed, seconds = wait_done(
        lambda: len(app.published([notice.pk])) + len(app.scans_done([job_id] if job_id else [])), 2
    )
    row.duplicates = app.publication_duplicates([notice.pk]) + app.scan_duplicates([job_id] if job_id else [])
    stack.stop("worker")
    finish(row, completed, None if seconds is None else time.monotonic() - freed)
    row.errors = f"upload while full: {full.status_code} ({full.json().get('error', {}).get('code', '')})"
    row.note = (
        f"nothing saved while full: {saved_nothing}; the publication retried; upload after freeing: {again.status_code}"
    )
    row.ok = row.ok and full.status_code == 507 and saved_nothing and again.status_code in (201, 202)
    return row


DAYS_AHEAD = 3
# The periodic tasks with a crontab schedule (hourly or daily): after days without beat each runs once.
CRONTAB_TASKS = ("cases.tasks.mark_overdue_cases", "cases.tasks.run_deadline_clock", "cases.tasks.warn_calendar_cliff")


def drill_beat_days(stack: Stack, app: App) -> Row:
    """Worker and beat stopped; started again with the clock DAYS_AHEAD days ahead (drill_hooks): each
    periodic task runs once, not once per missed tick; every case past its deadline is marked once; the
    calendar warning goes once."""
    from django.utils import timezone

    from cases.models import CalendarAlert, CaseEvent, CaseStatus
    from tests.notices.conftest import make_case

    row = Row(f"beat stopped for days (clock +{DAYS_AHEAD} days)")
    stack.stop("beat")
    today = timezone.localdate()
    cases = [make_case(CaseStatus.ORDERED, deadline=today + datetime.timedelta(days=1)) for _ in range(3)]
    ids = [c.pk for c in cases]
    row.requested = len(ids) + 1  # the overdue marks and the calendar warning
    alerts = CalendarAlert.objects.count()
    offset = len(stack.log("worker"))
    ahead = {"RECTIFY_DRILL_DAYS_AHEAD": str(DAYS_AHEAD)}
    started = stack.start_worker(**ahead)
    stack.start_beat(**ahead)

    def done():
        marked = CaseEvent.objects.filter(case_id__in=ids, to_status=CaseStatus.OVERDUE).values("case_id").distinct()
        return marked.count() + min(1, CalendarAlert.objects.count() - alerts)

    completed, seconds = wait_done(done, row.requested)
    if seconds is not None:
        seconds += time.monotonic() - started - seconds  # from the worker and beat running again
    time.sleep(20.0)  # a second round of the missed ticks would come now
    stack.stop("beat")
    stack.stop("worker")
    log = stack.log("worker")[offset:]
    runs = {task.rsplit(".", 1)[1]: log.count(f"Task {task}[") // 2 for task in CRONTAB_TASKS}  # received + done
    marks = CaseEvent.objects.filter(case_id__in=ids, to_status=CaseStatus.OVERDUE).count()
    row.duplicates = sum(max(0, n - 1) for n in runs.values()) + (marks - len(ids))
    row.duplicates += max(0, CalendarAlert.objects.count() - alerts - 1)
    row.note = f"runs after restart: {runs}; overdue marks {marks} for {len(ids)} cases"
    (stack.layout.work / "beat-schedule").unlink(missing_ok=True)  # its times are days ahead
    stack.start_beat()
    finish(row, completed, seconds)
    row.ok = row.ok and all(n == 1 for n in runs.values())
    return row


def drill_backup_restore(stack: Stack, app: App) -> Row:
    """pg_dump and a copy of MEDIA_ROOT restored into a new database and folder: every published PDF
    matches its SHA-256 (notices.integrity) and a gunicorn on the copy serves it."""
    import requests

    from notices.models import Notice, NoticeStatus

    row = Row("backup and restore, hash-verified")
    layout = stack.layout
    published = list(Notice.objects.filter(status=NoticeStatus.PUBLISHED).values_list("pk", "pdf_sha256"))
    row.requested = len(published)
    started = time.monotonic()
    dump = layout.work / "backup.dump"
    port = str(layout.pg_port)
    stack.pg(str(PG_BIN / "pg_dump"), "-h", "127.0.0.1", "-p", port, "-Fc", "-f", str(dump), layout.database)
    restored_media = layout.work / "restored-media"
    shutil.copytree(layout.media, restored_media, dirs_exist_ok=True)
    restored_db = f"{layout.database}_restored"
    stack.psql(f"DROP DATABASE IF EXISTS {restored_db}")
    stack.psql(f"CREATE DATABASE {restored_db}")
    stack.pg(str(PG_BIN / "pg_restore"), "-h", "127.0.0.1", "-p", port, "-d", restored_db, "--no-owner", str(dump))
    restored_url = f"postgres://postgres@127.0.0.1:{port}/{restored_db}"
    check = subprocess.run(
        [PYTHON, "-c", VERIFY],
        cwd=ROOT,
        env=stack.env(DATABASE_URL=restored_url, MEDIA_ROOT=str(restored_media)),
        capture_output=True,
        text=True,
    )
    if check.returncode:
        raise RuntimeError(f"the check of the restored copy failed: {check.stderr.strip()[-600:]}")
    verified = json.loads(check.stdout.strip().splitlines()[-1])
    base = stack.start_web(
        "web-restored", layout.restored_web_port, DATABASE_URL=restored_url, MEDIA_ROOT=str(restored_media)
    )
    served = 0
    for pk, sha in published:
        response = requests.get(f"{base}/register/{pk}/pdf/", timeout=30)
        served += response.status_code == 200 and hashlib.sha256(response.content).hexdigest() == sha
    stack.stop("web-restored")
    row.completed = min(served, verified["matching"])
    row.lost = row.requested - row.completed
    row.recovery_s = time.monotonic() - started
    row.note = (
        f"{verified['matching']}/{verified['published']} PDFs match their SHA-256 after restore, "
        f"{served} served with it; dump {dump.stat().st_size // 1024} KiB"
    )
    row.ok = row.lost == 0 and verified["published"] == row.requested and row.requested > 0
    return row


VERIFY = """
import json, django
django.setup()
from notices import integrity
from notices.models import Notice, NoticeStatus
published = list(Notice.objects.filter(status=NoticeStatus.PUBLISHED))
matching = sum(integrity.notice_pdf_digest(notice=n) == n.pdf_sha256 for n in published)
print(json.dumps({"published": len(published), "matching": matching}))
"""


# -- the run -------------------------------------------------------------------------------------


def drills(stack: Stack, app: App) -> dict[str, Callable[[], Row]]:
    started: list[str] = []

    def base() -> str:
        """gunicorn, started by the first drill that needs it."""
        if not started:
            started.append(stack.start_web())
        return started[0]

    plan: dict[str, Callable[[], Row]] = {}
    for phase in (*INGEST_PHASES, *PUBLISH_PHASES):
        plan[f"kill-{phase}"] = lambda phase=phase: drill_kill(stack, app, phase)
    plan["redis-restart"] = lambda: drill_redis(stack, app, "restart")
    plan["redis-flushall"] = lambda: drill_redis(stack, app, "FLUSHALL")
    plan["postgres-restart"] = lambda: drill_postgres_restart(stack, app, base())
    plan["duplicate-delivery"] = lambda: drill_duplicate_delivery(stack, app)
    plan["concurrent"] = lambda: drill_concurrent(stack, app, base())
    plan["storage-full"] = lambda: drill_storage_full(stack, app, base())
    plan["beat-days"] = lambda: drill_beat_days(stack, app)
    plan["backup-restore"] = lambda: drill_backup_restore(stack, app)
    return plan


NAMES = [
    *(f"kill-{p}" for p in (*INGEST_PHASES, *PUBLISH_PHASES)),
    "redis-restart",
    "redis-flushall",
    "postgres-restart",
    "duplicate-delivery",
    "concurrent",
    "storage-full",
    "beat-days",
    "backup-restore",
]


def run(names: list[str], layout: Layout | None = None, keep: bool = False, out: Path | None = None) -> list[Row]:
    """Bring the deployment up, run the named drills in order, tear it down; answer their rows."""
    stack = Stack(layout or Layout())
    rows: list[Row] = []
    try:
        began = time.monotonic()
        stack.up()
        app = App(stack)
        stack.start_beat()
        print(f"deployment up in {time.monotonic() - began:.0f} s (logs in {stack.layout.work})", flush=True)
        plan = drills(stack, app)
        for name in names:
            print(f"== {name}", flush=True)
            started = time.monotonic()
            try:
                row = plan[name]()
            except (Exception, SystemExit) as exc:  # a drill that breaks (or times out) fails; the others run
                row = Row(name, note=f"{type(exc).__name__}: {exc}"[:300])
            for worker in ("worker", "worker-2", "worker-held"):
                stack.stop(worker)
            rows.append(row)
            print(table([row]).splitlines()[-1], f"({time.monotonic() - started:.0f} s)", flush=True)
    finally:
        from django.db import connections

        with contextlib.suppress(Exception):
            connections.close_all()
        if keep:
            print(f"--keep: servers left running; logs in {stack.layout.work}")
        else:
            stack.close()
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        stamp = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
        out.write_text(f"Drills run {stamp} ({os.cpu_count()} cores)\n\n{table(rows)}\n", encoding="utf-8")
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", nargs="+", choices=NAMES, metavar="NAME", help=f"some drills: {', '.join(NAMES)}")
    parser.add_argument("--keep", action="store_true", help="leave the servers running for inspection")
    parser.add_argument("--list", action="store_true", help="list the drills and exit")
    parser.add_argument("--test-layout", action="store_true", help="the ports and folders of tests/test_drills.py")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "out" / "drills.md", help="the table's file")
    args = parser.parse_args()
    if args.list:
        print("\n".join(NAMES))
        return 0
    if reason := needs():
        print(f"bench/drills.py: {reason}", file=sys.stderr)
        return 2
    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
    layout = TEST_LAYOUT if args.test_layout else Layout()
    rows = run(args.only or NAMES, layout=layout, keep=args.keep, out=args.out)
    print()
    print(table(rows))
    return 0 if rows and all(row.ok for row in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
