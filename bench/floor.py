"""One request at a time, in process: what each endpoint of ``api_load.py`` costs alone (issue 14).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/<a copy of rectify_scale> \
        PYTHONPATH=. .venv/bin/python bench/floor.py [--only REGEX] [--requests 9] [--profile NAME]

Under 8 clients on 2 workers a request waits for the others, and the machine may be shared: the
figures of ``api_load.py`` move with the load. This script asks each endpoint alone through
Django's test client with the production settings (``config.settings.production``, as gunicorn
runs them; ``X-Forwarded-Proto: https``), signed in as ``api_load.py`` signs in (``admin``,
``vendor_a``, anonymous), after one warm-up request, and prints the median and the fastest time in
milliseconds, the median CPU time of this process (Python's share: the database's work is not in
it, and it moves less with the machine's load than the wall time) and the number of queries of one
request. The test client keeps one database
connection for the whole run: a server opening one per request (``CONN_MAX_AGE`` 0) pays that on
top. ``--profile NAME`` runs cProfile over the requests of the endpoints matching NAME and prints
the 40 most expensive functions (cumulative); ``--sql`` prints the queries of one request of each
endpoint with their times (to ``EXPLAIN`` them).

Reads only (GET); the sign-ins write sessions.
"""

import argparse
import cProfile
import os
import pstats
import re
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.production"
os.environ.setdefault("SECRET_KEY", "bench-floor-not-a-secret-" + "x" * 32)
os.environ.setdefault("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/0")
os.environ.setdefault("EMAIL_BACKEND", "django.core.mail.backends.locmem.EmailBackend")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from accounts.models import User  # noqa: E402
from bench.api_load import ANONYMOUS, endpoints, facts  # noqa: E402


def client_for(role: str) -> Client:
    client = Client(HTTP_HOST="localhost", HTTP_X_FORWARDED_PROTO="https", HTTP_ACCEPT_LANGUAGE="zh-hans")
    if role != ANONYMOUS:
        client.force_login(User.objects.get(username=role))
    return client


def warmed(f: dict, only: re.Pattern | None):
    """The endpoints asked in process (not the deep pages, found by paging, nor the open data's
    downloads), each with a signed-in client (one per role) after one warm-up request."""
    clients: dict[str, Client] = {}
    for endpoint in endpoints(f):
        if only and not only.search(endpoint.name):
            continue
        if not endpoint.path or endpoint.path.startswith("deep:") or "open-data" in endpoint.path:
            continue
        client = clients.get(endpoint.role) or clients.setdefault(endpoint.role, client_for(endpoint.role))
        client.get(endpoint.path)
        yield endpoint, client


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", help="endpoint names matching this regular expression")
    parser.add_argument("--requests", type=int, default=9)
    parser.add_argument("--profile", help="cProfile the endpoints matching this regular expression")
    parser.add_argument("--sql", action="store_true", help="print each query of one request and its time")
    args = parser.parse_args()
    only = re.compile(args.only) if args.only else None
    profile_re = re.compile(args.profile) if args.profile else None
    db = settings.DATABASES["default"]
    f = facts(f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}")
    print(f"database {db['NAME']} ({f['size']}, {f['cases']:,} cases, {f['findings']:,} findings)")
    print(
        "| endpoint | as | median ms | fastest ms | Python CPU ms | queries | status |\n"
        "|---|---|---:|---:|---:|---:|---|"
    )
    for endpoint, client in warmed(f, only):
        profiler = cProfile.Profile() if profile_re and profile_re.search(endpoint.name) else None
        times, cpu = [], []
        for _ in range(args.requests):
            if profiler:
                profiler.enable()
            start, start_cpu = time.perf_counter(), time.process_time()
            response = client.get(endpoint.path)
            times.append((time.perf_counter() - start) * 1000)
            cpu.append((time.process_time() - start_cpu) * 1000)
            if profiler:
                profiler.disable()
        with CaptureQueriesContext(connection) as queries:
            client.get(endpoint.path)
        print(
            f"| {endpoint.name} | {endpoint.role} | {statistics.median(times):.1f} | {min(times):.1f} | "
            f"{statistics.median(cpu):.1f} | "
            f"{len(queries)} | {response.status_code} |",
            flush=True,
        )
        if args.sql:
            for query in queries.captured_queries:
                print(f"    {float(query['time']) * 1000:.1f} ms  {query['sql']}")
        if profiler:
            pstats.Stats(profiler).sort_stats(os.environ.get("FLOOR_SORT", "cumulative")).print_stats(40)


if __name__ == "__main__":
    main()
