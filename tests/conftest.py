import os
import shutil
from pathlib import Path

import pytest

# DRF's throttles keep ``timer = time.time`` as a class attribute: imported for the first time under
# freezegun, that attribute is freezegun's function, bound as a method, and every throttled request
# fails ("fake_time() takes 0 positional arguments"). Imported here, before any test freezes time.
import rest_framework.throttling  # noqa: F401

from accounts.roles import Role

from . import factories

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT.parent / "shared" / "corpus"
IN_CI = os.environ.get("CI", "").lower() == "true"
# The Redis database the tests may use (the worker test's broker); `make test` passes REDIS_URL.
DEFAULT_TEST_REDIS_URL = "redis://127.0.0.1:6379/15"


def redis_url() -> str:
    return os.environ.get("REDIS_URL") or DEFAULT_TEST_REDIS_URL


def redis_unreachable_reason(url: str) -> str:
    """Why Redis at ``url`` does not answer a PING, or "" when it does."""
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2).ping()
    except redis.RedisError as exc:
        return f"{type(exc).__name__}: {exc}"
    return ""


def skip_or_fail(reason: str) -> None:
    """Skip a test that needs a real service, except under CI=true where a missing service fails."""
    if IN_CI:
        pytest.fail(f"CI=true: {reason}")
    pytest.skip(reason)


def _flush_past_the_truncate_triggers() -> None:
    """Let the test database flush empty the append-only tables.

    Their statement-level triggers refuse TRUNCATE (ARCHITECTURE.md §6); a transactional test ends
    with Django's flush, which truncates every table. The flush alone runs with
    ``session_replication_role = replica`` (ordinary triggers do not fire), set for its transaction
    only; the setting needs a superuser, so the application's role could not do the same.
    """
    from django.db import transaction
    from django.db.backends.postgresql.operations import DatabaseOperations

    real = DatabaseOperations.execute_sql_flush
    if getattr(real, "past_truncate_triggers", False):
        return

    def execute_sql_flush(self, sql_list):
        with transaction.atomic(using=self.connection.alias):
            with self.connection.cursor() as cursor:
                cursor.execute("SET LOCAL session_replication_role = replica")
            real(self, sql_list)

    execute_sql_flush.past_truncate_triggers = True
    DatabaseOperations.execute_sql_flush = execute_sql_flush


def pytest_sessionstart(session):
    _flush_past_the_truncate_triggers()
    """Under CI=true, refuse to run on the embedded fallbacks: PostgreSQL and Redis must answer."""
    if not IN_CI:
        return
    from django.conf import settings

    engine = settings.DATABASES["default"]["ENGINE"]
    if not engine.endswith("postgresql"):
        pytest.exit(f"CI=true but the test database is {engine}, not PostgreSQL (check DATABASE_URL)", returncode=3)
    reason = redis_unreachable_reason(redis_url())
    if reason:
        pytest.exit(f"CI=true but Redis at {redis_url()} does not answer: {reason}", returncode=3)


def corpus_path(*parts: str) -> Path:
    """A file of the shared scanner corpus. Skips without ../shared, except under CI where it fails."""
    path = CORPUS.joinpath(*parts)
    if not CORPUS.is_dir():
        if IN_CI:
            pytest.fail(f"CI=true but the scanner corpus is missing at {CORPUS}")
        pytest.skip(f"scanner corpus not present at {CORPUS} (it lives in ../shared beside a developer checkout)")
    return path


# Rows that migrations seed (the violation taxonomy, the official calendar, notice counters...).
# A transactional test ends with Django flushing every table, which takes them too; they are put
# back before the next database test and at the end of the session (so --reuse-db finds them).
SEEDED_APPS = ("accounts", "products", "cases", "notices")
_seed_state = {"flushed": False}


def _seed_snapshot() -> dict:
    from django.apps import apps

    snapshot = {}
    for label in SEEDED_APPS:
        for model in apps.get_app_config(label).get_models():
            rows = list(model._base_manager.order_by("pk"))
            if rows:
                snapshot[model] = rows
    return snapshot


def _seed_restore(snapshot: dict) -> None:
    """Reinsert the seeded rows of every table that was emptied; reset its sequence after."""
    from django.core.management.color import no_style
    from django.db import connection, transaction

    emptied = [model for model in snapshot if not model._base_manager.exists()]
    with transaction.atomic():
        for model in emptied:
            model._base_manager.bulk_create(snapshot[model])
        with connection.cursor() as cursor:
            for sql in connection.ops.sequence_reset_sql(no_style(), emptied):
                cursor.execute(sql)


@pytest.fixture(scope="session")
def seed_rows(django_db_setup, django_db_blocker):
    """The seeded rows as the migrations left them in the fresh test database."""
    with django_db_blocker.unblock():
        snapshot = _seed_snapshot()
    yield snapshot
    if _seed_state["flushed"]:
        with django_db_blocker.unblock():
            _seed_restore(snapshot)


def _uses_transactional_db(request) -> bool | None:
    """True for a transactional database test, False for a plain one, None without database."""
    from pytest_django.fixtures import validate_django_db

    marker = request.node.get_closest_marker("django_db")
    transactional, reset_sequences = validate_django_db(marker)[:2] if marker else (False, False)
    names = set(request.fixturenames)
    if transactional or reset_sequences or names & {"transactional_db", "live_server"}:
        return True
    if marker or "db" in names:
        return False
    return None


@pytest.fixture(autouse=True)
def _seeded_rows_present(request):
    transactional = _uses_transactional_db(request)
    if transactional is None:
        yield
        return
    request.getfixturevalue("transactional_db" if transactional else "db")
    snapshot = request.getfixturevalue("seed_rows")
    if _seed_state["flushed"]:
        _seed_restore(snapshot)
        # Restored for good only outside a test transaction (which rolls back).
        _seed_state["flushed"] = not transactional
    yield
    if transactional:
        _seed_state["flushed"] = True


@pytest.fixture
def require_postgresql(db):
    """For tests of what only PostgreSQL does (triggers, locks, several processes on one database)."""
    from django.db import connection

    if connection.vendor != "postgresql":
        skip_or_fail(f"needs PostgreSQL; the test database is {connection.vendor} (set DATABASE_URL)")


@pytest.fixture(scope="session")
def redis_broker_url():
    """A Redis URL that answers; skips without Redis (fails under CI=true)."""
    url = redis_url()
    reason = redis_unreachable_reason(url)
    if reason:
        skip_or_fail(f"needs Redis at {url}: {reason}")
    return url


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """Drive Debian's chromium (never a browser downloaded by `playwright install`)."""
    chromium = shutil.which("chromium")
    if not chromium:
        skip_or_fail("Debian's chromium is not installed (apt-get install chromium)")
    return {
        **browser_type_launch_args,
        "executable_path": chromium,
        "args": [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ],
    }


@pytest.fixture
def corpus():
    return corpus_path


@pytest.fixture
def user_factory(db):
    return factories.UserFactory


@pytest.fixture
def vendor_factory(db):
    return factories.VendorFactory


@pytest.fixture
def vendor_user_factory(db):
    return factories.VendorUserFactory


@pytest.fixture
def product_factory(db):
    return factories.ProductFactory


@pytest.fixture
def version_factory(db):
    return factories.ProductVersionFactory


@pytest.fixture
def campaign_factory(db):
    return factories.CampaignFactory


@pytest.fixture
def inspection_factory(db):
    return factories.InspectionFactory


@pytest.fixture
def finding_factory(db):
    return factories.FindingFactory


@pytest.fixture
def case_factory(db):
    return factories.CaseFactory


@pytest.fixture
def admin_user(db):
    return factories.UserFactory(role=Role.ADMIN, username="admin1", is_staff=True, is_superuser=True)


@pytest.fixture
def inspector(db):
    return factories.UserFactory(role=Role.INSPECTOR, username="inspector1")


@pytest.fixture
def reviewer(db):
    return factories.UserFactory(role=Role.REVIEWER, username="reviewer1")


@pytest.fixture
def vendor_user(db):
    return factories.VendorUserFactory(username="vendor1")


@pytest.fixture
def api_client():
    from rest_framework.test import APIClient

    return APIClient()
