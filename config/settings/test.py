"""Tests: PostgreSQL and Redis where they run (CI=true demands them)."""

import os

os.environ.setdefault("SECRET_KEY", "test-only-not-a-secret")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/rectify")
os.environ.setdefault("ALLOWED_HOSTS", "testserver,127.0.0.1,localhost")
os.environ.setdefault("EMAIL_BACKEND", "django.core.mail.backends.locmem.EmailBackend")
os.environ.setdefault("MEDIA_ROOT", "/tmp/rectify-test-media")
os.environ.setdefault("REGISTER_EXPORT_DIR", "/tmp/rectify-test-register-exports")
os.environ.setdefault("SITE_URL", "https://rectify.example.gov.cn")

from .base import *  # noqa: E402,F403
from .base import env  # noqa: E402

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}  # noqa: F405
# Jobs run eagerly in unit tests; the worker test starts a real Celery worker on Redis with
# CELERY_EAGER=false so that the worker consumes its queue instead of running tasks inline.
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_EAGER", default=True)
# A worker test gives its worker (and the beat embedded in it) a queue of its own in the shared
# Redis database, so that what beat and the sweeper send reaches that worker only.
CELERY_TASK_DEFAULT_QUEUE = env("CELERY_TASK_DEFAULT_QUEUE", default="celery")
AXES_FAILURE_LIMIT = 5
# No collectstatic in tests: WhiteNoise finds files through the finders (and stops warning about
# the missing STATIC_ROOT).
WHITENOISE_AUTOREFRESH = True
WHITENOISE_USE_FINDERS = True
