"""Time the timeline of an inspection with 100,000 timed observations (issue 18, ARCHITECTURE.md §14).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/rectify .venv/bin/python bench/timeline.py \\
        [--observations 100000] [--noise 100000] [--requests 15] [--keep] [--database NAME]

Works in a database of its own (``rectify_timeline_bench``, made like the test runner's, migrated,
dropped at the end unless ``--keep``); the ``DATABASE_URL`` database is not touched. Seeds one
inspection with three scan jobs — a PrivacySentry log (hooked calls of eight SDKs and one consent
marker in the middle), a HAR capture (twenty hosts) and a Zeek conn log — whose observations are
spread over two hours, a tenth of them linked to findings, written with COPY the way the ingest
stores them (time, party, finding). Other inspections may share the table (``--noise`` more
observations on another inspection; default 100,000) so the walk is not helped by an empty table.
Then, in process (``force_login``, the Django test client), it times:

- open: the page ``/inspections/{id}/timeline/`` (first 100 rows) and the API's first page;
- scroll: the next page, followed from the previous one's cursor (the page's ``?partial=1`` and the API's ``next``);
- deep: a page at 80 % of the axis (cursor built from that row);
- filtered: the first page for one SDK, after consent; and a window of one minute.

Prints median and slowest of ``--requests`` timings each and the number of queries; writes them to
bench/out/timeline.json.
"""

import argparse
import datetime
import html
import io
import json
import os
import platform
import random
import re
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

import django  # noqa: E402

django.setup()

from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_databases, teardown_databases  # noqa: E402

from cases.models import Inspection, ScanJob, ScanObservation, ScanStatus  # noqa: E402
from config.lists import encode_cursor  # noqa: E402

MARK = "bench-timeline"
BENCH_DB = "rectify_timeline_bench"
SHANGHAI = datetime.timezone(datetime.timedelta(hours=8))
START = datetime.datetime(2025, 3, 1, 9, 0, 0, tzinfo=SHANGHAI)
SPAN = 2 * 3600  # seconds
SDKS = [
    "com.umeng.commonsdk",
    "com.tencent.bugly",
    "com.baidu.location",
    "com.amap.api",
    "cn.jpush.android",
    "com.igexin.sdk",
    "com.bytedance.sdk",
    "cn.example.app",
]
APIS = [("获取设备id", "getDeviceId"), ("获取位置", "getLastKnownLocation"), ("获取mac地址", "getMacAddress"),
        ("读取剪贴板", "getPrimaryClip"), ("获取安装包", "getInstalledPackages")]  # fmt: skip
HOSTS = [f"api{n}.example{n % 7}.cn" for n in range(20)]


def _factories():
    from tests import factories

    return factories


def seed(*, observations: int, noise: int) -> Inspection:
    factories = _factories()
    inspection = Inspection.objects.filter(notes=MARK).first()
    if inspection is not None:
        return inspection
    rng = random.Random(18)
    with transaction.atomic():
        inspection = factories.InspectionFactory(notes=MARK, date=START.date())
        user = inspection.created_by
        user.role = "inspector"
        user.save(update_fields=["role"])
        shares = {"privacysentry": 0.4, "har": 0.35, "zeek": 0.25}
        jobs = {
            tool: ScanJob.objects.create(
                inspection=inspection,
                original_name=f"{MARK}.{tool}",
                sha256=f"{n:064d}",
                size=1,
                tool=tool,
                status=ScanStatus.SUCCEEDED,
                observations=int(observations * share),
                counts={"by_kind": {}},
                created_by=user,
            )
            for n, (tool, share) in enumerate(shares.items(), start=1)
        }
        findings = [factories.FindingFactory(inspection=inspection, title=f"{MARK} {n}") for n in range(5)]
        buffer = io.StringIO()
        consent_at = START + datetime.timedelta(seconds=SPAN / 2)
        for tool, job in jobs.items():
            count = job.observations
            times = sorted(START + datetime.timedelta(seconds=rng.uniform(0, SPAN)) for _ in range(count))
            kinds = {}
            for seq, at in enumerate(times, start=1):
                finding = rng.choice(findings).pk if rng.random() < 0.1 else None
                if tool == "privacysentry":
                    description, api = rng.choice(APIS)
                    party = rng.choice(SDKS)
                    kind = "privacy_api_call"
                    attributes = {"time": at.strftime("%m-%d %H:%M:%S.%f")[:-3], "description": description,
                                  "api": api, "function": api, "stack": f"{party}.Tracker.run() 12"}  # fmt: skip
                    if seq == count // 2:
                        kind, at, party, finding = "consent_marker", consent_at, "", None
                        attributes = {"sheet": "隐私合规", "time": at.strftime("%m-%d %H:%M:%S.000")}
                elif tool == "har":
                    party = rng.choice(HOSTS)
                    kind = "http_request"
                    attributes = {"started": at.isoformat(), "method": "GET", "host": party, "path": "/v1/collect",
                                  "query": [["imei", "490154203237518"], ["ts", str(seq)]]}  # fmt: skip
                else:
                    party = f"47.96.{seq % 200}.{seq % 250}"
                    kind = "conn"
                    attributes = {"ts": at.timestamp(), "stream": "conn", "resp_h": party, "resp_p": 443,
                                  "record": {"proto": "tcp", "service": "ssl"}}  # fmt: skip
                kinds[kind] = kinds.get(kind, 0) + 1
                text = json.dumps(attributes, ensure_ascii=False).replace("\\", "\\\\")
                buffer.write(
                    f"{job.pk}\t{seq}\t{kind}\t{kind}:{seq}\t{text}\t{'t' if finding else 'f'}\t"
                    f"{at.isoformat()}\t{party}\t{finding if finding else chr(92) + 'N'}\n"
                )
            job.counts = {"by_kind": kinds}
            job.save(update_fields=["counts"])
        other = factories.InspectionFactory(notes=f"{MARK}-noise", date=START.date())
        noise_job = ScanJob.objects.create(
            inspection=other, original_name="noise", sha256="f" * 64, size=1, tool="zeek",
            status=ScanStatus.SUCCEEDED, observations=noise, created_by=other.created_by,
        )  # fmt: skip
        for seq in range(1, noise + 1):
            at = START + datetime.timedelta(seconds=rng.uniform(0, SPAN))
            attributes = f'{{"ts": {at.timestamp()}}}'
            buffer.write(f"{noise_job.pk}\t{seq}\tconn\tconn:{seq}\t{attributes}\tf\t{at.isoformat()}\t1.2.3.4\t\\N\n")
        buffer.seek(0)
        table = ScanObservation._meta.db_table
        columns = "job_id, seq, kind, locus, attributes, mapped, at, party, finding_id"
        with connection.cursor() as cursor, cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
            while data := buffer.read(1 << 20):
                copy.write(data.encode())
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {ScanObservation._meta.db_table}")
    return inspection


def timed(client: Client, url: str, repeats: int) -> tuple[list[float], int, object]:
    client.get(url)  # warm
    times = []
    for _ in range(repeats):
        with CaptureQueriesContext(connection) as queries:
            began = time.perf_counter()
            response = client.get(url)
            times.append(time.perf_counter() - began)
        assert response.status_code == 200, (url, response.status_code, response.content[:300])
    return times, len(queries), response


def rows_in(response) -> int:
    return response.content.decode().count('class="timeline-row')


RESULTS: list[dict] = []


def line(name: str, times: list[float], queries: int, rows: int) -> None:
    RESULTS.append(
        {"request": name, "median_ms": statistics.median(times) * 1000, "max_ms": max(times) * 1000,
         "queries": queries, "rows": rows}
    )  # fmt: skip
    print(
        f"| {name} | {statistics.median(times) * 1000:.0f} | {max(times) * 1000:.0f} | {queries} | {rows} |",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--observations", type=int, default=100_000)
    parser.add_argument("--noise", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=15)
    parser.add_argument("--keep", action="store_true", help="keep the bench database")
    parser.add_argument("--database", default=BENCH_DB, help=f"the bench database's name (default {BENCH_DB})")
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        print("bench/timeline.py needs PostgreSQL (DATABASE_URL)", file=sys.stderr)
        sys.exit(2)
    connection.settings_dict["TEST"]["NAME"] = args.database
    old = setup_databases(verbosity=0, interactive=False, keepdb=args.keep)
    try:
        measure(args)
    finally:
        if not args.keep:
            teardown_databases(old, verbosity=0)


def measure(args) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        machine = (
            f"{os.cpu_count()} cores, Python {platform.python_version()}, PostgreSQL {cursor.fetchone()[0]}, "
            f"load average {os.getloadavg()[0]:.1f}"
        )
    print(f"machine: {machine}")
    began = time.perf_counter()
    inspection = seed(observations=args.observations, noise=args.noise)
    timed_rows = ScanObservation.objects.filter(job__inspection=inspection, at__isnull=False).count()
    total = ScanObservation.objects.count()
    print(f"inspection {inspection.pk}: {timed_rows:,} timed observations ({total:,} in the table); "
          f"seeded or found in {time.perf_counter() - began:.1f} s")  # fmt: skip
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(inspection.created_by)
    page = f"/inspections/{inspection.pk}/timeline/"
    api = f"/api/v1/inspections/{inspection.pk}/timeline/"
    n = args.requests
    print("\n| request | median ms | max ms | queries | rows |\n|---|---|---|---|---|")

    times, queries, response = timed(client, page, n)
    line("open: page (first 100 rows, HTML)", times, queries, rows_in(response))
    partial = html.unescape(re.search(r'data-next="([^"]+)"', response.content.decode()).group(1))
    times, queries, response = timed(client, partial, n)
    line("scroll: page's next rows (?partial=1)", times, queries, rows_in(response))

    times, queries, response = timed(client, api, n)
    body = response.json()
    line("open: API first page (100)", times, queries, len(body["results"]))
    times, queries, response = timed(client, body["next"], n)
    line("scroll: API next page", times, queries, len(response.json()["results"]))
    # Scroll on: ten pages in a row, each from the previous one's cursor.
    link, steps = body["next"], []
    for _ in range(10):
        began = time.perf_counter()
        step = client.get(link).json()
        steps.append(time.perf_counter() - began)
        link = step["next"]
    line("scroll: 10 API pages in a row (each)", steps, queries, 100)

    ordered = ScanObservation.objects.filter(job__inspection=inspection, at__isnull=False).order_by(
        "at", "job_id", "seq"
    )
    deep = ordered.values_list("at", "job_id", "seq")[int(timed_rows * 0.8)]
    cursor = encode_cursor({"t": deep[0].isoformat(), "j": deep[1], "s": deep[2]})
    times, queries, response = timed(client, f"{api}?cursor={cursor}", n)
    line("deep: API page at 80 %", times, queries, len(response.json()["results"]))

    times, queries, response = timed(client, f"{api}?party=com.umeng.commonsdk&consent=after", n)
    line("filtered: one SDK, after consent", times, queries, len(response.json()["results"]))
    window = "from=2025-03-01T09:30:00%2B08:00&to=2025-03-01T09:31:00%2B08:00"
    times, queries, response = timed(client, f"{api}?{window}", n)
    line("zoom: a one-minute window", times, queries, len(response.json()["results"]))
    times, queries, response = timed(client, f"{page}?kind=http_request&consent=before", n)
    line("filtered page: HAR requests before consent", times, queries, rows_in(response))
    out = Path(__file__).resolve().parent / "out"
    out.mkdir(exist_ok=True)
    (out / "timeline.json").write_text(
        json.dumps({"machine": machine, "timed_observations": timed_rows, "results": RESULTS}, indent=2)
    )


if __name__ == "__main__":
    main()
