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
