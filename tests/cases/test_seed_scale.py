"""manage.py seed_scale: the scale data for load benchmarks is what the app treats as valid."""

import io

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.models import Count, F

from accounts.models import Authority, User
from cases import seeding
from cases.dashboard import figures as dashboard_figures
from cases.models import Case, CaseEvent, Evidence, Finding, Inspection
from notices.models import Notice, NoticeCounter, NoticeEntry, NoticeEvent, NoticeSeries
from products.models import Product, ProductVersion, Vendor, VendorEvent
from tests.cases.test_carried import disagreeing

SCALE = 0.001


@pytest.fixture
def seeded(require_postgresql, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    out = io.StringIO()
    call_command("seed_scale", scale=SCALE, seed=3, stdout=out)
    return out.getvalue()


def test_seed_scale_writes_the_volume_asked(seeded):
    counts = seeding.counts_for(SCALE)
    assert Vendor.objects.count() == counts["vendors"]
    assert Product.objects.count() == counts["products"]
    assert ProductVersion.objects.count() == counts["versions"]
    assert Inspection.objects.count() == counts["inspections"]
    assert Case.objects.count() == counts["cases"]
    assert Finding.objects.count() == counts["findings"]
    assert Evidence.objects.count() == counts["evidence"]
    assert Notice.objects.filter(status="published").count() == counts["notices"]
    assert NoticeEntry.objects.count() == counts["entries"]
    audit = CaseEvent.objects.count() + NoticeEvent.objects.count() + VendorEvent.objects.count()
    assert audit == counts["audit_events"]
    assert CaseEvent.objects.filter(kind="reminder_sent").exists()
    # Every case has a confirmed finding of its own inspection's version, and a number.
    assert not Case.objects.filter(findings__isnull=True).exists()
    assert Case.objects.filter(number__startswith="RC-").count() == counts["cases"]
    # The counters moved past the seeded numbers: the next real publication does not collide.
    for counter in NoticeCounter.objects.all():
        issued = Notice.objects.filter(issuer=counter.authority_id, series=counter.series)
        assert counter.overall == issued.count()
        assert sorted(issued.values_list("overall_number", flat=True)) == list(range(1, counter.overall + 1))
    assert "Total" in seeded and "database size" in seeded


def test_seeded_dashboard_figures_agree_with_a_recount(seeded):
    # COPY bypasses the services that move the figures: seed_scale recounts them at the end.
    assert dashboard_figures.stored() == dashboard_figures.recount()
    assert any(row for row in dashboard_figures.stored())


def test_seeded_data_answers_the_api_and_pages(seeded, client):
    client.force_login(
        User.objects.create_user("seed-admin", password="x", role="admin", authority=Authority.objects.national())
    )
    response = client.get("/api/v1/cases/")
    assert response.status_code == 200
    assert response.json()["count"] == Case.objects.count()
    case = Case.objects.exclude(status="open").order_by("id").first()
    assert client.get(f"/cases/{case.pk}/").status_code == 200
    notice = Notice.objects.filter(status="published").first()
    pdf = client.get(f"/register/{notice.pk}/pdf/")  # the placeholder's bytes match the recorded hash
    assert pdf.status_code == 200
    assert b"".join(pdf.streaming_content) == seeding.PLACEHOLDER_PDF


def test_seed_scale_refuses_a_database_with_other_data(seeded):
    with pytest.raises(CommandError, match="already holds scale seed data"):
        call_command("seed_scale", scale=SCALE, stdout=io.StringIO())


def test_seed_scale_refuses_sqlite(db):
    if connection.vendor == "postgresql":
        pytest.skip("checks the refusal on SQLite")
    with pytest.raises(CommandError, match="needs PostgreSQL"):
        call_command("seed_scale", scale=SCALE, stdout=io.StringIO())


def test_seed_scale_refuses_a_database_with_real_data(require_postgresql, case_factory):
    case_factory()  # a campaign that is not the demo's
    with pytest.raises(CommandError, match="other than the demo"):
        call_command("seed_scale", scale=SCALE, stdout=io.StringIO())
    assert not Case.objects.filter(campaign__name_en__startswith=seeding.SEED_MARK).exists()


def test_seeded_records_belong_to_the_ministry_and_the_provinces(seeded):
    """The scale data spreads inspections, cases and notices over the authorities (issue 17), each
    case with its inspection's authority; provincial regulators exist to measure the scoped view."""
    national = Authority.objects.national()
    by_authority = dict(Case.objects.values_list("authority").annotate(n=Count("id")).values_list("authority", "n"))
    assert national.pk in by_authority and len(by_authority) > 5
    assert not Finding.objects.filter(case__isnull=False).exclude(case__authority=F("inspection__authority")).exists()
    # The carried columns (issue 14): each inspection's vendor, each finding's authority and vendor.
    assert disagreeing() == {"inspections": [], "findings": []}
    assert Finding.objects.exclude(authority=national).exists()
    assert Notice.objects.filter(status="published").exclude(issuer=national).exists()
    assert User.objects.get(username="seed_reviewer_04").authority.code == "110000"
    assert User.objects.get(username="seed_reviewer_05").authority.code == "440000"
    assert not User.objects.filter(role="vendor", authority__isnull=False).exists()


def test_seed_scale_adds_to_a_database_holding_the_demo(require_postgresql, settings, tmp_path):
    """The README's steps: migrate, load_demo, seed_scale. The demo publishes notices of its own: the
    seeded batches of a year go on after the demo's (the 2026 batch 1 is the demo's)."""
    settings.MEDIA_ROOT = tmp_path
    call_command("load_demo", stdout=io.StringIO())
    demo = set(Notice.objects.values_list("pk", "issuer", "series", "year", "batch_number"))
    assert demo
    call_command("seed_scale", scale=0.01, seed=5, stdout=io.StringIO())
    assert set(Notice.objects.filter(pk__in=[row[0] for row in demo]).values_list(
        "pk", "issuer", "series", "year", "batch_number")) == demo  # fmt: skip
    for counter in NoticeCounter.objects.all():
        issued = Notice.objects.filter(issuer=counter.authority_id, series=counter.series)
        assert counter.overall == issued.count()
        if counter.series != NoticeSeries.ORDER:  # orders are numbered by document number, not batch
            this_year = issued.filter(year=counter.year).values_list("batch_number", flat=True)
            assert sorted(this_year) == list(range(1, counter.yearly + 1))
