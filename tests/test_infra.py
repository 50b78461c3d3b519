"""The build's own contracts: migrations match the models, the translation catalogue compiles,
the demo data loads and loads again without change."""

import gettext
import os
import re
import shutil
import subprocess
import sys
from io import StringIO

import pytest
from django.core.management import call_command

from accounts.models import User
from accounts.roles import Role
from cases.management.commands.load_demo import DEMO_PASSWORD
from cases.models import Campaign, Case, CaseEvent, CaseStatus, Finding, FindingStatus, Inspection
from products.models import Product, ProductKind, ProductVersion, TerminalCategory, Vendor
from products.validators import validate_uscc

from .conftest import ROOT, skip_or_fail

CATALOGUE = ROOT / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"


@pytest.mark.django_db
def test_models_and_migrations_agree():
    out = StringIO()
    try:
        call_command("makemigrations", "--check", "--dry-run", stdout=out, stderr=out)
    except SystemExit:
        pytest.fail(f"makemigrations --check found model changes without a migration:\n{out.getvalue()}")
    assert "No changes detected" in out.getvalue()


def test_the_committed_translation_catalogue_compiles(tmp_path):
    msgfmt = shutil.which("msgfmt")
    if not msgfmt:
        skip_or_fail("gettext's msgfmt is not installed (apt-get install gettext)")
    assert CATALOGUE.is_file(), f"the zh-hans catalogue is missing: {CATALOGUE}"
    compiled = tmp_path / "django.mo"

    result = subprocess.run(
        [msgfmt, "--check", "--statistics", "--output-file", str(compiled), str(CATALOGUE)],
        capture_output=True,
        text=True,
        env={"LC_ALL": "C", "PATH": "/usr/bin:/bin"},
    )

    assert result.returncode == 0, result.stderr
    translated = re.match(r"(\d+) translated message", result.stderr)
    assert translated and int(translated.group(1)) > 0, result.stderr
    with compiled.open("rb") as f:
        catalogue = gettext.GNUTranslations(f)  # Python reads what Django will read
    assert catalogue.info()["content-type"].lower().endswith("charset=utf-8")


def test_every_message_of_the_catalogue_is_translated_and_checked():
    msgfmt = shutil.which("msgfmt")
    if not msgfmt:
        skip_or_fail("gettext's msgfmt is not installed (apt-get install gettext)")
    result = subprocess.run(
        [msgfmt, "--statistics", "--output-file", "/dev/null", str(CATALOGUE)],
        capture_output=True,
        text=True,
        env={"LC_ALL": "C", "PATH": "/usr/bin:/bin"},
    )

    # An empty msgstr shows English on a zh-hans page; a fuzzy one is not used at all.
    assert result.returncode == 0, result.stderr
    assert "fuzzy" not in result.stderr and "untranslated" not in result.stderr, result.stderr


@pytest.mark.django_db
def test_demo_data_loads_and_a_second_load_changes_nothing():
    first = StringIO()
    call_command("load_demo", stdout=first)
    counts = {model: model.objects.count() for model in (User, Vendor, Product, Inspection, Finding, Case, CaseEvent)}
    statuses = dict(Case.objects.values_list("number", "status"))

    second = StringIO()
    call_command("load_demo", stdout=second)

    assert {model: model.objects.count() for model in counts} == counts
    assert dict(Case.objects.values_list("number", "status")) == statuses
    for username in ("admin", "inspector", "reviewer", "vendor_a", "vendor_b"):
        assert username in first.getvalue()
        assert username in second.getvalue()


@pytest.mark.django_db
def test_demo_data_covers_every_role_and_a_realistic_spread():
    call_command("load_demo", stdout=StringIO())

    users = {u.username: u for u in User.objects.all()}
    assert users["admin"].role == Role.ADMIN and users["admin"].is_superuser
    assert users["inspector"].role == Role.INSPECTOR
    assert users["reviewer"].role == Role.REVIEWER
    assert users["vendor_a"].membership.vendor != users["vendor_b"].membership.vendor
    assert users["vendor_a"].check_password(DEMO_PASSWORD)
    assert Campaign.objects.count() == 1
    for vendor in Vendor.objects.all():
        validate_uscc(vendor.credit_code)
    kinds = set(Product.objects.values_list("kind", flat=True))
    assert {ProductKind.APP, ProductKind.SDK, ProductKind.TERMINAL} <= kinds
    categories = set(Product.objects.exclude(terminal_category="").values_list("terminal_category", flat=True))
    assert {
        TerminalCategory.SMART_SPEAKER,
        TerminalCategory.DOOR_LOCK,
        TerminalCategory.LEARNING_TERMINAL,
        TerminalCategory.CHILDRENS_WATCH,
    } <= categories
    assert ProductVersion.objects.count() >= Product.objects.count()
    assert set(Finding.objects.values_list("status", flat=True)) == set(FindingStatus.values)
    assert len(set(Case.objects.values_list("status", flat=True))) >= 5
    # Every case that left "open" did so through the workflow, which wrote its events.
    for case in Case.objects.exclude(status=CaseStatus.OPEN):
        assert case.events.filter(to_status=case.status).exists(), case.number


def _with_services(ci: str, *command: str) -> subprocess.CompletedProcess:
    """Run .ci/with_services.py with PostgreSQL and Redis pointed at ports where nothing listens."""
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "CI": ci,
        "DATABASE_URL": "postgres://postgres@127.0.0.1:1/rectify",
        "REDIS_URL": "redis://127.0.0.1:1/15",
    }
    return subprocess.run(
        [sys.executable, str(ROOT / ".ci" / "with_services.py"), *command],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_without_services_the_tests_fall_back_to_sqlite_loudly():
    result = _with_services(
        "", sys.executable, "-c", "import os; print(os.environ['DATABASE_URL'], 'REDIS_URL' in os.environ)"
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["sqlite:///test-fallback.sqlite3", "False"]
    assert "FALLING BACK TO SQLITE" in result.stderr
    assert "Redis-only tests" in result.stderr


def test_under_ci_missing_services_fail_before_any_test_runs():
    result = _with_services("true", sys.executable, "-c", "print('tests ran')")

    assert result.returncode == 2
    assert "tests ran" not in result.stdout
    assert "CI=true and a required service does not answer" in result.stderr
    assert "PostgreSQL (postgres://postgres@127.0.0.1:1/rectify)" in result.stderr
    assert "Redis (redis://127.0.0.1:1/15)" in result.stderr
