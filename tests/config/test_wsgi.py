"""The WSGI application warms itself as a worker loads it (config/warmup.py): the first request
of a gunicorn worker no longer imports the URL configuration, the views and DRF."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from config.rows import RowPlan
from config.warmup import warm

ROOT = Path(__file__).resolve().parents[2]

PROBE = """
import json, sys
import config.wsgi
from django.urls import get_resolver
from django.utils import translation
from config.rows import RowPlan
resolver = get_resolver()
print(json.dumps({
    "populated": resolver._populated,
    "languages": sorted(resolver._reverse_dict),
    "api_loaded": all(name in sys.modules for name in ("cases.api", "products.api", "notices.api")),
    "plans": len(RowPlan.instances),
    "plans_compiled": all("_compiled" in vars(plan) for plan in RowPlan.instances),
}))
"""


def test_loading_the_wsgi_application_loads_the_urlconf_views_and_row_plans_without_a_database():
    # A database no one listens on: loading the application must not need one (workers fork
    # before any connection is opened).
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": "postgres://nobody@127.0.0.1:9/nowhere",
    }
    out = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=True
    )
    loaded = json.loads(out.stdout.strip().splitlines()[-1])
    assert loaded["populated"] is True
    assert loaded["languages"] == ["en", "zh-hans"]
    assert loaded["api_loaded"] is True
    assert loaded["plans"] >= 10
    assert loaded["plans_compiled"] is True


@pytest.mark.django_db
def test_warm_makes_no_query(django_assert_num_queries):
    with django_assert_num_queries(0):
        assert warm() >= 0
    assert all("_compiled" in vars(plan) for plan in RowPlan.instances)


@pytest.mark.django_db
def test_warm_connection_plans_a_read_of_every_table():
    from django.apps import apps
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from config.warmup import warm_connection

    with CaptureQueriesContext(connection) as queries:
        assert warm_connection() >= 0
    planned = {q["sql"] for q in queries.captured_queries}
    for table in ("cases_case", "cases_finding", "cases_inspection", "products_product", "notices_notice"):
        assert f'EXPLAIN SELECT * FROM "{table}"' in planned or f"EXPLAIN SELECT * FROM {table}" in planned
    assert len(planned) == len(
        {m._meta.db_table for m in apps.get_models() if m._meta.managed and not m._meta.proxy and not m._meta.swapped}
    )
    assert all(q["sql"].startswith("EXPLAIN SELECT * FROM ") for q in queries.captured_queries)


def test_warm_connection_survives_a_database_that_does_not_answer():
    # A worker starting while PostgreSQL is down logs it and serves: its first request connects.
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": "postgres://nobody@127.0.0.1:9/nowhere",
    }
    probe = "import django; django.setup()\nfrom config.warmup import warm_connection\nprint(warm_connection() >= 0)"
    out = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=True
    )
    assert out.stdout.strip().splitlines()[-1] == "True"
    assert "the database did not answer" in out.stderr


def test_gunicorn_config_sizes_workers_and_warms_each_after_it_loads(monkeypatch):
    import runpy
    from unittest import mock

    monkeypatch.delenv("WEB_CONCURRENCY", raising=False)
    conf = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    assert conf["workers"] == os.cpu_count() * 2 + 1
    monkeypatch.setenv("WEB_CONCURRENCY", "3")
    assert runpy.run_path(str(ROOT / "gunicorn.conf.py"))["workers"] == 3

    worker = mock.Mock(pid=1234)
    with (
        mock.patch("config.warmup.warm_connection", return_value=0.012) as warmed,
        mock.patch("gc.freeze") as frozen,
    ):
        conf["post_worker_init"](worker)
    warmed.assert_called_once_with()
    frozen.assert_called_once_with()
    assert worker.log.info.call_args.args[1:] == (1234, 12.0)
