"""Time the home page for each role on a seeded database (issue 14/15): single requests, in process.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/rectify_scale_mine \
        .venv/bin/python bench/home_roles.py [--requests 7]

For each role it signs in one seeded user (``force_login``), asks ``/`` once to warm up, then
``--requests`` times, and prints the median and the slowest time and the number of queries. Uses
``config.settings.local`` (DEBUG on, as a developer runs it: its query log costs little).
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from accounts.models import User  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=7)
    parser.add_argument("--path", default="/")
    args = parser.parse_args()
    print("| role | user | median ms | max ms | queries | status |\n|---|---|---|---|---|---|")
    for role in ("admin", "reviewer", "inspector"):
        user = User.objects.filter(role=role, is_active=True).order_by("id").first()
        if user is None:
            continue
        client = Client(HTTP_HOST="localhost", HTTP_ACCEPT_LANGUAGE="zh-CN")
        client.force_login(user)
        client.get(args.path)
        times = []
        for _ in range(args.requests):
            start = time.perf_counter()
            response = client.get(args.path)
            times.append((time.perf_counter() - start) * 1000)
        with CaptureQueriesContext(connection) as queries:
            client.get(args.path)
        print(
            f"| {role} | {user.username} | {statistics.median(times):.0f} | {max(times):.0f} | "
            f"{len(queries)} | {response.status_code} |"
        )


if __name__ == "__main__":
    main()
