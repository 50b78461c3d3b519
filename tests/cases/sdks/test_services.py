import pytest

from accounts.errors import Conflict, InvalidInput
from cases.models import CaseEvent, CaseStatus, EmbeddingStatus, Finding, SdkEmbedding
from cases.sdks import matching
from cases.sdks import services as sdk_services
from products.models import ProductKind
from tests import factories

from .helpers import UMENG, app_scanned, exodus_report, ingest, make_sdk, sdk_case


@pytest.fixture
def actor(reviewer):
    return reviewer


def test_signature_is_seeded_from_the_shipped_exodus_list(db):
    sdk = make_sdk()
    signature = sdk.sdk_signature
    assert signature.exodus_id == UMENG
    assert signature.package_prefixes == ["com.umeng.analytics"]
    assert "umeng.com" in signature.hosts


def test_signature_needs_an_sdk_product(db):
    app = factories.ProductFactory(kind=ProductKind.APP)
    with pytest.raises(InvalidInput):
        sdk_services.sdk_signature_save(product=app, exodus_id=UMENG)


def test_ingest_links_the_app_version_with_the_evidence(actor):
    sdk = make_sdk()
    inspection = app_scanned(actor=actor)
    embedding = SdkEmbedding.objects.get(sdk=sdk)
    assert embedding.app_version_id == inspection.product_version_id
    assert embedding.vendor_id == inspection.product_version.product.vendor_id
    assert embedding.status == EmbeddingStatus.PRESENT
    job = inspection.scan_jobs.get()
    assert embedding.first_job_id == embedding.last_job_id == job.pk
    [item] = embedding.evidence
    assert item["job"] == job.pk and item["via"] == "tracker" and item["seq"] >= 1
    assert [e.kind for e in embedding.events.all()] == [sdk_services.FOUND]


def test_an_app_without_the_tracker_is_not_linked(actor):
    make_sdk()
    app_scanned(actor=actor, trackers=[(190, "Bugly")])
    assert not SdkEmbedding.objects.exists()


def test_hosts_and_package_prefixes_link_too():
    matcher = matching.Matcher([matching.Signature(7, None, ("com.example.sdk",), ("sdk.example.cn",))])
    facts = [
        matching.Fact(1, "http_request", host="log.sdk.example.cn"),
        matching.Fact(2, "privacy_api_call", code="at com.example.sdk.core.A.b(A.java:3)"),
        matching.Fact(3, "privacy_api_call", code="at com.example.sdkx.A.b"),
        matching.Fact(4, "dns", host="notsdk.example.cn"),
    ]
    found = matching.match_all(matcher, facts)
    assert [(m.seq, m.via, m.detail) for m in found[7]] == [
        (1, "host", "log.sdk.example.cn"),
        (2, "package", "com.example.sdk"),
    ]


def test_recompute_links_jobs_ingested_before_the_signature(actor):
    inspection = app_scanned(actor=actor)
    assert not SdkEmbedding.objects.exists()
    sdk = make_sdk()
    totals = sdk_services.sdk_embeddings_recompute()
    assert totals["linked"] == 1
    assert SdkEmbedding.objects.get(sdk=sdk).app_version_id == inspection.product_version_id
    # Again: the same job adds nothing.
    assert sdk_services.sdk_embeddings_recompute()["linked"] == 0


def test_a_static_retest_without_the_sdk_proposes_removal_and_a_person_confirms(actor):
    sdk = make_sdk()
    first = app_scanned(actor=actor)
    embedding = SdkEmbedding.objects.get(sdk=sdk)
    later = factories.ProductVersionFactory(product=first.product_version.product, version="2.0")
    retest = factories.InspectionFactory(
        product_version=later, campaign=first.campaign, retest_of=first, created_by=actor
    )
    ingest(
        actor=actor, inspection=retest, content=exodus_report(package=later.package_name, version="2.0", trackers=[])
    )
    embedding.refresh_from_db()
    assert embedding.status == EmbeddingStatus.REMOVAL_PROPOSED
    assert embedding.proposal_job_id == retest.scan_jobs.get().pk
    confirmed = sdk_services.embedding_removal_confirm(actor=actor, embedding=embedding, reason="复检未见")
    assert confirmed.status == EmbeddingStatus.REMOVED
    event = confirmed.events.order_by("-id").first()
    assert (event.kind, event.actor, event.from_status, event.to_status) == (
        sdk_services.REMOVAL_CONFIRMED,
        actor,
        EmbeddingStatus.REMOVAL_PROPOSED,
        EmbeddingStatus.REMOVED,
    )
    with pytest.raises(Conflict):
        sdk_services.embedding_removal_confirm(actor=actor, embedding=confirmed)


def test_a_refused_proposal_keeps_the_link(actor):
    sdk = make_sdk()
    first = app_scanned(actor=actor)
    later = factories.ProductVersionFactory(product=first.product_version.product, version="2.0")
    retest = factories.InspectionFactory(product_version=later, campaign=first.campaign, retest_of=first)
    ingest(
        actor=actor, inspection=retest, content=exodus_report(package=later.package_name, version="2.0", trackers=[])
    )
    embedding = SdkEmbedding.objects.get(sdk=sdk)
    kept = sdk_services.embedding_removal_refuse(actor=actor, embedding=embedding, reason="复检遗漏")
    assert kept.status == EmbeddingStatus.PRESENT and kept.proposal_job_id is None
    assert kept.events.order_by("-id").first().kind == sdk_services.REMOVAL_REFUSED


def test_linked_cases_open_one_case_per_app_version_with_audit(actor):
    sdk = make_sdk()
    a = app_scanned(actor=actor)
    b = app_scanned(actor=actor)
    case = sdk_case(sdk=sdk, actor=actor)
    opened = sdk_services.sdk_linked_cases_open(actor=actor, case=case)
    assert {c.product_version_id for c in opened} == {a.product_version_id, b.product_version_id}
    for linked in opened:
        assert linked.status == CaseStatus.OPEN
        [finding] = linked.findings.all()
        assert finding.status == "confirmed" and finding.rule == "sdk_fanout"
        assert finding.violation_type.code == sdk_services.FALLBACK_APP_CODE  # SDK-01 applies to SDKs only
        kinds = list(CaseEvent.objects.filter(case=linked).values_list("kind", flat=True))
        assert kinds == ["opened", sdk_services.FANOUT_LINKED_FROM]
    assert CaseEvent.objects.filter(case=case, kind=sdk_services.FANOUT_CASES_OPENED).count() == 1
    assert set(SdkEmbedding.objects.values_list("linked_case", flat=True)) == {c.pk for c in opened}
    # Nothing left to open: a clear refusal, nothing written.
    with pytest.raises(Conflict):
        sdk_services.sdk_linked_cases_open(actor=actor, case=case)
    assert Finding.objects.filter(rule="sdk_fanout").count() == 2


def test_linked_cases_need_an_sdk_case(actor, case_factory):
    with pytest.raises(InvalidInput):
        sdk_services.sdk_linked_cases_open(actor=actor, case=case_factory())


def test_the_figures_follow_every_move_of_the_links(actor):
    from cases.sdks import figures

    sdk = make_sdk()
    vendor = factories.VendorFactory()
    first = app_scanned(actor=actor, vendor=vendor)
    app_scanned(actor=actor, vendor=vendor)
    app_scanned(actor=actor)
    assert (
        figures.stored()
        == figures.recount()
        == {sdk.pk: {"versions": 3, "apps": 3, "vendors": 2, "removal_proposed": 0}}
    )
    later = factories.ProductVersionFactory(product=first.product_version.product, version="2.0")
    retest = factories.InspectionFactory(product_version=later, campaign=first.campaign, retest_of=first)
    ingest(
        actor=actor, inspection=retest, content=exodus_report(package=later.package_name, version="2.0", trackers=[])
    )
    assert figures.stored() == figures.recount()
    assert figures.stored()[sdk.pk]["removal_proposed"] == 1
    embedding = SdkEmbedding.objects.get(app_version=first.product_version)
    sdk_services.embedding_removal_confirm(actor=actor, embedding=embedding)
    assert (
        figures.stored()
        == figures.recount()
        == {sdk.pk: {"versions": 2, "apps": 2, "vendors": 2, "removal_proposed": 0}}
    )
    # The app's later version shows the SDK again: a new link, the app counted again.
    ingest(
        actor=actor,
        inspection=retest,
        content=exodus_report(package=later.package_name, version="2.0", trackers=[(UMENG, "Umeng Analytics")]),
        name="again.json",
    )
    assert (
        figures.stored()
        == figures.recount()
        == {sdk.pk: {"versions": 3, "apps": 3, "vendors": 2, "removal_proposed": 0}}
    )
    assert figures.rebuild() == 1 and figures.stored() == figures.recount()


def test_a_withdrawn_sdk_case_fans_out_nothing(actor):
    from cases import workflow

    sdk = make_sdk()
    app_scanned(actor=actor)
    case = workflow.withdraw_case(case=sdk_case(sdk=sdk, actor=actor), actor=actor, reason="重复立案")
    with pytest.raises(Conflict) as refused:
        sdk_services.sdk_linked_cases_open(actor=actor, case=case)
    assert refused.value.code == "sdk_case_withdrawn"
