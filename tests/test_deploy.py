"""Production settings: Django's deployment checklist passes, and nothing secret has a default.

Each check runs in a subprocess: the production settings must load on their own, from the
environment alone, not on top of the test settings this process already holds.
"""

import json
import os
import secrets
import subprocess
import sys

import pytest

from .conftest import ROOT

PRODUCTION = "config.settings.production"


def production_env(**overrides: str) -> dict[str, str]:
    """A production environment: only what a deployment would set, nothing from the test run."""
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": os.environ.get("HOME", "/tmp"),
        "LANG": "C.UTF-8",
        "DJANGO_SETTINGS_MODULE": PRODUCTION,
        "SECRET_KEY": secrets.token_urlsafe(64),
        "ALLOWED_HOSTS": "rectify.example.test",
        "CSRF_TRUSTED_ORIGINS": "https://rectify.example.test",
        "DATABASE_URL": "postgres://rectify:secret@db.example.test:5432/rectify",
        "REDIS_URL": "redis://cache.example.test:6379/0",
        "EMAIL_HOST": "smtp.example.test",
    }
    env.update(overrides)
    return {key: value for key, value in env.items() if value is not None}


def run_python(code: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)


def test_check_deploy_passes_with_no_warnings():
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=production_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )

    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "System check identified no issues" in result.stdout
    assert "WARNINGS" not in output


@pytest.mark.parametrize("missing", ["SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL", "REDIS_URL"])
def test_production_refuses_to_start_without(missing):
    result = run_python("import django; django.setup()", production_env(**{missing: None}))

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert f"Set the {missing} environment variable" in result.stderr


def test_production_cookies_and_transport_are_secure():
    code = (
        "import json; from django.conf import settings as s; print(json.dumps({k: getattr(s, k) for k in "
        "['DEBUG', 'SESSION_COOKIE_SECURE', 'CSRF_COOKIE_SECURE', 'SECURE_SSL_REDIRECT', 'SECURE_HSTS_SECONDS', "
        "'CELERY_TASK_ALWAYS_EAGER', 'CELERY_BROKER_URL', 'ALLOWED_HOSTS']}))"
    )

    result = run_python(code, production_env())

    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout.strip().splitlines()[-1])
    assert values == {
        "DEBUG": False,
        "SESSION_COOKIE_SECURE": True,
        "CSRF_COOKIE_SECURE": True,
        "SECURE_SSL_REDIRECT": True,
        "SECURE_HSTS_SECONDS": 31536000,
        "CELERY_TASK_ALWAYS_EAGER": False,
        "CELERY_BROKER_URL": "redis://cache.example.test:6379/0",
        "ALLOWED_HOSTS": ["rectify.example.test"],
    }


def test_production_api_answers_json_only():
    """No browsable HTML pages in production (issue 14): one renderer, nothing to negotiate."""
    code = "from django.conf import settings as s; print(s.REST_FRAMEWORK['DEFAULT_RENDERER_CLASSES'])"
    result = run_python(code, production_env())
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "['rest_framework.renderers.JSONRenderer']"
