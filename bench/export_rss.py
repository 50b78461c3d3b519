"""Peak RSS and time of the public register's open data at 500,000 entries (issue 14, deliverable 5).

Target: peak RSS of the serving process <= 150 MB whatever the number of entries.

    PYTHONPATH=. .venv/bin/python bench/export_rss.py [--notices 10000] [--entries 500000]
    PYTHONPATH=. .venv/bin/python bench/export_rss.py --database rectify_scale_h4   # an existing seeded DB
    PYTHONPATH=. .venv/bin/python bench/export_rss.py --code /work/main              # another checkout's code

Without ``--database`` it creates a database of its own (``rectify_export_bench``, migrated like the
test runner does), seeds it by SQL with ``--notices`` issued public notices holding ``--entries``
rows in all, and drops it at the end; with ``--database`` it only reads that database (but for one
session row when the case export is measured: ``--formats cases``).

For each format (JSON, CSV) and each path (``cold``: the first download of a register version,
streamed from the database through a server-side cursor; ``warm``: the next one, served from the
kept file) it starts gunicorn afresh (one sync worker, ``config.settings.production``, on
127.0.0.1:``--port``), downloads the whole export once with urllib (bounded by a timeout), and reads
the worker's peak RSS (``VmHWM`` in ``/proc/PID/status``) and its RSS before the download. Prints
the figures and writes them to ``bench/out/export_rss.json``; exits 1 when a peak exceeds the target.
"""

import argparse
import hashlib
import json
import os
import platform
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH_DB = "rectify_export_bench"
TARGET_RSS_MB = 150
DOWNLOAD_TIMEOUT = 600
START_TIMEOUT = 60
PATHS = {
    "json": "/register/open-data/entries.json",
    "csv": "/register/open-data/entries.csv",
    "cases": "/cases/export.csv",  # the regulators' case list export (signed in; no kept file)
}

SEED_SQL = """
INSERT INTO notices_notice (
    kind, series, status, title, authority, addressee, opening, closing, attachment_title, signature,
    tested, how_to_answer, version, year, batch_number, overall_number, doc_number, published_on,
    published_at, pdf, pdf_sha256, content_sha256, pdf_size, access_code_hash, created_at, drafted_by_id)
SELECT
    CASE WHEN g % 5 = 0 THEN 'removal' ELSE 'naming' END,
    CASE WHEN g % 5 = 0 THEN 'removal' WHEN g % 3 = 0 THEN 'terminal' ELSE 'app' END,
    'draft',
    CASE WHEN g % 5 = 0 THEN '关于下架侵害用户权益APP的通报' ELSE '关于侵害用户权益行为的APP（SDK）通报' END,
    '工业和信息化部信息通信管理局', '', '近期，我局组织第三方检测机构对群众关注的APP进行检查。',
    '上述APP应在规定时间内完成整改。', '存在问题的APP名单', '工业和信息化部信息通信管理局', '', '',
    1, EXTRACT(YEAR FROM t)::int, g, g, '', t::date, t, '', md5(g::text) || md5((g + 1)::text), '', 1000, '',
    t, %(user)s
FROM (SELECT g, timestamptz '2019-01-01 10:00+08' + g * interval '5 hours' AS t
      FROM generate_series(1, %(notices)s) AS g) AS s;

INSERT INTO notices_noticeentry (
    notice_id, position, seq, case_id, name, developer, source, version, issues, issue_codes)
SELECT n.id, p, (p + 1) / 2, (%(cases)s)[1 + (n.id + p) %% array_length(%(cases)s, 1)],
    '应用' || n.id || '-' || p || CASE WHEN p % 7 = 0 THEN '天气' WHEN p % 7 = 1 THEN '视频' ELSE '工具' END,
    '示例网络科技（' || (CASE WHEN n.id % 3 = 0 THEN '杭州' WHEN n.id % 3 = 1 THEN '北京' ELSE '深圳' END)
        || '）有限公司' || ((n.id * 7 + p) % 20000),
    CASE WHEN p % 2 = 0 THEN '应用宝' ELSE '华为应用市场' END,
    (p % 9) || '.' || (n.id % 13) || '.0',
    '违规收集个人信息、超范围收集个人信息、APP强制、频繁、过度索取权限',
    'PI-0' || (1 + p % 5) || ';PI-0' || (1 + (p + 2) % 5)
FROM notices_notice AS n
CROSS JOIN LATERAL generate_series(1, %(per_notice)s) AS p
WHERE n.status = 'draft';

UPDATE notices_notice SET status = 'published' WHERE status = 'draft';
UPDATE notices_notice SET status = 'superseded' WHERE id % 50 = 0;
"""


def _database_url(settings_dict: dict, name: str) -> str:
    user = settings_dict.get("USER") or ""
    password = settings_dict.get("PASSWORD") or ""
    credentials = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    host = settings_dict.get("HOST") or "127.0.0.1"
    return f"postgres://{credentials}{host}:{settings_dict.get('PORT') or 5432}/{name}"


def seed(notices: int, entries: int) -> None:
    from django.db import connection

    from tests import factories

    user = factories.UserFactory(role="inspector")
    cases = [factories.CaseFactory(opened_by=user).pk for _ in range(50)]
    per_notice = max(1, entries // notices)
    sql = SEED_SQL.replace("%(cases)s", "ARRAY[" + ",".join(map(str, cases)) + "]::bigint[]")
    sql = sql.replace("%(user)s", str(user.pk)).replace("%(notices)s", str(notices))
    sql = sql.replace("%(per_notice)s", str(per_notice)).replace("%%", "%")
    with connection.cursor() as cursor:
        cursor.execute(sql)
        cursor.execute("ANALYZE notices_notice; ANALYZE notices_noticeentry")


def _regulator_session() -> str:
    """A session of a regulator who may view cases (one row in django_session: the only write)."""
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY

    from accounts.models import User
    from accounts.roles import CASE_VIEW, has_perm

    user = next(u for u in User.objects.filter(is_active=True) if has_perm(u, CASE_VIEW))
    store = import_module(settings.SESSION_ENGINE).SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[-1]
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.save()
    return store.session_key


def _kb(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def _worker(master: int) -> int:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
        if children:
            return int(children[0])
        time.sleep(0.1)
    raise RuntimeError("gunicorn started no worker")


COOKIES: dict[str, str] = {}


def _get(port: int, path: str, timeout: float = DOWNLOAD_TIMEOUT, headers: dict | None = None):
    cookie = "; ".join(f"{k}={v}" for k, v in COOKIES.items())
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}{path}",
        headers={"X-Forwarded-Proto": "https", **({"Cookie": cookie} if cookie else {}), **(headers or {})},
    )
    return urllib.request.urlopen(request, timeout=timeout)  # noqa: S310 (loopback only)


def measure(fmt: str, *, env: dict, code: Path, port: int, export_dir: Path, cold: bool) -> dict:
    if cold:
        shutil.rmtree(export_dir, ignore_errors=True)
    gunicorn = Path(sys.executable).with_name("gunicorn")
    server = subprocess.Popen(
        [str(gunicorn), "-b", f"127.0.0.1:{port}", "-w", "1", "--timeout", str(DOWNLOAD_TIMEOUT), "config.wsgi"],
        cwd=code,
        env={**env, "PYTHONPATH": str(code)},
        stdout=subprocess.DEVNULL,
        stderr=open(Path(tempfile.gettempdir()) / "rectify-export-bench-gunicorn.log", "ab"),  # noqa: SIM115
    )
    try:
        worker = _worker(server.pid)
        deadline = time.monotonic() + START_TIMEOUT
        while True:  # the verification API answers without touching the export (and without static files)
            try:
                _get(port, "/api/v1/public/verify/?sha256=" + "0" * 64, timeout=10).read()
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise
                time.sleep(0.2)
        before = _kb(worker, "VmRSS")
        started = time.perf_counter()
        size = 0
        digest = hashlib.sha256()
        with _get(port, PATHS[fmt]) as response:
            first_byte = time.perf_counter() - started
            etag = response.headers.get("ETag")
            while chunk := response.read(1 << 16):
                size += len(chunk)
                digest.update(chunk)
        seconds = time.perf_counter() - started
        peak = _kb(worker, "VmHWM")
        poll = time.perf_counter()
        poll_status = None  # the case export has no ETag: nothing to poll with
        if etag:
            try:
                _get(port, PATHS[fmt], timeout=30, headers={"If-None-Match": etag}).read()
                poll_status = 200
            except urllib.error.HTTPError as exc:
                poll_status = exc.code
        poll_ms = (time.perf_counter() - poll) * 1000
        return {
            "format": fmt,
            "path": "cold" if cold else "warm",
            "bytes": size,
            "sha256": digest.hexdigest(),
            "seconds": round(seconds, 2),
            "first_byte_seconds": round(first_byte, 3),
            "rss_before_mb": round(before / 1024, 1),
            "peak_rss_mb": round(peak / 1024, 1),
            "poll_status": poll_status,
            "poll_ms": round(poll_ms, 1),
        }
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--notices", type=int, default=10_000)
    parser.add_argument("--entries", type=int, default=500_000)
    parser.add_argument("--database", help="an existing seeded database to read (nothing is written to it)")
    parser.add_argument("--code", type=Path, default=ROOT, help="the checkout whose code gunicorn serves")
    parser.add_argument("--port", type=int, default=8400)
    parser.add_argument("--keep", action="store_true", help=f"keep the seeded {BENCH_DB} for later --database runs")
    parser.add_argument("--formats", nargs="+", choices=sorted(PATHS), default=["json", "csv", "cases"])
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")

    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.test.utils import setup_databases, teardown_databases

    if connection.vendor != "postgresql":
        print("bench/export_rss.py needs PostgreSQL (DATABASE_URL)", file=sys.stderr)
        return 2
    old = None
    if args.database:
        name = args.database
        connection.close()
        connection.settings_dict["NAME"] = name
    else:
        connection.settings_dict["TEST"]["NAME"] = name = BENCH_DB
        old = setup_databases(verbosity=0, interactive=False)
    work = Path(tempfile.mkdtemp(prefix="rectify-export-bench-"))
    results: dict = {"runs": []}
    try:
        if old is not None:
            started = time.perf_counter()
            seed(args.notices, args.entries)
            print(f"seeded {args.notices:,} notices, {args.entries:,} entries in {time.perf_counter() - started:.0f} s")
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            pg_version = cursor.fetchone()[0]
        if "cases" in args.formats:
            COOKIES[settings.SESSION_COOKIE_NAME] = _regulator_session()
        connection.close()
        export_dir = work / "exports"
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings.production",
            "DATABASE_URL": _database_url(settings.DATABASES["default"], name),
            "SECRET_KEY": settings.SECRET_KEY,  # the session made here must read there
            "ALLOWED_HOSTS": "127.0.0.1",
            "REDIS_URL": os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"),
            "MEDIA_ROOT": str(work / "media"),
            "REGISTER_EXPORT_DIR": str(export_dir),
        }
        env.pop("CACHE_URL", None)
        machine = f"{os.cpu_count()} cores, Python {platform.python_version()}, PostgreSQL {pg_version}"
        results.update(machine=machine, code=str(args.code), database=name)
        print(f"machine: {machine}; code: {args.code}")
        for fmt in args.formats:
            for cold in (True, False) if fmt != "cases" else (True,):
                run = measure(fmt, env=env, code=args.code, port=args.port, export_dir=export_dir, cold=cold)
                results["runs"].append(run)
                print(
                    f"{fmt} {run['path']}: {run['bytes'] / 1e6:.0f} MB in {run['seconds']:.1f} s (first byte "
                    f"{run['first_byte_seconds']:.2f} s); worker RSS {run['rss_before_mb']:.0f} MB before, peak "
                    f"{run['peak_rss_mb']:.0f} MB (target <= {TARGET_RSS_MB}); poll with the ETag: "
                    f"{run['poll_status']} in {run['poll_ms']:.0f} ms"
                )
        out = ROOT / "bench" / "out"
        out.mkdir(exist_ok=True)
        (out / "export_rss.json").write_text(json.dumps(results, indent=2))
    finally:
        if old is not None and not args.keep:
            teardown_databases(old, verbosity=0)
        shutil.rmtree(work, ignore_errors=True)
    worst = max(r["peak_rss_mb"] for r in results["runs"]) if results["runs"] else 0
    return 1 if worst > TARGET_RSS_MB else 0


if __name__ == "__main__":
    sys.exit(main())
