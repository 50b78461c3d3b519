"""Browser tests: Playwright driving Debian's chromium against pytest-django's live server.

Never ``playwright install``: the project uses the distribution's chromium. Without it the tests
skip with a clear message, except under CI=true where a missing browser is a failure. The
``browser``, ``context`` and ``page`` fixtures below replace pytest-playwright's.
"""

import os
import shutil
from pathlib import Path

import pytest

# The sync Playwright API runs an event loop in the test thread; Django's ORM calls made by the
# test itself (fixtures, assertions) would otherwise be refused as "async-unsafe".
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

IN_CI = os.environ.get("CI", "").lower() == "true"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
PREVIEW_DIR = Path("/tmp/pages-preview")


def chromium_path() -> str | None:
    found = shutil.which("chromium")
    if found:
        return found
    return "/usr/bin/chromium" if os.access("/usr/bin/chromium", os.X_OK) else None


@pytest.fixture
def browser():
    """Debian's chromium, launched for one test (skipped, or failed under CI=true, when missing).

    These replace pytest-playwright's session-wide fixtures on purpose: a Playwright that stays
    started keeps an event loop in the main thread for the rest of the run, and then every later
    test that starts Playwright itself (``sync_playwright()``) fails inside that loop.
    """
    path = chromium_path()
    if path is None:
        message = "Debian's chromium is not installed (apt-get install chromium); browser tests need it"
        if IN_CI:
            pytest.fail(f"CI=true: {message}")
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=path, headless=True, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def context(browser):
    """A Chinese-language browser on a laptop-sized screen in the regulator's time zone."""
    opened = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai", viewport={"width": 1366, "height": 900})
    yield opened
    opened.close()


@pytest.fixture
def page(context):
    return context.new_page()


@pytest.fixture
def preview_dir() -> Path:
    PREVIEW_DIR.mkdir(parents=True, exist_ok=True)
    return PREVIEW_DIR


def restore_missing_rows(contents: str) -> int:
    """Reinsert the rows of ``contents`` (a serialized database) for every model whose table is empty.

    Tables refilled by Django after a flush (content types, permissions) are left alone.
    """
    from collections import defaultdict

    from django.core import serializers
    from django.core.management.color import no_style
    from django.db import connection, transaction

    by_model = defaultdict(list)
    for item in serializers.deserialize("json", contents):
        by_model[type(item.object)].append(item)
    restored = [model for model in by_model if not model._base_manager.exists()]
    with transaction.atomic():
        for model in restored:
            for item in by_model[model]:
                item.save()
        with connection.cursor() as cursor:
            for sql in connection.ops.sequence_reset_sql(no_style(), restored):
                cursor.execute(sql)
    return sum(len(by_model[model]) for model in restored)


# The seed snapshot and the database blocker, for the teardown hook below.
_SEED: dict = {}


@pytest.fixture(scope="session", autouse=True)
def seed_snapshot(django_db_setup, django_db_blocker):
    """The migrations' seed rows (violation types, the official calendar...), kept for restoring.

    A live-server test is transactional and ends by flushing every table. ``serialized_rollback``
    reloads the rows before the next such test, but nothing reloads them after the last one: the
    tests that follow, or the next ``--reuse-db`` run, would find no seed data. So the rows are
    captured here and put back after each browser test (``pytest_runtest_teardown``).
    """
    from django.db import connection

    with django_db_blocker.unblock():
        contents = connection.creation.serialize_db_to_string()
    _SEED.update(contents=contents, blocker=django_db_blocker)
    yield contents
    _SEED.clear()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_teardown(item, nextitem):
    yield  # every fixture of the test is torn down now, the final flush included
    if _SEED:
        with _SEED["blocker"].unblock():
            restore_missing_rows(_SEED["contents"])


@pytest.fixture
def seed_data(transactional_db, seed_snapshot):
    """Seed rows present for this test; fail clearly when a reused database had lost them."""
    from cases.models import ViolationType

    restore_missing_rows(seed_snapshot)
    if not ViolationType.objects.exists():
        pytest.fail("the test database has no seed data (flushed by an earlier run): run pytest with --create-db")
