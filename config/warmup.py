"""A worker's first request costs what every other one does (issue 14).

Django imports lazily: the URL configuration, and through it every view, viewset, serializer,
DRF and drf-spectacular, on the first request that resolves a URL; each language's reverse
dictionary on the first ``reverse()`` in it; each ``config.rows.RowPlan`` on the first list it
serves. Under gunicorn that is every worker's first request (some 200 ms at scale, for whoever
happened to send it). ``warm()`` does it while the worker loads the application
(``config/wsgi.py``), before it accepts a connection. It touches no database: the workers fork
from the master before any connection is opened, and a connection opened here would be shared.
"""

import time

from django.conf import settings
from django.urls import get_resolver
from django.utils import translation


def warm() -> float:
    """Load the URL configuration (importing every view), each language's URL names and message
    catalogue, and compile the API lists' row plans. Returns the seconds it took."""
    start = time.perf_counter()
    resolver = get_resolver()
    resolver.url_patterns  # noqa: B018 (imports the URL modules, their views and the API)
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            resolver.reverse_dict  # noqa: B018 (the names of this language's URLs, for reverse())
    from config.rows import RowPlan

    for plan in RowPlan.instances:
        plan.columns  # noqa: B018 (reads its serializer once: the plan each list request uses)
    return time.perf_counter() - start
