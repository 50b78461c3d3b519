"""Cases per authority (ARCHITECTURE.md §15): who sees and acts on which authority's records, and
the transfer of a case to another authority."""

from importlib import import_module

import pytest
from django.core import mail
from django.utils import translation

from accounts.errors import InvalidInput, NotFound
from accounts.models import Authority
from accounts.roles import Role
from accounts.scoping import OtherAuthority
from cases import events, selectors, services, transfers, workflow
from cases.models import CaseStatus
from outbox.jobs import outbox_job_run
from outbox.models import OutboxJob
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    beijing, guangdong = factories.province("110000"), factories.province("440000")
    return {
        "beijing": beijing,
        "guangdong": guangdong,
        "bj": factories.UserFactory(role=Role.REVIEWER, authority=beijing, email="bj@miit.test"),
        "gd": factories.UserFactory(role=Role.REVIEWER, authority=guangdong, email="gd@miit.test"),
        "national": factories.UserFactory(role=Role.REVIEWER, email="ministry@miit.test"),
        "case_bj": factories.CaseFactory(authority=beijing),
        "case_gd": factories.CaseFactory(authority=guangdong),
        "case_ministry": factories.CaseFactory(),
    }


def test_the_ministry_and_the_31_provinces_are_seeded():
    # What the migration seeds (run again: a transactional test may have flushed the table).
    from django.apps import apps

    migration = import_module("accounts.migrations.0004_i17_authorities_authority")
    migration.seed(apps, None)
    migration.seed(apps, None)  # idempotent
    authorities = Authority.objects.all()
    assert authorities.count() == 32
    assert authorities.filter(level="national").get().name == "工业和信息化部信息通信管理局"
    provinces = authorities.filter(level="provincial")
    assert all(a.name.endswith("通信管理局") and len(a.code) == 6 and a.code.endswith("0000") for a in provinces)
    with translation.override("en"):
        regions = {a.region for a in provinces}
    assert regions == {
        "North China",
        "Northeast",
        "East China",
        "Central and South",
        "Southwest",
        "Northwest",
    }
    assert provinces.get(code="440000").order_prefix == "粤信管函"


def test_a_province_sees_its_own_cases_and_the_ministry_all(world):
    def visible(actor):
        return set(selectors.case_list(actor=actor).values_list("pk", flat=True))

    bj, gd, ministry = world["case_bj"].pk, world["case_gd"].pk, world["case_ministry"].pk
    assert visible(world["bj"]) == {bj}
    assert visible(world["gd"]) == {gd}
    assert visible(world["national"]) == {bj, gd, ministry}
    with pytest.raises(NotFound):
        selectors.case_get_for(actor=world["bj"], case_id=gd)


def test_a_regulator_without_authority_sees_nothing(world):
    lost = factories.UserFactory(role=Role.REVIEWER, authority=None)
    assert not selectors.case_list(actor=lost).exists()
    assert not selectors.inspection_queryset_for(actor=lost).exists()


def test_the_ministry_acts_on_a_province_only_where_delegated(world):
    case = world["case_bj"]
    with pytest.raises(OtherAuthority):
        workflow.withdraw_case(case=case, actor=world["national"], reason="重复立案")
    with pytest.raises(OtherAuthority):
        workflow.withdraw_case(case=case, actor=world["gd"], reason="重复立案")
    Authority.objects.filter(pk=world["beijing"].pk).update(delegated_to_national=True)
    assert workflow.withdraw_case(case=case, actor=world["national"], reason="重复立案").status == CaseStatus.WITHDRAWN


def test_a_scan_joins_another_authoritys_inspection_only_where_delegated(world, settings, tmp_path):
    """Uploading, retrying and withdrawing a scan act on the inspection's authority (issue 17)."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from cases.ingest import jobs

    settings.MEDIA_ROOT = str(tmp_path)
    inspection = factories.InspectionFactory(authority=world["beijing"])
    har = b'{"log": {"version": "1.2", "creator": {"name": "t", "version": "1"}, "entries": []}}'

    def upload(actor):
        return jobs.scan_job_create(actor=actor, inspection=inspection, uploaded=SimpleUploadedFile("a.har", har))

    for outsider in (world["national"], world["gd"]):
        with pytest.raises(OtherAuthority):
            upload(outsider)
    job, created = upload(world["bj"])
    assert created
    for outsider in (world["national"], world["gd"]):
        with pytest.raises(OtherAuthority):
            jobs.scan_job_retry(actor=outsider, job=job)
        with pytest.raises(OtherAuthority):
            jobs.scan_job_withdraw(actor=outsider, job=job, reason="误传")
    Authority.objects.filter(pk=world["beijing"].pk).update(delegated_to_national=True)
    assert upload(world["national"])[0].pk == job.pk  # the same file: the same job
    with pytest.raises(OtherAuthority):  # delegation lets the ministry in, not another province
        upload(world["gd"])


def test_the_drills_scan_their_own_inspection(settings, tmp_path):
    """The drills upload through ``bench/drill_recovery.make_job`` (an inspector and an inspection
    made by ``bench/ingest._fixtures``): the inspector must belong to the inspection's authority, or
    the scan check refuses the drills' own scans (the reason issue 17's check was once backed out)."""
    import sys

    from tests.conftest import ROOT

    sys.path.insert(0, str(ROOT / "bench"))
    from drill_recovery import make_job

    from accounts.scoping import may_act

    settings.MEDIA_ROOT = str(tmp_path / "media")
    har = tmp_path / "drill.har"
    har.write_bytes(b'{"log": {"version": "1.2", "creator": {"name": "t", "version": "1"}, "entries": []}}')
    job = make_job(har)
    inspector, inspection = job.created_by, job.inspection
    assert inspector.authority_id is not None and inspection.authority_id == inspector.authority_id
    assert may_act(inspector, inspection.authority_id)


def test_findings_and_a_case_are_the_inspections_authoritys(world):
    """Recording, confirming and dismissing a finding and opening a case act on the inspection's
    authority (issue 17's audit of the doors that had the check without a test)."""
    from cases.models import FindingStatus, ViolationType

    inspection = factories.InspectionFactory(authority=world["beijing"])
    candidate = factories.FindingFactory(inspection=inspection)
    confirmed = factories.FindingFactory(inspection=inspection, status=FindingStatus.CONFIRMED)
    for outsider in (world["national"], world["gd"]):
        with pytest.raises(OtherAuthority):
            services.finding_create_manual(
                actor=outsider, inspection=inspection, violation_type=ViolationType.objects.get(code="PI-01"), title="t"
            )
        with pytest.raises(OtherAuthority):
            services.finding_confirm(actor=outsider, finding=candidate)
        with pytest.raises(OtherAuthority):
            services.finding_dismiss(actor=outsider, finding=candidate, reason="误报")
        with pytest.raises(OtherAuthority):
            services.case_open(actor=outsider, findings=[confirmed])
    assert inspection.findings.count() == 2 and not inspection.findings.filter(case__isnull=False).exists()
    candidate.refresh_from_db()
    assert candidate.status == FindingStatus.CANDIDATE
    assert services.case_open(actor=world["bj"], findings=[confirmed]).authority == world["beijing"]


def test_an_inspection_belongs_to_its_inspectors_authority_in_a_campaign_it_joined(world):
    inspector = factories.UserFactory(role=Role.INSPECTOR, authority=world["beijing"])
    national_campaign = factories.CampaignFactory()
    guangdong_campaign = factories.CampaignFactory(authority=world["guangdong"])
    common = {
        "actor": inspector,
        "product_version": factories.ProductVersionFactory(),
        "agency": factories.TestingAgencyFactory(),
        "date": "2025-09-20",
        "method": "manual",
    }
    with pytest.raises(InvalidInput) as refused:
        services.inspection_create(campaign=national_campaign, **common)
    assert refused.value.code == "campaign_not_joined"
    with pytest.raises(InvalidInput):
        services.inspection_create(campaign=guangdong_campaign, **common)
    national_campaign.participants.add(world["beijing"])
    inspection = services.inspection_create(campaign=national_campaign, **common)
    assert inspection.authority == world["beijing"]
    assert set(selectors.campaign_choices(actor=inspector)) == {national_campaign}


def test_a_transfer_moves_the_case_with_an_event_and_tells_both_authorities(world, django_capture_on_commit_callbacks):
    case = world["case_bj"]
    with django_capture_on_commit_callbacks(execute=False):
        moved = transfers.case_transfer(
            case=case, actor=world["bj"], to_authority=world["guangdong"], reason="企业注册地在广东省"
        )
    assert moved.authority == world["guangdong"] and moved.status == case.status
    event = moved.events.get(kind=events.TRANSFERRED)
    assert event.actor == world["bj"] and event.reason == "企业注册地在广东省"
    assert event.data == {"from_authority": world["beijing"].pk, "to_authority": world["guangdong"].pk}
    # Beijing no longer sees it; Guangdong does.
    assert not selectors.case_list(actor=world["bj"]).filter(pk=case.pk).exists()
    assert selectors.case_list(actor=world["gd"]).filter(pk=case.pk).exists()

    job = OutboxJob.objects.get(kind=transfers.TRANSFER_EMAIL_JOB)
    outbox_job_run(job_id=job.pk)
    (message,) = mail.outbox
    assert sorted(message.to) == ["bj@miit.test", "gd@miit.test"]
    assert case.number in message.subject and "广东省通信管理局" in message.body
    # Once per transfer, however often the job runs.
    assert transfers.case_transfer_email_send(case_id=case.pk, event_id=event.pk) is False


def test_a_transfer_is_refused_to_others_and_to_the_same_authority(world):
    with pytest.raises(OtherAuthority):
        transfers.case_transfer(
            case=world["case_bj"], actor=world["gd"], to_authority=world["guangdong"], reason="抢案"
        )
    with pytest.raises(InvalidInput) as same:
        transfers.case_transfer(case=world["case_bj"], actor=world["bj"], to_authority=world["beijing"], reason="原地")
    assert same.value.code == "case_transfer_same_authority"
    assert not world["case_bj"].events.filter(kind=events.TRANSFERRED).exists()


def test_the_api_shows_the_authority_and_transfers(client, world):
    client.force_login(world["bj"])
    url = f"/api/v1/cases/{world['case_bj'].pk}/"
    assert client.get(url).json()["authority"]["code"] == "110000"
    refused = client.post(f"{url}transfer/", {"authority": "440000", "reason": ""}, content_type="application/json")
    assert refused.status_code == 400
    moved = client.post(
        f"{url}transfer/", {"authority": "440000", "reason": "注册地在广东"}, content_type="application/json"
    )
    assert moved.status_code == 200 and moved.json()["authority"]["code"] == "440000"
    # Beijing no longer sees it: 404 as for a missing case.
    assert client.get(url).status_code == 404


def test_the_home_page_lists_a_provinces_own_work(world):
    from cases.home.selectors import my_work

    bj_case = factories.CaseFactory(authority=world["beijing"])
    gd_case = factories.CaseFactory(authority=world["guangdong"])
    for case in (bj_case, gd_case):
        type(case).objects.filter(pk=case.pk).update(status=CaseStatus.VERIFYING)

    def verifying(actor):
        (work,) = [w for w in my_work(actor=actor) if w.key == "verifying"]
        return {item.label for item in work.items}, work.count

    assert verifying(world["bj"]) == ({bj_case.number}, 1)
    assert verifying(world["national"]) == ({bj_case.number, gd_case.number}, 2)


def test_a_timeline_mark_and_citation_are_the_inspections_authoritys(world):
    """Marking consent and citing a window change a province's inspection and finding (issue 17)."""
    import datetime

    from cases.models import FindingStatus
    from cases.timeline import services as timeline

    inspection = factories.InspectionFactory(authority=world["beijing"])
    finding = factories.FindingFactory(inspection=inspection, status=FindingStatus.CONFIRMED)
    at = datetime.datetime(2025, 9, 20, 10, 0, tzinfo=datetime.UTC)
    window = {"start": at, "end": at + datetime.timedelta(minutes=5)}
    for outsider in (world["national"], world["gd"]):
        with pytest.raises(OtherAuthority):
            timeline.inspection_consent_mark(actor=outsider, inspection=inspection, at=at)
        with pytest.raises(OtherAuthority):
            timeline.finding_cite_window(actor=outsider, finding=finding, **window)
    inspection.refresh_from_db()
    assert inspection.consent_at is None and not finding.timeline_citations.exists()
    assert timeline.inspection_consent_mark(actor=world["bj"], inspection=inspection, at=at).consent_at == at
    assert timeline.finding_cite_window(actor=world["bj"], finding=finding, **window).cited_by == world["bj"]
    Authority.objects.filter(pk=world["beijing"].pk).update(delegated_to_national=True)
    assert timeline.inspection_consent_mark(actor=world["national"], inspection=inspection, at=None).consent_at is None


@pytest.fixture
def beijing_fanout(world):
    """A Beijing SDK case and a Beijing app whose scan shows the SDK."""
    from cases.models import FindingStatus, ViolationType
    from tests.cases.sdks.helpers import app_scanned, make_sdk

    sdk = make_sdk()
    app = app_scanned(actor=world["bj"])  # the inspection is its inspector's: Beijing's
    pv = factories.ProductVersionFactory(product=sdk, version="9.6.1", package_name="com.umeng.analytics")
    finding = factories.FindingFactory(
        inspection=factories.InspectionFactory(product_version=pv, authority=world["beijing"]),
        violation_type=ViolationType.objects.get(code="SDK-01"),
        status=FindingStatus.CONFIRMED,
    )
    return {"sdk": sdk, "app": app, "case": services.case_open(actor=world["bj"], findings=[finding])}


def test_the_sdk_fan_out_and_its_letters_are_the_sdk_cases_authoritys(world, beijing_fanout):
    import datetime

    from cases.sdks import services as sdk_services
    from notices import sdk_letters

    case = beijing_fanout["case"]
    assert case.authority == world["beijing"]
    issued = datetime.date(2025, 9, 26)
    for outsider in (world["national"], world["gd"]):
        with pytest.raises(OtherAuthority):
            sdk_services.sdk_linked_cases_open(actor=outsider, case=case)
        with pytest.raises(OtherAuthority):
            sdk_letters.sdk_letters_issue(actor=outsider, case=case, today=issued)
    assert not case.sdk_letters.exists() and not case.events.filter(kind=sdk_services.FANOUT_CASES_OPENED).exists()
    [linked] = sdk_services.sdk_linked_cases_open(actor=world["bj"], case=case)
    assert linked.authority == world["beijing"]
    assert len(sdk_letters.sdk_letters_issue(actor=world["bj"], case=case, today=issued)) == 1


def test_a_proposed_removal_is_decided_by_the_retests_authority(world, beijing_fanout):
    from cases.models import EmbeddingStatus, SdkEmbedding
    from cases.sdks import services as sdk_services
    from tests.cases.sdks.helpers import exodus_report, ingest

    first = beijing_fanout["app"]
    later = factories.ProductVersionFactory(product=first.product_version.product, version="2.0")
    retest = factories.InspectionFactory(
        product_version=later, campaign=first.campaign, retest_of=first, created_by=world["bj"]
    )
    assert retest.authority == world["beijing"]
    ingest(
        actor=world["bj"],
        inspection=retest,
        content=exodus_report(package=later.package_name, version="2.0", trackers=[]),
    )
    embedding = SdkEmbedding.objects.get(sdk=beijing_fanout["sdk"])
    assert embedding.status == EmbeddingStatus.REMOVAL_PROPOSED
    for outsider in (world["national"], world["gd"]):
        with pytest.raises(OtherAuthority):
            sdk_services.embedding_removal_confirm(actor=outsider, embedding=embedding, reason="复检未见")
        with pytest.raises(OtherAuthority):
            sdk_services.embedding_removal_refuse(actor=outsider, embedding=embedding, reason="复检遗漏")
    embedding.refresh_from_db()
    assert embedding.status == EmbeddingStatus.REMOVAL_PROPOSED
    assert sdk_services.embedding_removal_confirm(actor=world["bj"], embedding=embedding).status == (
        EmbeddingStatus.REMOVED
    )


def test_reports_and_requests_carry_their_cases_authority_and_move_with_it(world):
    """A report and a request for more time carry the case's authority when sent (``cases.responses``)
    and move with the case (``cases.transfers``): the receiving province's queue lists them, the
    sender's no longer does."""
    from cases import responses
    from cases.decisions.selectors import decision_queue
    from cases.models import Case
    from tests.cases.served import png, served_case

    case = served_case()
    Case.objects.filter(pk=case.pk).update(authority=world["beijing"])
    case.refresh_from_db()
    staff = factories.VendorUserFactory(vendor=case.vendor)
    request = responses.extension_request(actor=staff, case=case, reason="国庆假期，测试排期推迟")
    report = responses.response_submit(actor=staff, case=case, summary="移除读取IMEI的代码", files=[png()])
    assert request.authority_id == report.authority_id == world["beijing"].pk

    def queued(actor):
        queue = decision_queue(actor=actor)
        return tuple(set(queue[name].values_list("pk", flat=True)) for name in ("responses", "extensions"))

    assert queued(world["bj"]) == ({report.pk}, {request.pk})
    assert queued(world["gd"]) == (set(), set())

    transfers.case_transfer(case=case, actor=world["bj"], to_authority=world["guangdong"], reason="企业注册地在广东省")
    report.refresh_from_db()
    request.refresh_from_db()
    assert request.authority_id == report.authority_id == world["guangdong"].pk
    assert queued(world["gd"]) == ({report.pk}, {request.pk})
    assert queued(world["bj"]) == (set(), set())
    assert queued(world["national"]) == ({report.pk}, {request.pk})
