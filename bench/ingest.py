"""Ingest benchmark: a HAR with 100,000 observations through the real job path into PostgreSQL.

    PYTHONPATH=. .venv/bin/python bench/ingest.py                 # 3 runs x 2 profiles + a 1M run
    PYTHONPATH=. .venv/bin/python bench/ingest.py --runs 1 --big 0
    PYTHONPATH=. .venv/bin/python bench/ingest.py --runs 3 --big 0 --profiles realistic

What one run does, in a fresh process (so its peak RSS is its own):

1. creates the job the way an upload does (``cases.ingest.jobs.scan_job_create``: SHA-256, stored copy of
   the file, job row; the Celery message is not sent: the job function runs here instead);
2. times ``cases.ingest.scan_job_process`` (lease, parse, rules, spool, COPY of the observations +
   upsert of the findings, success) and reads the peak RSS (``ru_maxrss``) right after it, its own
   and that of the child process that validated the file meanwhile (``safejson.GuardAside``: files
   of 8 MiB and more);
3. in the same process and database, times a raw psycopg COPY of the rows the job stored, as stored:
   its observation rows (``cases_scanobservation``, attributes as jsonb) and its finding rows, into
   scratch tables of the same definition (``LIKE ... INCLUDING ALL``: columns, defaults, identity,
   indexes; no foreign keys). The ingest's time over the sum of both is the ratio (target <= 3x).

Profiles: ``realistic`` is ``bench/gen_scans.py``'s HAR (1 request in 200 carries personal data,
5 hosts: few findings); ``dense`` sends an IMEI to one of 20,000 hosts in every request (tens of
thousands of findings: the write path under load). ``--big N`` adds one realistic run of N
observations to show that memory stays flat as the file grows (1,000,000 is a ~1 GB HAR).

The database is the bench's own (``rectify_ingest_bench``, created with Django's test-database
machinery and dropped at the end); nothing else is touched. Figures go to bench/out/ingest.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import gen_scans  # noqa: E402 (bench/gen_scans.py: the project's HAR generator)

BENCH_DB = "rectify_ingest_bench"
DENSE_HOSTS = 20_000
TARGET_RATE = 20_000
TARGET_RATIO = 3.0
TARGET_RSS_MIB = 300
RUN_TIMEOUT = 3600


def write_dense_har(count: int, path: Path) -> None:
    """Every request sends an IMEI to one of DENSE_HOSTS remote hosts."""
    rng = random.Random(7)
    with path.open("w", encoding="utf-8") as out:
        out.write('{"log": {"version": "1.2", "creator": {"name": "bench-ingest", "version": "1"}, "entries": [\n')
        for index in range(count):
            entry = gen_scans._har_entry(rng, index)
            host = f"h{index % DENSE_HOSTS}.dense-bench.com"
            imei = gen_scans._imei(rng)
            request = entry["request"]
            request["url"] = f"https://{host}/collect?imei={imei}&ts={index}"
            request["queryString"] = [{"name": "imei", "value": imei}, {"name": "ts", "value": str(index)}]
            request["headers"][0]["value"] = host
            out.write(("," if index else "") + json.dumps(entry, ensure_ascii=False) + "\n")
        out.write("]}}\n")


# The measured run (a child process) ---------------------------------------------------------


def _fixtures():
    """An inspector and an inspection of its authority (the ministry's): the scan services act on
    the inspection's authority only for its own regulators (accounts.scoping)."""
    from accounts.models import Authority, User
    from accounts.roles import Role
    from cases.models import Campaign, Inspection, InspectionMethod, TestingAgency, inspection_vendor_id
    from products.models import Product, ProductKind, ProductVersion, Vendor
    from products.validators import uscc_check_char

    tag = f"{os.getpid()}-{time.time_ns()}"
    # A regulator belongs to an authority: one without any acts on nothing (fail closed).
    user = User.objects.create(username=f"bench-{tag}", role=Role.INSPECTOR, authority=Authority.objects.national())
    body = "91330100" + f"{time.time_ns() % 10**9:09d}"
    vendor = Vendor.objects.create(name=f"基准测试公司{tag}", credit_code=body + uscc_check_char(body))
    product = Product.objects.create(vendor=vendor, name=f"基准应用{tag}", kind=ProductKind.APP)
    version = ProductVersion.objects.create(product=product, version="1.0.0")
    campaign = Campaign.objects.create(name=f"基准{tag}", start_date="2025-01-01")
    agency, _ = TestingAgency.objects.get_or_create(name="基准检测机构")
    inspection = Inspection.objects.create(
        campaign=campaign,
        product_version=version,
        vendor_id=inspection_vendor_id(version),  # the version's product's vendor, as the services carry it
        agency=agency,
        date="2025-09-20",
        method=InspectionMethod.NETWORK,
        created_by=user,
        authority=user.authority,  # an inspection belongs to its inspector's authority
    )
    return user, inspection


def _timed_copy(cursor, table: str, rows: list[tuple]) -> float:
    started = time.perf_counter()
    with cursor.cursor.copy(f"COPY {table} FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)
    return time.perf_counter() - started


def child(path: Path, with_copy: bool) -> dict:
    import django

    django.setup()
    from django.core.files import File
    from django.db import connection

    from cases.ingest import jobs, service, store
    from cases.models import Finding, ScanStatus

    # The message to the broker is not what is measured: the job function runs in this process.
    jobs._enqueue = lambda job_id: None
    phases: dict[str, float] = {}
    save_spool = store.save_spool

    def timed_save(**kwargs):
        started = time.perf_counter()
        created = save_spool(**kwargs)
        phases["save_seconds"] = time.perf_counter() - started
        return created

    store.save_spool = timed_save
    # What is left of storing the observations once the file is read: on PostgreSQL their COPY runs
    # during the read and only the guessed ``mapped`` flags proved wrong are corrected after it.
    phases["save_observations_seconds"] = 0.0

    def timed(function):
        def wrapper(**kwargs):
            started = time.perf_counter()
            answer = function(**kwargs)
            phases["save_observations_seconds"] += time.perf_counter() - started
            return answer

        return wrapper

    store.save_observations = timed(store.save_observations)
    store.correct_mapped = timed(store.correct_mapped)

    user, inspection = _fixtures()
    started = time.perf_counter()
    with path.open("rb") as stream:
        job, created = jobs.scan_job_create(actor=user, inspection=inspection, uploaded=File(stream, name=path.name))
    upload_seconds = time.perf_counter() - started
    assert created

    started = time.perf_counter()
    service.scan_job_process(job_id=job.pk)
    ingest_seconds = time.perf_counter() - started
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    # The child process that validated the file meanwhile (safejson.GuardAside), if there was one.
    child_peak_mib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    job.refresh_from_db()
    if job.status != ScanStatus.SUCCEEDED:
        raise SystemExit(f"job {job.pk} {job.status}: {job.failure_code} {job.failure_reason}")
    result = {
        "file_mb": round(path.stat().st_size / 1e6, 1),
        "observations": job.observations,
        "findings_created": job.findings_created,
        "duplicates": job.duplicates,
        "unmapped": job.unmapped,
        "upload_seconds": round(upload_seconds, 3),
        "ingest_seconds": round(ingest_seconds, 3),
        "read_seconds": round(ingest_seconds - phases["save_seconds"] - phases["save_observations_seconds"], 3),
        "save_seconds": round(phases["save_seconds"], 3),
        "save_observations_seconds": round(phases["save_observations_seconds"], 3),
        "observations_per_second": round(job.observations / ingest_seconds),
        "peak_rss_mib": round(peak_mib, 1),
        "validating_child_peak_rss_mib": round(child_peak_mib, 1),
    }
    # The parsers and rules alone on the same file, without the database: the floor of the read.
    from cases.scanners import detect_candidates, parse

    started = time.perf_counter()
    with path.open("rb") as stream:
        candidates = sum(1 for _ in detect_candidates(parse(stream, filename=path.name)))
    result["parse_and_rules_seconds"] = round(time.perf_counter() - started, 3)
    result["candidates"] = candidates
    if with_copy:
        # The rows the job stored, as stored, copied again into tables of the same definition.
        observation_columns = ["job_id", "seq", "kind", "locus", "attributes", "mapped", "at", "party", "finding_id"]
        finding_columns = [f.column for f in Finding._meta.concrete_fields]
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT job_id, seq, kind, locus, attributes::text, mapped, at, party, finding_id"
                " FROM cases_scanobservation"
                " WHERE job_id = %s ORDER BY seq",
                [job.pk],
            )
            observation_rows = cursor.fetchall()
            cursor.execute(f"SELECT {', '.join(finding_columns)} FROM cases_finding WHERE scan_job_id = %s", [job.pk])
            finding_rows = cursor.fetchall()
            cursor.execute("CREATE TABLE bench_copy_observations (LIKE cases_scanobservation INCLUDING ALL)")
            cursor.execute("CREATE TABLE bench_copy_findings (LIKE cases_finding INCLUDING ALL)")
            try:
                copy_observations = _timed_copy(
                    cursor, f"bench_copy_observations ({', '.join(observation_columns)})", observation_rows
                )
                copy_findings = _timed_copy(cursor, f"bench_copy_findings ({', '.join(finding_columns)})", finding_rows)
            finally:
                cursor.execute("DROP TABLE bench_copy_observations")
                cursor.execute("DROP TABLE bench_copy_findings")
        copy_seconds = copy_observations + copy_findings
        result.update(
            {
                "stored_observation_rows": len(observation_rows),
                "copy_observations_seconds": round(copy_observations, 3),
                "copy_findings_seconds": round(copy_findings, 3),
                "copy_seconds": round(copy_seconds, 3),
                "ratio_to_copy": round(ingest_seconds / copy_seconds, 2),
            }
        )
    return result


# The driver ---------------------------------------------------------------------------------


def _database_url(settings_dict: dict) -> str:
    user = settings_dict.get("USER") or ""
    password = settings_dict.get("PASSWORD") or ""
    credentials = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    return f"postgres://{credentials}{settings_dict.get('HOST') or '127.0.0.1'}:{settings_dict.get('PORT') or 5432}"


def run_child(path: Path, *, with_copy: bool, env: dict) -> dict:
    command = [sys.executable, __file__, "--child", str(path)] + (["--copy"] if with_copy else [])
    done = subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True, timeout=RUN_TIMEOUT)
    if done.returncode != 0:
        raise SystemExit(f"run failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--observations", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--big", type=int, default=1_000_000, help="one more realistic run of this size (0: none)")
    parser.add_argument(
        "--profiles", nargs="+", choices=["realistic", "dense"], default=["realistic", "dense"], help="HARs to run"
    )
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--copy", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")

    if args.child:
        print(json.dumps(child(args.child, args.copy)))
        return 0

    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.test.utils import setup_databases, teardown_databases

    if connection.vendor != "postgresql":
        print("bench/ingest.py needs PostgreSQL (DATABASE_URL)", file=sys.stderr)
        return 2
    connection.settings_dict["TEST"]["NAME"] = BENCH_DB
    old = setup_databases(verbosity=0, interactive=False)
    work = Path(tempfile.mkdtemp(prefix="rectify-ingest-bench-"))
    results: dict = {"runs": []}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            pg_version = cursor.fetchone()[0]
        env = {
            **os.environ,
            "DATABASE_URL": f"{_database_url(settings.DATABASES['default'])}/{BENCH_DB}",
            "MEDIA_ROOT": str(work / "media"),
            "MAX_UPLOAD_BYTES": str(4 * 1024**3),
            "PYTHONPATH": str(ROOT),
        }
        machine = (
            f"{os.cpu_count()} cores, Python {platform.python_version()} ({os.path.realpath(sys.executable)}), "
            f"PostgreSQL {pg_version}"
        )
        results["machine"] = machine
        print(f"machine: {machine}")
        files = {}
        writers = {"realistic": gen_scans.write_har, "dense": write_dense_har}
        for profile in args.profiles:
            writer = writers[profile]
            files[profile] = work / f"{profile}-{args.observations}.har"
            writer(args.observations, files[profile])
        for profile, path in files.items():
            for number in range(1, args.runs + 1):
                result = {"profile": profile, "run": number, **run_child(path, with_copy=True, env=env)}
                results["runs"].append(result)
                print(
                    f"{profile:9} run {number}: {result['observations']:,} observations in "
                    f"{result['ingest_seconds']:.2f} s = {result['observations_per_second']:,}/s "
                    f"(read {result['read_seconds']:.2f} s, save findings {result['save_seconds']:.2f} s, "
                    f"observations after the read {result['save_observations_seconds']:.2f} s; "
                    f"parsers+rules alone {result['parse_and_rules_seconds']:.2f} s); "
                    f"{result['findings_created']:,} findings, {result['unmapped']:,} unmapped; "
                    f"peak RSS {result['peak_rss_mib']:.0f} MiB (validating child "
                    f"{result['validating_child_peak_rss_mib']:.0f} MiB); "
                    f"raw COPY of the stored rows ({result['stored_observation_rows']:,} observations "
                    f"{result['copy_observations_seconds']:.2f} s + {result['findings_created']:,} findings "
                    f"{result['copy_findings_seconds']:.3f} s) {result['copy_seconds']:.2f} s "
                    f"-> ratio {result['ratio_to_copy']:.2f}x"
                )
        if args.big:
            path = work / f"realistic-{args.big}.har"
            gen_scans.write_har(args.big, path)
            for f in files.values():
                f.unlink()
            result = {"profile": "realistic-big", "run": 1, **run_child(path, with_copy=False, env=env)}
            results["runs"].append(result)
            print(
                f"big run: {result['file_mb']:,.0f} MB, {result['observations']:,} observations in "
                f"{result['ingest_seconds']:.1f} s = {result['observations_per_second']:,}/s "
                f"(parsers+rules alone {result['parse_and_rules_seconds']:.1f} s); "
                f"peak RSS {result['peak_rss_mib']:.0f} MiB (validating child "
                f"{result['validating_child_peak_rss_mib']:.0f} MiB)"
            )
        summary = {}
        for profile in files:
            runs = [r for r in results["runs"] if r["profile"] == profile]
            if not runs:
                continue
            rates = [r["observations_per_second"] for r in runs]
            ratios = [r["ratio_to_copy"] for r in runs]
            summary[profile] = {
                "rate_median": statistics.median(rates),
                "rate_worst": min(rates),
                "ratio_median": statistics.median(ratios),
                "ratio_worst": max(ratios),
                "peak_rss_mib_worst": max(r["peak_rss_mib"] for r in runs),
            }
            print(
                f"{profile}: median {summary[profile]['rate_median']:,.0f} obs/s (worst {min(rates):,}; target >= "
                f"{TARGET_RATE:,}); ratio to COPY median {summary[profile]['ratio_median']:.2f}x (worst "
                f"{max(ratios):.2f}x; target <= {TARGET_RATIO:.0f}x); peak RSS worst "
                f"{summary[profile]['peak_rss_mib_worst']:.0f} MiB (target <= {TARGET_RSS_MIB})"
            )
        results["summary"] = summary
        out = ROOT / "bench" / "out"
        out.mkdir(exist_ok=True)
        (out / "ingest.json").write_text(json.dumps(results, indent=2))
    finally:
        teardown_databases(old, verbosity=0)
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
