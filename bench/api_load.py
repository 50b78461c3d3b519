"""Load benchmark: every list API, regulator page, portal list and register page under 8 concurrent
clients, at scale and on the demo alone, in one run (issue 14).

    PYTHONPATH=. .venv/bin/python bench/api_load.py [--scale-db URL] [--demo-db URL] [--only REGEX]
        [--requests K] [--seconds T] [--timeout S] [--clients 8] [--out FILE]

The scale database is made beforehand (bench/README.md): ``migrate``, ``load_demo``, then
``manage.py seed_scale`` in a database of its own (default ``rectify_scale``). The demo database
(default ``rectify_demo_bench``) is created here when it is missing: ``migrate`` + ``load_demo``,
and one more naming notice published through the app's workflow (for the demo's overdue case).
Neither is written to by the measurements (GET only; logins write a session row and axes' log).

For each database in turn (demo, then scale) the script starts gunicorn with the production settings
(``config.settings.production``: 2 sync workers, loopback only, ``X-Forwarded-Proto: https`` sent as
the TLS proxy would), signs in ``admin`` (regulator) and ``vendor_a`` (the vendor with ~2,000 cases at
scale) through the real login form, and drives ``--clients`` concurrent clients at one endpoint at a
time: each endpoint stops after ``--requests`` requests or ``--seconds`` seconds, whichever comes
first; a request still running then finishes or times out (``--timeout``; a timeout counts as a
failure at the timeout's length). Redirects are not followed: a 302 to the login page is a failure,
not a fast answer. Every status other than 2xx is counted and shown.

Prints a markdown table (p50 and p95 at scale, p95 on the demo, the ratio of the two p95, statuses,
rows of the first page or bytes) and writes it with the raw figures to ``bench/out/`` (``--out``).
"""

import argparse
import datetime
import json
import math
import os
import platform
import re
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode, urlsplit, urlunsplit

import psycopg
import requests

ROOT = Path(__file__).resolve().parent.parent
PYTHON = Path(sys.executable)
DEFAULT_SCALE_DB = "postgres://postgres@127.0.0.1:5432/rectify_scale"
DEFAULT_DEMO_DB = "postgres://postgres@127.0.0.1:5432/rectify_demo_bench"
DEMO_PASSWORD = "rectify-demo"
REGULATOR, VENDOR, ANONYMOUS = "admin", "vendor_a", "anonymous"
# A provincial regulator (Beijing's administration, issue 17): sees its own authority's records only.
PROVINCIAL = "bench_bj_reviewer"
PROVINCE_CODE = "110000"
SEARCH_WORD = "天气"  # a product word of the demo and of the seed: a Chinese substring search


# One more naming notice, drafted, approved and published through the app's own services (PDF by
# WeasyPrint) for the demo's overdue case: the register's notice, PDF and the regulator's notice page
# have a demo figure whatever the demo itself publishes.
PUBLISH_DEMO_NOTICE = """
from accounts.models import User
from cases.models import Case
from notices import services, workflow
drafter, reviewer = User.objects.get(username="admin"), User.objects.get(username="reviewer")
case = Case.objects.filter(status="overdue").first()
if case is not None:
    notice = services.notice_draft(actor=drafter, kind="naming", case_ids=[case.pk])
    workflow.notice_approve(actor=reviewer, notice=notice)
    workflow.notice_request_publication(actor=reviewer, notice=notice)
    workflow.notice_publish(notice_id=notice.pk, actor=reviewer)
"""


# The provincial regulator is made in each database before its run (the one write the script makes
# besides the logins): a reviewer of Beijing's administration with the demo password.
ENSURE_PROVINCIAL = f"""
from accounts.models import Authority, User
from accounts.roles import Role
user, _ = User.objects.get_or_create(username={PROVINCIAL!r}, defaults={{"role": Role.REVIEWER}})
user.role, user.authority, user.is_active = Role.REVIEWER, Authority.objects.get(code={PROVINCE_CODE!r}), True
user.set_password({DEMO_PASSWORD!r})
user.save()
"""


@dataclass
class Endpoint:
    name: str
    role: str
    path: str | None  # None: nothing to ask in this database (e.g. no published notice in the demo)
    expect_rows: bool = True


@dataclass
class Result:
    name: str
    role: str
    path: str | None
    latencies: list[float] = field(default_factory=list)
    statuses: dict[str, int] = field(default_factory=dict)
    rows: str = ""

    @property
    def ok(self) -> bool:
        return bool(self.latencies) and set(self.statuses) <= {"200"}

    def quantile(self, q: float) -> float | None:
        if not self.latencies:
            return None
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, max(0, math.ceil(q * len(ordered)) - 1))]


# -- databases -------------------------------------------------------------------------------------


def _admin_url(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/postgres")), parts.path.lstrip("/")


def database_exists(url: str) -> bool:
    admin, name = _admin_url(url)
    with psycopg.connect(admin, autocommit=True) as conn:
        return conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is not None


def ensure_demo_db(url: str, env: dict) -> None:
    if database_exists(url):
        return
    admin, name = _admin_url(url)
    print(f"creating the demo database {name} (migrate + load_demo)", flush=True)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    run_env = {**env, "DATABASE_URL": url}
    for args in (["migrate", "--noinput", "-v0"], ["load_demo"], ["shell", "-c", PUBLISH_DEMO_NOTICE]):
        subprocess.run([str(PYTHON), "manage.py", *args], cwd=ROOT, env=run_env, check=True, stdout=subprocess.DEVNULL)


def facts(url: str) -> dict:
    """The ids and values the endpoints need, read from the database itself."""
    with psycopg.connect(url) as conn:

        def one(sql: str, *args):
            row = conn.execute(sql, args).fetchone()
            return row[0] if row else None

        vendor = one(
            "SELECT m.vendor_id FROM products_vendormembership m JOIN accounts_user u ON u.id = m.user_id "
            "WHERE u.username = %s",
            VENDOR,
        )
        return {
            "vendor": vendor,
            "vendor_cases": one("SELECT count(*) FROM cases_case WHERE vendor_id = %s AND status <> 'open'", vendor),
            "case": one(
                "SELECT id FROM cases_case WHERE vendor_id = %s AND status <> 'open' ORDER BY id DESC LIMIT 1", vendor
            ),
            "verifying_case": one("SELECT id FROM cases_case WHERE status = 'verifying' ORDER BY id DESC LIMIT 1"),
            "inspection": one(
                "SELECT inspection_id FROM cases_finding WHERE case_id IS NOT NULL ORDER BY id DESC LIMIT 1"
            ),
            "scan_inspection": one("SELECT inspection_id FROM cases_scanjob ORDER BY id DESC LIMIT 1"),
            "scan": one("SELECT id FROM cases_scanjob ORDER BY id DESC LIMIT 1"),
            "notice": one(
                "SELECT id FROM notices_notice WHERE status = 'published' AND kind IN ('naming', 'removal') "
                "ORDER BY published_at DESC, id DESC LIMIT 1"
            ),
            "notice_year": one("SELECT max(year) FROM notices_notice WHERE status = 'published'"),
            "cases": one("SELECT count(*) FROM cases_case"),
            "findings": one("SELECT count(*) FROM cases_finding"),
            "size": one("SELECT pg_size_pretty(pg_database_size(current_database()))"),
        }


# -- the server ------------------------------------------------------------------------------------


def server_env(database_url: str, media_root: str, cache_url: str = "") -> dict:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "SECRET_KEY": os.environ.get("SECRET_KEY", "bench-api-load-not-a-secret-" + "x" * 32),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "REDIS_URL": os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"),
        "DATABASE_URL": database_url,
        "MEDIA_ROOT": media_root,
        "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
        # The demo publishes orders, which print the reply platform's address (NOTICE-FORMAT.md).
        "SITE_URL": os.environ.get("SITE_URL", "https://rectify.bench.invalid"),
    }
    if cache_url:
        # A shared cache as in a deployment (sessions and the signed-in user from it, one register
        # cache for both workers); each database its own keys.
        env["CACHE_URL"] = cache_url
        env["CACHE_KEY_PREFIX"] = "api-load-" + urlsplit(database_url).path.lstrip("/")
    return env


def prepare(env: dict) -> None:
    """Static files for the manifest storage, compiled translations, the seed's placeholder files."""
    if not (ROOT / "staticfiles" / "staticfiles.json").exists():
        subprocess.run([str(PYTHON), "manage.py", "collectstatic", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)
    subprocess.run(
        [str(PYTHON), "manage.py", "compilemessages", "--ignore=.venv", "-v0"], cwd=ROOT, env=env, check=False
    )
    subprocess.run([str(PYTHON), "manage.py", "seed_scale", "--placeholders"], cwd=ROOT, env=env, check=True)


class Server:
    def __init__(self, env: dict, port: int, workers: int, log: Path):
        self.port = port
        self.log = log.open("a")
        start = log.stat().st_size
        gunicorn = PYTHON.with_name("gunicorn")
        self.proc = subprocess.Popen(
            [str(gunicorn), "-b", f"127.0.0.1:{port}", "-w", str(workers), "--timeout", "300", "config.wsgi"],
            cwd=ROOT,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + 60
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                if time.monotonic() > deadline or self.proc.poll() is not None:
                    self.stop()
                    raise SystemExit(f"gunicorn did not start on port {port}; see {log}") from None
                time.sleep(0.3)
        # The master listens before its workers have loaded the application: measure once each
        # worker has said it is ready (gunicorn.conf.py's post_worker_init), as a load balancer's
        # health check would wait, else the first endpoint's figures include the workers' start.
        while time.monotonic() < deadline:
            with log.open(encoding="utf-8", errors="replace") as text:
                text.seek(start)
                if text.read().count("database connection warmed") >= workers:
                    return
            time.sleep(0.3)
        print(f"  (not every worker said it was ready within 60 s; see {log})", flush=True)

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGINT)  # quick shutdown: no request is waited for
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        self.log.close()


# -- clients ---------------------------------------------------------------------------------------


class Client:
    """Plain HTTP to gunicorn, as behind the TLS proxy: ``X-Forwarded-Proto: https``; the Secure
    session cookie is sent by hand (a cookie jar would keep it off a plain-HTTP connection)."""

    def __init__(self, port: int, cookie: str = ""):
        self.base = f"http://127.0.0.1:{port}"
        self.origin = f"https://127.0.0.1:{port}"
        self.headers = {"X-Forwarded-Proto": "https", "Accept-Language": "zh-hans"}
        if cookie:
            self.headers["Cookie"] = cookie

    def get(self, session: requests.Session, path: str, timeout: float) -> requests.Response:
        return session.get(self.base + path, headers=self.headers, timeout=timeout, allow_redirects=False)

    def raw_get(self, path: str, timeout: float) -> str:
        """The same request on a socket of its own, read to the end: the answer's status code.

        What the measuring clients send (``--client raw``, the default): ``requests`` spent about
        1 ms of CPU per request building and parsing it (11 % of the two cores at 230 requests a
        second, beside gunicorn's 62 % and PostgreSQL's 18 %), which the server's answers then
        waited for; this spends a tenth of that. gunicorn's sync workers close every connection
        after its answer, so the body ends where the stream does."""
        address = urlsplit(self.base)
        host, port = address.hostname, address.port
        head = "".join(f"{name}: {value}\r\n" for name, value in self.headers.items())
        request = f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\n{head}Connection: close\r\n\r\n".encode()
        with socket.create_connection((host, port), timeout=timeout) as connection:
            connection.sendall(request)
            first = connection.recv(65536)
            while connection.recv(1 << 20):
                pass
        if not first.startswith(b"HTTP/1."):
            raise OSError("not an HTTP answer")
        return first.split(b" ", 2)[1].decode()


def login(port: int, username: str) -> str:
    session = requests.Session()
    client = Client(port)
    page = client.get(session, "/login/", 30)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
    csrf = page.cookies.get("csrftoken")
    if page.status_code != 200 or not token or not csrf:
        raise SystemExit(f"login page answered {page.status_code} without a CSRF token")
    answer = session.post(
        client.base + "/login/",
        data={"username": username, "password": DEMO_PASSWORD, "csrfmiddlewaretoken": token.group(1)},
        headers={
            **client.headers,
            "Cookie": f"csrftoken={csrf}",
            "Referer": client.origin + "/login/",
            "Origin": client.origin,
        },
        allow_redirects=False,
        timeout=60,
    )
    sessionid = answer.cookies.get("sessionid")
    if answer.status_code != 302 or not sessionid:
        raise SystemExit(f"signing in {username} answered {answer.status_code}")
    return f"sessionid={sessionid}; csrftoken={csrf}"


def deep_page(client: Client, path: str, timeout: float, env: dict, username: str) -> str:
    """A page about 80% of the way down a list API, the way the API paginates: ``page=`` when the answer
    has an exact count within reach of ``page=``, a cursor to the row 80% down when the count is capped
    (bench/deep_cursor.py: the cursor a client would hold there), else the ``next`` link followed up to
    50 times."""
    session = requests.Session()
    answer = client.get(session, path, timeout)
    if answer.status_code != 200:
        return path
    body = answer.json()
    results = body.get("results") or []
    sep = "&" if "?" in path else "?"
    if body.get("count_exact") is False:  # more rows than `page=` reaches: a cursor down there
        found = subprocess.run(
            [str(PYTHON), str(ROOT / "bench" / "deep_cursor.py"), path, username],
            cwd=ROOT, env=env, capture_output=True, text=True, check=False, timeout=600,
        )  # fmt: skip
        if found.returncode == 0 and found.stdout.strip():
            return found.stdout.strip().splitlines()[-1]
        print(f"  deep cursor for {path} failed: {found.stderr.strip()[-300:]}", flush=True)
    if "count" in body and results:
        page = max(1, math.ceil(body["count"] * 0.8 / len(results)))
        return f"{path}{sep}page={page}"
    url = body.get("next")
    for _ in range(50):
        if not url:
            break
        nxt = client.get(session, urlsplit(url)._replace(scheme="", netloc="").geturl(), timeout)
        if nxt.status_code != 200 or not nxt.json().get("next"):
            break
        url = nxt.json()["next"]
    return urlsplit(url)._replace(scheme="", netloc="").geturl() if url else path


def endpoints(f: dict) -> list[Endpoint]:
    def q(path: str, **params) -> str:
        return f"{path}?{urlencode(params)}" if params else path

    def when(value, path: str) -> str | None:
        return path if value else None

    api = "/api/v1"
    e = [
        # List APIs as the regulator: first page, a filter, a text search, a deep page ("deep:" resolved later).
        Endpoint("api cases", REGULATOR, q(f"{api}/cases/", page_size=20)),
        Endpoint("api cases ?status=ordered", REGULATOR, q(f"{api}/cases/", status="ordered")),
        Endpoint("api cases ?overdue=true", REGULATOR, q(f"{api}/cases/", overdue="true")),
        Endpoint("api cases ?vendor=big", REGULATOR, q(f"{api}/cases/", vendor=f["vendor"])),
        Endpoint("api cases ?q=search", REGULATOR, q(f"{api}/cases/", q=SEARCH_WORD)),
        Endpoint("api cases deep page", REGULATOR, "deep:" + f"{api}/cases/"),
        Endpoint("api cases/<id>", REGULATOR, f"{api}/cases/{f['case']}/", expect_rows=False),
        Endpoint("api findings", REGULATOR, f"{api}/findings/"),
        Endpoint(
            "api findings ?status&type", REGULATOR, q(f"{api}/findings/", status="confirmed", violation_type="PI-01")
        ),  # noqa: E501
        Endpoint("api findings ?vendor=big", REGULATOR, q(f"{api}/findings/", vendor=f["vendor"])),
        Endpoint("api findings deep page", REGULATOR, "deep:" + f"{api}/findings/"),
        Endpoint("api inspections", REGULATOR, f"{api}/inspections/"),
        Endpoint("api inspections ?method", REGULATOR, q(f"{api}/inspections/", method="device")),
        Endpoint("api inspections ?vendor=big", REGULATOR, q(f"{api}/inspections/", vendor=f["vendor"])),
        Endpoint("api inspections deep page", REGULATOR, "deep:" + f"{api}/inspections/"),
        Endpoint("api products", REGULATOR, f"{api}/products/"),
        Endpoint("api products ?kind", REGULATOR, q(f"{api}/products/", kind="terminal")),
        Endpoint("api products ?q=search", REGULATOR, q(f"{api}/products/", q=SEARCH_WORD)),
        Endpoint("api products deep page", REGULATOR, "deep:" + f"{api}/products/"),
        Endpoint("api vendors", REGULATOR, f"{api}/vendors/"),
        Endpoint("api vendors ?q=search", REGULATOR, q(f"{api}/vendors/", q="科技")),
        Endpoint("api vendors deep page", REGULATOR, "deep:" + f"{api}/vendors/"),
        Endpoint("api versions", REGULATOR, f"{api}/versions/"),
        Endpoint("api versions ?kind", REGULATOR, q(f"{api}/versions/", kind="sdk")),
        Endpoint("api versions deep page", REGULATOR, "deep:" + f"{api}/versions/"),
        Endpoint("api notices", REGULATOR, f"{api}/notices/"),
        Endpoint("api notices ?kind=naming", REGULATOR, q(f"{api}/notices/", kind="naming")),
        Endpoint("api notices deep page", REGULATOR, "deep:" + f"{api}/notices/"),
        Endpoint("api notices/draftable-cases", REGULATOR, q(f"{api}/notices/draftable-cases/", kind="naming")),
        Endpoint(
            "api inspections/<id>/scans",
            REGULATOR,
            f"{api}/inspections/{f['scan_inspection'] or f['inspection']}/scans/",
        ),  # noqa: E501
        Endpoint("api scans/<id>", REGULATOR, when(f["scan"], f"{api}/scans/{f['scan']}/"), expect_rows=False),
        Endpoint("api campaigns", REGULATOR, f"{api}/campaigns/"),
        Endpoint("api testing-agencies", REGULATOR, f"{api}/testing-agencies/"),
        Endpoint("api violation-types", REGULATOR, f"{api}/violation-types/"),
        Endpoint("api auth/tokens", REGULATOR, f"{api}/auth/tokens/", expect_rows=False),
        # Regulator pages.
        Endpoint("/ (home, regulator)", REGULATOR, "/"),
        Endpoint("/dashboard/", REGULATOR, "/dashboard/"),
        Endpoint("/cases/", REGULATOR, "/cases/"),
        Endpoint("/cases/ ?status=ordered", REGULATOR, q("/cases/", status="ordered")),
        Endpoint("/cases/ ?overdue", REGULATOR, q("/cases/", overdue="on")),
        Endpoint("/cases/ ?q=search", REGULATOR, q("/cases/", q=SEARCH_WORD)),
        Endpoint("/cases/<id>/", REGULATOR, f"/cases/{f['case']}/"),
        Endpoint("/inspections/", REGULATOR, "/inspections/"),
        Endpoint("/inspections/<id>/", REGULATOR, f"/inspections/{f['inspection']}/"),
        Endpoint(
            "/inspections/<id>/scans/", REGULATOR, f"/inspections/{f['scan_inspection'] or f['inspection']}/scans/"
        ),  # noqa: E501
        Endpoint("/products/", REGULATOR, "/products/"),
        Endpoint("/products/ ?q=search", REGULATOR, q("/products/", q=SEARCH_WORD)),
        Endpoint("/vendors/", REGULATOR, "/vendors/"),
        Endpoint("/notices/", REGULATOR, "/notices/"),
        Endpoint("/notices/<id>/", REGULATOR, when(f["notice"], f"/notices/{f['notice']}/")),
        Endpoint("/decisions/", REGULATOR, "/decisions/"),
        Endpoint(
            "/decisions/cases/<id>/", REGULATOR, when(f["verifying_case"], f"/decisions/cases/{f['verifying_case']}/")
        ),  # noqa: E501
        Endpoint("/calendar/", REGULATOR, "/calendar/"),
        # The vendor portal, as the vendor with many cases.
        Endpoint("/portal/ (vendor)", VENDOR, "/portal/"),
        Endpoint("/portal/cases/<id>/ (vendor)", VENDOR, f"/portal/cases/{f['case']}/"),
        Endpoint("/portal/team/ (vendor)", VENDOR, "/portal/team/"),
        Endpoint("api cases (vendor)", VENDOR, f"{api}/cases/"),
        Endpoint("api cases deep page (vendor)", VENDOR, "deep:" + f"{api}/cases/"),
        # The public register, anonymous.
        Endpoint("/register/", ANONYMOUS, "/register/"),
        Endpoint("/register/ ?q=search", ANONYMOUS, q("/register/", q=SEARCH_WORD)),
        Endpoint("/register/ ?kind=removal", ANONYMOUS, q("/register/", kind="removal")),
        Endpoint("/register/ ?issue=PI-01", ANONYMOUS, q("/register/", issue="PI-01")),
        Endpoint("/register/ ?year", ANONYMOUS, q("/register/", year=f["notice_year"] or datetime.date.today().year)),
        Endpoint("/register/<id>/", ANONYMOUS, when(f["notice"], f"/register/{f['notice']}/")),
        Endpoint("/register/<id>/pdf/", ANONYMOUS, when(f["notice"], f"/register/{f['notice']}/pdf/")),
        Endpoint("/register/open-data/entries.json", ANONYMOUS, "/register/open-data/entries.json"),
        Endpoint("/register/open-data/entries.csv", ANONYMOUS, "/register/open-data/entries.csv"),
        Endpoint("/register/feed/", ANONYMOUS, "/register/feed/"),
        Endpoint("/register/feed/<code>/", ANONYMOUS, f"/register/feed/{PROVINCE_CODE}/"),
        Endpoint("/register/ ?authority", ANONYMOUS, q("/register/", authority=PROVINCE_CODE)),
        # The same lists as a provincial regulator: scoped to Beijing by the indexes that lead with the
        # authority (issue 17, part 6).
        Endpoint("api cases (Beijing)", PROVINCIAL, f"{api}/cases/"),
        Endpoint("api cases ?status=ordered (Beijing)", PROVINCIAL, q(f"{api}/cases/", status="ordered")),
        Endpoint("api cases deep page (Beijing)", PROVINCIAL, "deep:" + f"{api}/cases/"),
        Endpoint("api findings (Beijing)", PROVINCIAL, f"{api}/findings/"),
        Endpoint("api inspections (Beijing)", PROVINCIAL, f"{api}/inspections/"),
        Endpoint("api notices (Beijing)", PROVINCIAL, f"{api}/notices/"),
        Endpoint("/ (home, Beijing)", PROVINCIAL, "/"),
        Endpoint("/dashboard/ (Beijing)", PROVINCIAL, "/dashboard/"),
        Endpoint("/cases/ (Beijing)", PROVINCIAL, "/cases/"),
        Endpoint("/cases/ ?overdue (Beijing)", PROVINCIAL, q("/cases/", overdue="on")),
        Endpoint("/inspections/ (Beijing)", PROVINCIAL, "/inspections/"),
        Endpoint("/notices/ (Beijing)", PROVINCIAL, "/notices/"),
        Endpoint("/decisions/ (Beijing)", PROVINCIAL, "/decisions/"),
    ]
    return e


def rows_of(response: requests.Response) -> str:
    kind = response.headers.get("Content-Type", "")
    if "json" in kind:
        try:
            body = response.json()
        except ValueError:
            return "bad json"
        if isinstance(body, dict) and "results" in body:
            total = f"/{body['count']:,}" if "count" in body else ""
            return f"{len(body['results'])}{total} rows"
        if isinstance(body, list):
            return f"{len(body)} rows"
    return _size(len(response.content))


def _size(length: int) -> str:
    return f"{length:,} B" if length < 1024 else f"{length / 1024:,.0f} KiB"


def measure(client: Client, endpoint: Endpoint, args) -> Result:
    result = Result(endpoint.name, endpoint.role, endpoint.path)
    if endpoint.path is None:
        return result
    lock = threading.Lock()
    started = time.monotonic()
    issued = [0]

    def ask(session: requests.Session) -> tuple[str, requests.Response | None]:
        if args.client == "raw":
            try:
                return client.raw_get(endpoint.path, args.timeout), None
            except TimeoutError:
                return "timeout", None
            except OSError:
                return "error", None
        try:
            answer = client.get(session, endpoint.path, args.timeout)
            answer.content  # noqa: B018 (read to the end, as the raw client does)
            return str(answer.status_code), answer
        except requests.RequestException as error:
            return ("timeout" if isinstance(error, requests.Timeout) else "error"), None

    def worker():
        session = requests.Session()
        last = 0.0
        while True:
            with lock:
                # No new request once K were issued, or once this one would end past T (judged by
                # this client's last latency): a slow endpoint gets one request per client.
                if issued[0] >= args.requests or time.monotonic() - started + last >= args.seconds:
                    return
                issued[0] += 1
            t0 = time.monotonic()
            status, answer = ask(session)
            elapsed = last = time.monotonic() - t0
            with lock:
                result.latencies.append(elapsed)
                result.statuses[status] = result.statuses.get(status, 0) + 1
                if answer is not None and not result.rows and answer.status_code == 200:
                    result.rows = rows_of(answer)

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(args.clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if not result.rows and result.statuses.get("200"):
        # What the first page shows, asked once more outside the timed requests (the raw client
        # reads no body).
        answer = client.get(requests.Session(), endpoint.path, max(args.timeout, 60))
        if answer.status_code == 200:
            result.rows = rows_of(answer)
    if endpoint.expect_rows and result.rows.startswith("0") and "rows" in result.rows:
        result.rows += " (EMPTY)"
    return result


def drain(url: str, limit: float) -> None:
    """Wait (up to ``limit`` seconds) until no query runs on the database: a request the client gave up
    on (timeout) keeps its worker busy, and would slow the next endpoint's figures."""
    deadline = time.monotonic() + limit
    with psycopg.connect(url, autocommit=True) as conn:
        while time.monotonic() < deadline:
            busy = conn.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND state = 'active' AND backend_type = 'client backend' AND pid <> pg_backend_pid()"
            ).fetchone()[0]
            if not busy:
                return
            time.sleep(0.5)


def run_database(label: str, url: str, args, port: int, only: re.Pattern | None) -> tuple[dict, dict[str, Result]]:
    env = server_env(url, args.media_root, args.cache_url)
    subprocess.run(
        [str(PYTHON), "manage.py", "shell", "-c", ENSURE_PROVINCIAL],
        cwd=ROOT,
        env={**env, "DATABASE_URL": url},
        check=True,
        stdout=subprocess.DEVNULL,
    )
    f = facts(url)
    print(f"\n== {label}: {urlsplit(url).path.lstrip('/')} ({f['size']}, {f['cases']:,} cases, "
          f"{f['findings']:,} findings; {VENDOR} sees {f['vendor_cases']:,} served cases)", flush=True)  # fmt: skip
    log = ROOT / "bench" / "out" / f"api_load-gunicorn-{label}.log"
    server = Server(env, port, args.workers, log)
    results: dict[str, Result] = {}
    try:
        cookies = {
            REGULATOR: login(port, REGULATOR),
            VENDOR: login(port, VENDOR),
            PROVINCIAL: login(port, PROVINCIAL),
            ANONYMOUS: "",
        }
        clients = {role: Client(port, cookie) for role, cookie in cookies.items()}
        warm = requests.Session()
        for _ in range(2 * args.workers):
            clients[ANONYMOUS].get(warm, "/login/", max(args.timeout, 60))
        # A server that has been up a while: each endpoint asked once before any is measured (its
        # workers' first compiled templates and plans, the database's pages in memory), except the
        # open data's downloads (seconds each, and nothing for the other endpoints to gain).
        for endpoint in endpoints(f):
            if endpoint.path and not endpoint.path.startswith("deep:") and "open-data" not in endpoint.path:
                if not only or only.search(endpoint.name):
                    clients[endpoint.role].get(warm, endpoint.path, max(args.timeout, 60))
        for endpoint in endpoints(f):
            if only and not only.search(endpoint.name):
                continue
            if endpoint.path and endpoint.path.startswith("deep:"):
                endpoint.path = deep_page(clients[endpoint.role], endpoint.path[5:], args.timeout, env, endpoint.role)
            result = measure(clients[endpoint.role], endpoint, args)
            if "timeout" in result.statuses or "error" in result.statuses:
                # The workers are still computing answers nobody waits for: start afresh (sessions
                # live in the database and stay valid).
                server.stop()
                server = Server(env, port, args.workers, log)
                for _ in range(2 * args.workers):
                    clients[ANONYMOUS].get(warm, "/login/", max(args.timeout, 60))
            drain(url, args.timeout)
            results[endpoint.name] = result
            p50, p95 = result.quantile(0.5), result.quantile(0.95)
            print(
                f"  {endpoint.name:<38} {fmt(p50):>7} {fmt(p95):>7}  n={len(result.latencies):<3} "
                f"{statuses(result):<14} {result.rows}  {endpoint.path or '(nothing to ask)'}",
                flush=True,
            )
    finally:
        server.stop()
    return f, results


def fmt(seconds: float | None) -> str:
    return "—" if seconds is None else f"{seconds:.3f}" if seconds < 1 else f"{seconds:.2f}"


def statuses(result: Result) -> str:
    return " ".join(f"{code}×{count}" for code, count in sorted(result.statuses.items())) or "—"


def table(scale: dict[str, Result], demo: dict[str, Result]) -> str:
    lines = [
        "| endpoint | as | p50 scale (s) | p95 scale (s) | p95 demo (s) | ratio | n | statuses at scale | first page at scale |",  # noqa: E501
        "|---|---|---:|---:|---:|---:|---:|---|---|",
    ]
    for name, result in scale.items():
        other = demo.get(name)
        p95, p95_demo = result.quantile(0.95), other.quantile(0.95) if other else None
        ratio = f"{p95 / p95_demo:,.0f}×" if p95 and p95_demo else "—"
        # A timed-out request counts at the timeout's length: the true figure is at least that.
        at_least = "≥ " if "timeout" in result.statuses else ""
        lines.append(
            f"| {name} | {result.role} | {fmt(result.quantile(0.5))} | {at_least}{fmt(p95)} | {fmt(p95_demo)} | "
            f"{ratio} | "
            f"{len(result.latencies)} | {statuses(result)} | {result.rows} |"
        )
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale-db", default=os.environ.get("SCALE_DATABASE_URL", DEFAULT_SCALE_DB))
    parser.add_argument("--demo-db", default=DEFAULT_DEMO_DB)
    parser.add_argument("--only", help="regular expression on the endpoint names")
    parser.add_argument("--requests", type=int, default=16, help="requests per endpoint at most (K)")
    parser.add_argument("--seconds", type=float, default=6.0, help="seconds per endpoint at most (T)")
    parser.add_argument("--timeout", type=float, default=120.0, help="per-request timeout in seconds")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument(
        "--client",
        choices=["raw", "requests"],
        default="raw",
        help="how the measuring clients ask: a plain socket (default) or the requests library (before 2026-12-08)",
    )
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--port", type=int, default=int(os.environ.get("BENCH_PORT", "8150")))
    parser.add_argument("--media-root", default=os.environ.get("MEDIA_ROOT", "/tmp/rectify-bench-media"))
    parser.add_argument(
        "--cache-url",
        default=os.environ.get("BENCH_CACHE_URL", ""),
        help="CACHE_URL for gunicorn (a Redis database, as deployed); empty: each worker its own memory",
    )
    parser.add_argument("--out", default="api_load", help="file name (no extension) under bench/out/")
    args = parser.parse_args()
    only = re.compile(args.only) if args.only else None
    (ROOT / "bench" / "out").mkdir(exist_ok=True)

    if not database_exists(args.scale_db):
        raise SystemExit(f"{args.scale_db} does not exist: seed it first (bench/README.md, make bench-load).")
    env = server_env(args.demo_db, args.media_root)
    ensure_demo_db(args.demo_db, env)
    prepare(env)
    load = os.getloadavg()
    started = time.monotonic()
    demo_facts, demo = run_database("demo", args.demo_db, args, args.port + 1, only)
    scale_facts, scale = run_database("scale", args.scale_db, args, args.port, only)
    load_after = os.getloadavg()
    header = (
        f"{os.cpu_count()} cores, Python {platform.python_version()}, gunicorn {args.workers} sync workers "
        f"(production settings), {args.clients} clients ({args.client}), "
        f"at most {args.requests} requests or {args.seconds:g} s "
        f"per endpoint, timeout {args.timeout:g} s; scale database {scale_facts['size']} "
        f"({scale_facts['cases']:,} cases, {scale_facts['findings']:,} findings), demo {demo_facts['size']}; "
        f"load average {load[0]:.1f} before, {load_after[0]:.1f} after; {time.monotonic() - started:.0f} s in all"
    )
    text = header + "\n\n" + table(scale, demo)
    print("\n" + text)
    failed = [name for name, result in scale.items() if result.path and not result.ok]
    empty = [name for name, result in scale.items() if "EMPTY" in result.rows]
    if failed or empty:
        print(f"\nNot all 200 at scale: {failed}; empty first pages: {empty}")
    out = ROOT / "bench" / "out" / args.out
    out.with_suffix(".md").write_text(text + "\n", encoding="utf-8")
    out.with_suffix(".json").write_text(
        json.dumps(
            {
                "header": header,
                "endpoints": {
                    name: {
                        "role": r.role,
                        "path": r.path,
                        "scale": {"latencies": r.latencies, "statuses": r.statuses, "rows": r.rows},
                        "demo": (
                            {
                                "latencies": demo[name].latencies,
                                "statuses": demo[name].statuses,
                                "p95": demo[name].quantile(0.95),
                            }  # noqa: E501
                            if name in demo
                            else None
                        ),
                        "p50": r.quantile(0.5),
                        "p95": r.quantile(0.95),
                        "median": statistics.median(r.latencies) if r.latencies else None,
                    }
                    for name, r in scale.items()
                },
            },
            ensure_ascii=False,
            indent=1,
        ),
        encoding="utf-8",
    )
    print(f"\nwritten: {out.with_suffix('.md')} and .json")
    return 0


if __name__ == "__main__":
    sys.exit(main())
