"""Fixtures for notices: cases in a given state with confirmed findings, a recording renderer,
a private media folder, a clean cache and a frozen clock (Friday 2025-09-26, 10:00 in Shanghai:
five working days later is 2025-10-10, NOTICE-FORMAT.md §4)."""

import datetime
import hashlib
import json

import pytest
from django.core.cache import cache
from freezegun import freeze_time

from cases.models import CaseStatus, FindingStatus, ViolationType
from notices import rendering
from notices.models import NoticeCounter, NoticeSeries
from tests import factories

FROZEN_NOW = "2025-09-26 02:00:00"  # UTC: 10:00 in Asia/Shanghai
SERVED_ON = datetime.date(2025, 9, 26)
DEADLINE = datetime.date(2025, 10, 10)


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.REGISTER_EXPORT_DIR = tmp_path / "register-exports"


@pytest.fixture(autouse=True)
def _reference_data(request):
    """A transactional test anywhere in the run flushes the migration-seeded taxonomy and calendar
    (and --reuse-db keeps that state): put them back before each database test here."""
    if request.node.get_closest_marker("django_db"):
        ensure_reference_data()


@pytest.fixture(autouse=True)
def _clean_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def frozen():
    with freeze_time(FROZEN_NOW, tick=True) as clock:
        yield clock


class RecordingRenderer:
    """Stands in for the PDF renderer: deterministic bytes that carry the document's fields."""

    def __init__(self):
        self.documents = []

    def __call__(self, doc) -> bytes:
        self.documents.append(doc)
        payload = {
            "kind": doc.kind,
            "title": doc.title,
            "batch_line": doc.batch_line,
            "doc_number": doc.doc_number,
            "opening": doc.opening,
            "closing": doc.closing,
            "date": doc.date.isoformat(),
            "rows": [[r.seq, r.name, r.developer, r.source, r.version, r.issues] for r in doc.rows],
            "items": [i.violation_code for i in doc.items],
            "access_code": doc.access_code,
            "deadline": doc.deadline.isoformat() if doc.deadline else None,
        }
        return b"%PDF-1.7\n% fake\n" + json.dumps(payload, ensure_ascii=False).encode() + b"\n%%EOF\n"


@pytest.fixture
def renderer(monkeypatch):
    fake = RecordingRenderer()
    monkeypatch.setattr(rendering, "render_notice_pdf", fake, raising=False)
    return fake


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def make_case(
    status: str = CaseStatus.OVERDUE,
    *,
    product=None,
    version: str | None = None,
    source: str = "应用宝",
    codes=("PI-01",),
    deadline: datetime.date | None = None,
    campaign=None,
    kind=None,
    authority=None,
):
    """A case in ``status`` (set directly, as the workflow tests do) with confirmed findings, of
    ``authority`` (default: the ministry's bureau)."""
    pv_kwargs = {"source": source}
    if product is not None:
        pv_kwargs["product"] = product
    elif kind is not None:
        pv_kwargs["product"] = factories.ProductFactory(kind=kind)
    if version is not None:
        pv_kwargs["version"] = version
    pv = factories.ProductVersionFactory(**pv_kwargs)
    case_kwargs = {"product_version": pv}
    if campaign is not None:
        case_kwargs["campaign"] = campaign
    if authority is not None:
        case_kwargs["authority"] = authority
    case = factories.CaseFactory(**case_kwargs)
    inspection = factories.InspectionFactory(
        product_version=pv, campaign=case.campaign, date=datetime.date(2025, 9, 1), authority=case.authority
    )
    for code in codes:
        factories.FindingFactory(
            inspection=inspection,
            case=case,
            status=FindingStatus.CONFIRMED,
            violation_type=ViolationType.objects.get(code=code),
            title=f"检测发现{code}",
        )
    type(case).objects.filter(pk=case.pk).update(status=status, deadline=deadline)
    case.refresh_from_db()
    return case


@pytest.fixture
def case_in():
    return make_case


def ensure_reference_data():
    """Transactional tests start from a flushed database: put back what migrations seeded."""
    from importlib import import_module

    from cases.clock.upkeep import calendar_seed_from_file
    from cases.models import CalendarYear

    if not ViolationType.objects.exists():
        for module in ("0002_seed_violation_types", "0009_i12_security_measures_type"):
            seed = import_module(f"cases.migrations.{module}")
            for code, name_zh, name_en, applies_to, legal_basis in seed.VIOLATION_TYPES:
                ViolationType.objects.create(
                    code=code, name_zh=name_zh, name_en=name_en, applies_to=applies_to, legal_basis=legal_basis
                )
        # Offline scenarios (issue 16): applies_to extended, OS-01..04 added.
        from django.apps import apps

        import_module("cases.migrations.0022_i16_scenarios_taxonomy").seed(apps, None)
    if not CalendarYear.objects.filter(year=2025).exists():
        calendar_seed_from_file()
    for series in NoticeSeries.values:
        NoticeCounter.objects.get_or_create(series=series)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_teardown(item, nextitem):
    """After a transactional test here has flushed the database, put the migration-seeded
    reference data back, so tests that run later (or in the next --reuse-db run) find it."""
    yield
    marker = item.get_closest_marker("django_db")
    if marker is None or not marker.kwargs.get("transaction"):
        return
    from pytest_django.plugin import blocking_manager_key

    with item.config.stash[blocking_manager_key].unblock():
        ensure_reference_data()
