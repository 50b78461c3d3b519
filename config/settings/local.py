"""Local development: embedded defaults (SQLite, jobs without Redis, console email)."""

import os

os.environ.setdefault("SECRET_KEY", "local-development-only-not-a-secret")
os.environ.setdefault("DATABASE_URL", "sqlite:///db.sqlite3")
os.environ.setdefault("DEBUG", "true")
os.environ.setdefault("ALLOWED_HOSTS", "127.0.0.1,localhost")
os.environ.setdefault("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
os.environ.setdefault("SITE_URL", "http://127.0.0.1:8000")

from .base import *  # noqa: E402,F403
