"""A real Celery worker on Redis, on the same PostgreSQL database as the tests.

Eager mode hides what only a real worker shows: the task must be registered under the name beat
sends, its message must travel through Redis, and the worker must write to PostgreSQL with its
own connection. The worker runs in a subprocess for the whole session.
"""

import datetime
import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from urllib.parse import quote

import pytest
import redis
from celery import Celery
from django.db import connection
from django.utils import timezone

from cases import workflow
from cases.models import Case, CaseEvent, CaseStatus
from cases.tasks import mark_overdue_cases

from ..conftest import ROOT, skip_or_fail

pytestmark = pytest.mark.worker

READY_TIMEOUT = 30.0
TASK_TIMEOUT = 30.0


def _database_url(settings_dict) -> str:
    """The URL of the database pytest-django created (test_<name>), for the worker's settings."""
    if settings_dict["ENGINE"] != "django.db.backends.postgresql":
        skip_or_fail(f"the worker test needs PostgreSQL; the test database is {settings_dict['ENGINE']}")
    user = quote(settings_dict.get("USER") or "", safe="")
    password = quote(settings_dict.get("PASSWORD") or "", safe="")
    credentials = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    host = settings_dict.get("HOST") or "127.0.0.1"
    port = settings_dict.get("PORT") or "5432"
    return f"postgres://{credentials}{host}:{port}/{quote(settings_dict['NAME'], safe='')}"


class Worker:
    def __init__(self, broker_url: str, queue: str, nodename: str, process: subprocess.Popen, log_path: str):
        self.broker_url = broker_url
        self.queue = queue
        self.nodename = nodename
        self.process = process
        self.log_path = log_path
        self.client = Celery("rectify-test-client", broker=broker_url)

    def log(self) -> str:
        with open(self.log_path, encoding="utf-8", errors="replace") as f:
            return f.read()

    def send(self, task_name: str):
        """Send a task through Redis to this worker's queue (never eager)."""
        return self.client.send_task(task_name, queue=self.queue)

    def wait_ready(self) -> None:
        deadline = time.monotonic() + READY_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(f"the Celery worker exited with {self.process.returncode}:\n{self.log()}")
            if self.client.control.ping(destination=[self.nodename], timeout=1.0):
                return
        pytest.fail(f"the Celery worker did not answer a ping within {READY_TIMEOUT:.0f} s:\n{self.log()}")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)  # warm shutdown: finish the current task
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)
        self.client.close()
        # The queue was this session's alone: leave nothing behind in the shared Redis database.
        keys = (self.queue, f"_kombu.binding.{self.queue}", f"_kombu.binding_permanent.{self.queue}")
        redis.Redis.from_url(self.broker_url).delete(*keys)


@pytest.fixture(scope="session")
def celery_worker(django_db_setup, django_db_blocker, redis_broker_url):
    """Start `celery worker` on a queue of its own, against the test database; stop it at the end."""
    with django_db_blocker.unblock():
        database_url = _database_url(connection.settings_dict)
    token = uuid.uuid4().hex[:12]
    queue = f"rectify-test-{token}"
    nodename = f"rectify-test-{token}@localhost"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_broker_url,
        "CELERY_EAGER": "false",
        # Every JSON capture the worker reads is validated by a child process while it is parsed.
        "RECTIFY_GUARD_ASIDE_MIN_BYTES": "1",
    }
    log = tempfile.NamedTemporaryFile(prefix="rectify-worker-", suffix=".log", delete=False)  # noqa: SIM115
    command = [
        *(sys.executable, "-m", "celery", "-A", "config", "worker"),
        *("-P", "solo", "-c", "1", "--without-heartbeat", "--without-mingle", "--without-gossip"),
        *("-Q", queue, "-n", nodename, "--loglevel", "INFO"),
    ]
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    worker = Worker(redis_broker_url, queue, nodename, process, log.name)
    try:
        worker.wait_ready()
        yield worker
    finally:
        worker.stop()
        log.close()
        os.unlink(log.name)


@pytest.mark.django_db(transaction=True)
def test_beat_task_sent_through_redis_marks_the_case_overdue_in_postgresql(celery_worker, case_factory, reviewer):
    today = timezone.localdate()
    case = case_factory()
    case = workflow.order_case(
        case=case,
        actor=reviewer,
        served_on=today - datetime.timedelta(days=20),
        deadline=today - datetime.timedelta(days=10),
    )

    celery_worker.send(mark_overdue_cases.name)

    deadline = time.monotonic() + TASK_TIMEOUT
    while Case.objects.get(pk=case.pk).status != CaseStatus.OVERDUE:
        if time.monotonic() > deadline:
            pytest.fail(f"the case was not marked overdue within {TASK_TIMEOUT:.0f} s:\n{celery_worker.log()}")
        time.sleep(0.2)
    event = CaseEvent.objects.get(case=case, to_status=CaseStatus.OVERDUE)
    assert event.from_status == CaseStatus.ORDERED
    assert event.actor is None
    assert f"Task {mark_overdue_cases.name}" in celery_worker.log()
