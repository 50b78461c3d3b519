"""The drills' settings (bench/drills.py): production's, with one difference. Static files are
named without the manifest, so that the drills need no ``collectstatic`` (minutes on two cores for
the compressed copies); the pages and the API are otherwise production's. Never used by the
application."""

from config.settings.production import *  # noqa: F403
from config.settings.production import STORAGES

STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
