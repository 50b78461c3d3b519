"""The health check behind ``/healthz`` (ARCHITECTURE.md §10): for the proxy and the operator.

Each check is cheap and bounded: the database answers ``SELECT 1``; Redis (the broker, and the
cache when ``CACHE_URL`` is set) answers a PING within a second; ``MEDIA_ROOT`` takes a small file
and gives it back; the worker's heartbeat (a task beat sends every ``HEARTBEAT_INTERVAL`` seconds,
run by a worker) is younger than ``HEALTH_HEARTBEAT_MAX_AGE``. Without ``REDIS_URL`` jobs run
inline: there is no broker, worker or beat to check.
"""

import datetime
import os
import tempfile

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage, default_storage
from django.db import DatabaseError, connection
from django.utils import timezone

from .models import Heartbeat

HEARTBEAT_INTERVAL = 30  # seconds; the beat schedule's entry (config/settings/base.py)
REDIS_TIMEOUT = 1.0


def heartbeat_record(*, name: str) -> None:
    """Write that ``name`` is alive now."""
    Heartbeat.objects.update_or_create(name=name, defaults={"at": timezone.now()})


def _failed(exc: BaseException) -> dict:
    return {"ok": False, "error": f"{type(exc).__name__}: {exc}"[:300]}


def check_database() -> dict:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError as exc:
        return _failed(exc)
    return {"ok": True}


def check_redis() -> dict:
    import redis

    urls = {"broker": settings.REDIS_URL, "cache": settings.CACHE_URL}
    urls = {role: url for role, url in urls.items() if url}
    if not urls:
        return {"ok": True, "configured": False}
    result = {"ok": True}
    for role, url in urls.items():
        try:
            redis.Redis.from_url(url, socket_connect_timeout=REDIS_TIMEOUT, socket_timeout=REDIS_TIMEOUT).ping()
        except (redis.RedisError, OSError) as exc:
            return {**_failed(exc), "failed": role}
    return result


def check_storage() -> dict:
    """Write and remove a small file where uploads and PDFs go."""
    try:
        if isinstance(default_storage, FileSystemStorage):
            os.makedirs(default_storage.location, exist_ok=True)
            with tempfile.NamedTemporaryFile(dir=default_storage.location, prefix=".healthz-") as probe:
                probe.write(b"ok")
                probe.flush()
                os.fsync(probe.fileno())
        else:
            name = default_storage.save(".healthz/probe", ContentFile(b"ok"))
            default_storage.delete(name)
    except OSError as exc:
        return _failed(exc)
    return {"ok": True}


def check_worker(*, now: datetime.datetime | None = None) -> dict:
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return {"ok": True, "configured": False}
    now = now or timezone.now()
    try:
        beat = Heartbeat.objects.filter(name="worker").values_list("at", flat=True).first()
    except DatabaseError as exc:
        return _failed(exc)
    if beat is None:
        return {"ok": False, "error": "no heartbeat yet: is celery beat running, and a worker?", "last_beat": None}
    age = (now - beat).total_seconds()
    ok = age <= settings.HEALTH_HEARTBEAT_MAX_AGE
    answer = {"ok": ok, "last_beat": beat.isoformat(), "age_seconds": round(age)}
    if not ok:
        answer["error"] = f"the last heartbeat is {round(age)} s old (limit {settings.HEALTH_HEARTBEAT_MAX_AGE} s)"
    return answer


def health_report() -> dict:
    """Every check; ``ok`` only when all are."""
    checks = {
        "database": check_database(),
        "redis": check_redis(),
        "storage": check_storage(),
        "worker": check_worker(),
    }
    failed = sorted(name for name, result in checks.items() if not result["ok"])
    return {"status": "fail" if failed else "ok", "failed": failed, "checks": checks}
