"""``/healthz``: database, Redis, storage and the worker's heartbeat (issue 13, deliverable 3)."""

import datetime
import errno

import pytest
from django.db import OperationalError
from django.db.backends.utils import CursorWrapper
from django.utils import timezone

from accounts import health
from accounts.models import Heartbeat
from accounts.tasks import record_heartbeat
from tests.cases.test_worker import celery_worker  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.REDIS_URL = ""
    settings.CACHE_URL = ""
    settings.CELERY_TASK_ALWAYS_EAGER = True


def test_all_fine_answers_200_without_a_session(client, django_assert_max_num_queries):
    with django_assert_max_num_queries(1):
        response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok" and body["failed"] == []
    assert set(body["checks"]) == {"database", "redis", "storage", "worker"}
    assert response["Cache-Control"] == "no-store"
    assert "sessionid" not in response.cookies and "csrftoken" not in response.cookies


def test_a_database_outage_is_named(client, monkeypatch):
    def refuse(self, *args, **kwargs):
        raise OperationalError("connection refused")

    monkeypatch.setattr(CursorWrapper, "execute", refuse)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["failed"] == ["database"]
    assert "connection refused" in response.json()["checks"]["database"]["error"]


def test_a_read_only_store_is_named(client, monkeypatch):
    def refuse(*args, **kwargs):
        raise OSError(errno.EROFS, "Read-only file system")

    monkeypatch.setattr(health.tempfile, "NamedTemporaryFile", refuse)
    response = client.get("/healthz")
    assert response.status_code == 503 and response.json()["failed"] == ["storage"]


def test_redis_that_does_not_answer_is_named(client, settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert "redis" in body["failed"] and body["checks"]["redis"]["failed"] == "broker"


def test_the_worker_heartbeat_is_checked_when_jobs_go_to_a_worker(client, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.HEALTH_HEARTBEAT_MAX_AGE = 180
    response = client.get("/healthz")
    assert response.status_code == 503 and response.json()["failed"] == ["worker"]

    record_heartbeat()  # what the beat-scheduled task does in the worker
    body = client.get("/healthz").json()
    assert body["status"] == "ok"
    assert body["checks"]["worker"]["age_seconds"] <= 1 and body["checks"]["worker"]["last_beat"]

    Heartbeat.objects.filter(name="worker").update(at=timezone.now() - datetime.timedelta(minutes=10))
    response = client.get("/healthz")
    assert response.status_code == 503 and "600 s old" in response.json()["checks"]["worker"]["error"]


def test_the_heartbeat_is_on_the_beat_schedule(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["accounts-heartbeat"]
    assert entry["task"] == "accounts.tasks.record_heartbeat"
    assert entry["schedule"] == health.HEARTBEAT_INTERVAL < settings.HEALTH_HEARTBEAT_MAX_AGE


def test_redis_that_answers_is_fine(client, settings, redis_broker_url):
    settings.REDIS_URL = redis_broker_url
    body = client.get("/healthz").json()
    assert body["checks"]["redis"] == {"ok": True}


@pytest.mark.worker
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_real_worker_s_heartbeat_makes_healthz_fine(celery_worker, client, settings):  # noqa: F811
    """The heartbeat task travels through Redis under the name beat sends and a worker writes the row."""
    import time

    settings.CELERY_TASK_ALWAYS_EAGER = False
    assert client.get("/healthz").json()["failed"] == ["worker"]
    celery_worker.send(settings.CELERY_BEAT_SCHEDULE["accounts-heartbeat"]["task"])
    deadline = time.monotonic() + 30
    while not Heartbeat.objects.filter(name="worker").exists():
        if time.monotonic() > deadline:
            pytest.fail(f"no heartbeat within 30 s:\n{celery_worker.log()}")
        time.sleep(0.2)
    response = client.get("/healthz")
    assert response.status_code == 200, response.json()
