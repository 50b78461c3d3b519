"""gunicorn's settings for Rectify, read from the project root (``.venv/bin/gunicorn config.wsgi``).

Every value can be overridden on the command line or by gunicorn's own environment variables.

- ``workers``: ``WEB_CONCURRENCY`` when set, else gunicorn's documented rule of thumb, twice the
  cores plus one: a sync worker waiting on PostgreSQL leaves its core to another (issue 14).
- ``post_worker_init``: each worker, once it has loaded the application (``config/wsgi.py``, which
  imports the URLs, views and row plans), opens its database connection and plans a read of every
  table (``config.warmup.warm_connection``), so no client pays a new connection's first plans;
  then moves every object loaded so far (Django, the URL configuration, the views, the catalogues:
  some 160,000) out of the garbage collector's reach (``gc.freeze()``), so a full collection during
  a request walks only that request's own objects, not all of them (133 ms per full collection
  without, measured on this machine; under 1 ms after).
"""

import gc
import multiprocessing
import os

workers = int(os.environ.get("WEB_CONCURRENCY") or multiprocessing.cpu_count() * 2 + 1)


def post_worker_init(worker):
    from config.warmup import warm_connection

    seconds = warm_connection()
    gc.freeze()
    worker.log.info("worker %s: database connection warmed in %.0f ms", worker.pid, seconds * 1000)
