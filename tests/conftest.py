import os
from pathlib import Path

import pytest

from accounts.roles import Role

from . import factories

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT.parent / "shared" / "corpus"
IN_CI = os.environ.get("CI", "").lower() == "true"


def corpus_path(*parts: str) -> Path:
    """A file of the shared scanner corpus. Skips without ../shared, except under CI where it fails."""
    path = CORPUS.joinpath(*parts)
    if not CORPUS.is_dir():
        if IN_CI:
            pytest.fail(f"CI=true but the scanner corpus is missing at {CORPUS}")
        pytest.skip(f"scanner corpus not present at {CORPUS} (it lives in ../shared beside a developer checkout)")
    return path


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
