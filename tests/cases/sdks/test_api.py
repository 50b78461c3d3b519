"""The SDK fan-out API: the fan-out by keyset with pinned queries, linked cases, letters, decisions."""

import pytest

from cases import error_codes
from cases.models import EmbeddingStatus, SdkEmbedding
from notices.models import SdkLetter
from tests import factories

from .helpers import app_scanned, exodus_report, ingest, make_sdk, sdk_case


@pytest.fixture
def setup(reviewer):
    sdk = make_sdk()
    apps = [app_scanned(actor=reviewer) for _ in range(3)]
    return sdk, sdk_case(sdk=sdk, actor=reviewer), apps


def test_fanout_pages_by_keyset_with_pinned_queries(api_client, reviewer, setup, django_assert_max_num_queries):
    sdk, _case, apps = setup
    api_client.force_authenticate(reviewer)
    seen = []
    url = f"/api/v1/sdks/{sdk.pk}/fanout/?limit=2"
    while url:
        # The permission's user, the SDK, the page, the summary (3).
        with django_assert_max_num_queries(6):
            body = api_client.get(url).json()
        assert (body["apps"], body["vendors"], body["versions"]) == (3, 3, 3)
        seen += [row["app_version_id"] for row in body["results"]]
        url = f"/api/v1/sdks/{sdk.pk}/fanout/?limit=2&after={body['next']}" if body["next"] else None
    assert sorted(seen) == sorted(a.product_version_id for a in apps)
    row = body["results"][-1]
    assert row["evidence"][0]["via"] == "tracker" and row["status"] == "present"


def test_fanout_of_a_product_that_is_no_sdk_is_404(api_client, reviewer, product_factory):
    api_client.force_authenticate(reviewer)
    assert api_client.get(f"/api/v1/sdks/{product_factory().pk}/fanout/").status_code == 404
    assert api_client.get("/api/v1/sdks/1/fanout/?after=x").status_code in (400, 404)


def test_vendors_cannot_read_the_fanout(api_client, vendor_user, setup):
    sdk, _case, _apps = setup
    api_client.force_authenticate(vendor_user)
    assert api_client.get(f"/api/v1/sdks/{sdk.pk}/fanout/").status_code == 403


def test_open_linked_cases_and_send_letters(api_client, reviewer, setup, django_capture_on_commit_callbacks):
    _sdk, case, _apps = setup
    api_client.force_authenticate(reviewer)
    opened = api_client.post(f"/api/v1/cases/{case.pk}/fanout/cases/")
    assert opened.status_code == 201 and len(opened.json()["cases"]) == 3
    again = api_client.post(f"/api/v1/cases/{case.pk}/fanout/cases/")
    assert again.status_code == 409 and again.json()["error"]["code"] == error_codes.NOTHING_TO_FAN_OUT
    with django_capture_on_commit_callbacks(execute=True):
        sent = api_client.post(f"/api/v1/cases/{case.pk}/fanout/letters/")
    assert sent.status_code == 202
    assert {row["deadline_days"] for row in sent.json()["letters"]} == {5}
    assert SdkLetter.objects.filter(sent_at__isnull=False).count() == 3


def test_an_app_case_has_no_fanout(api_client, reviewer, case_factory):
    api_client.force_authenticate(reviewer)
    answer = api_client.post(f"/api/v1/cases/{case_factory().pk}/fanout/cases/")
    assert answer.status_code == 400 and answer.json()["error"]["code"] == error_codes.NOT_AN_SDK_CASE


def test_decide_a_proposed_removal(api_client, reviewer, setup):
    _sdk, _case, apps = setup
    first = apps[0]
    later = factories.ProductVersionFactory(product=first.product_version.product, version="2.0")
    retest = factories.InspectionFactory(product_version=later, campaign=first.campaign, retest_of=first)
    ingest(
        actor=reviewer, inspection=retest, content=exodus_report(package=later.package_name, version="2.0", trackers=[])
    )
    embedding = SdkEmbedding.objects.get(app_version=first.product_version)
    api_client.force_authenticate(reviewer)
    refused = api_client.post(f"/api/v1/sdk-embeddings/{embedding.pk}/refuse-removal/", {"reason": ""}, format="json")
    assert refused.status_code == 400
    answer = api_client.post(f"/api/v1/sdk-embeddings/{embedding.pk}/confirm-removal/", {}, format="json")
    assert answer.status_code == 200 and answer.json()["status"] == EmbeddingStatus.REMOVED
    assert api_client.post(f"/api/v1/sdk-embeddings/{embedding.pk}/confirm-removal/", {}).status_code == 409
