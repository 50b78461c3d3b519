"""A worker's first request costs what every other one does (issue 14).

Django imports lazily: the URL configuration, and through it every view, viewset, serializer,
DRF and drf-spectacular, on the first request that resolves a URL; each language's reverse
dictionary on the first ``reverse()`` in it; each ``config.rows.RowPlan`` on the first list it
serves. Under gunicorn that is every worker's first request (some 200 ms at scale, for whoever
happened to send it). ``warm()`` does it while the worker loads the application
(``config/wsgi.py``), before it accepts a connection. It touches no database: the workers fork
from the master before any connection is opened, and a connection opened here would be shared.
``warm_connection()`` is the database's half: gunicorn calls it in each worker once the worker has
loaded the application (``gunicorn.conf.py``), so the worker's own connection is open and its
catalogue caches filled before the first request.
"""

import logging
import time

from django.conf import settings
from django.urls import get_resolver
from django.utils import translation

logger = logging.getLogger(__name__)


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


def warm_connection() -> float:
    """Open this process's database connection and plan a read of every table of the project once.

    A new PostgreSQL connection starts with empty catalogue caches: its first plans read the
    tables', indexes' and statistics' descriptions (a case list's first query took 5 to 20 ms on a
    new connection against 1 to 4 ms after, issue 14). A gunicorn worker calls this after loading
    the application (``gunicorn.conf.py``, ``post_worker_init``), after the fork, so the connection
    is the worker's own and ``CONN_MAX_AGE`` keeps it for its requests. A database that does not
    answer is not the worker's failure: the error is logged, the connection closed, and the first
    request connects as it would have. Returns the seconds it took."""
    from django.apps import apps
    from django.db import DatabaseError, connection

    start = time.perf_counter()
    tables = {
        model._meta.db_table
        for model in apps.get_models()
        if model._meta.managed and not model._meta.proxy and not model._meta.swapped
    }
    try:
        with connection.cursor() as cursor:
            for table in sorted(tables):
                cursor.execute(f"EXPLAIN SELECT * FROM {connection.ops.quote_name(table)}")
    except DatabaseError:
        logger.warning("warm_connection: the database did not answer; the first request connects", exc_info=True)
        connection.close()
    return time.perf_counter() - start
