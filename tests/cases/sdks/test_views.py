"""Pages of the SDK fan-out: the SDK case's panel, the actions, removal decisions, the public register."""

import pytest

from cases.models import EmbeddingStatus, SdkEmbedding
from notices.models import SdkLetter
from tests import factories

from .helpers import app_scanned, exodus_report, ingest, make_sdk, sdk_case


@pytest.fixture
def setup(reviewer):
    sdk = make_sdk()
    apps = [app_scanned(actor=reviewer), app_scanned(actor=reviewer)]
    return sdk, sdk_case(sdk=sdk, actor=reviewer), apps


@pytest.mark.parametrize(
    ("language", "text"), [("en", "Embedded in 2 apps of 2 vendors"), ("zh-hans", "嵌入于 2 个应用（2 家企业）")]
)
def test_the_sdk_case_page_shows_the_fanout(client, reviewer, setup, language, text):
    _sdk, case, apps = setup
    client.force_login(reviewer)
    page = client.get(f"/cases/{case.pk}/", HTTP_ACCEPT_LANGUAGE=language).content.decode()
    assert text in page
    assert apps[0].product_version.product.name in page
    assert 'data-testid="fanout-notify"' in page and 'data-testid="fanout-open-cases"' in page


def test_an_app_case_page_has_no_fanout(client, reviewer, case_factory):
    case = case_factory()
    client.force_login(reviewer)
    assert 'data-testid="sdk-fanout"' not in client.get(f"/cases/{case.pk}/").content.decode()
    assert client.get(f"/cases/{case.pk}/fanout/").status_code == 302


def test_notify_and_open_cases_from_the_page(client, reviewer, setup, django_capture_on_commit_callbacks):
    _sdk, case, _apps = setup
    client.force_login(reviewer)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/cases/{case.pk}/fanout/letters/")
    assert response.status_code == 302
    assert SdkLetter.objects.filter(sdk_case=case, sent_at__isnull=False).count() == 2
    letter = SdkLetter.objects.filter(sdk_case=case).first()
    pdf = client.get(f"/sdk-letters/{letter.pk}/pdf/")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    client.post(f"/cases/{case.pk}/fanout/open-cases/")
    assert SdkEmbedding.objects.filter(linked_case__isnull=False).count() == 2
    page = client.get(f"/cases/{case.pk}/fanout/").content.decode()
    for number in SdkEmbedding.objects.values_list("linked_case__number", flat=True):
        assert number in page


def test_an_inspector_cannot_notify(client, inspector, setup):
    _sdk, case, _apps = setup
    client.force_login(inspector)
    assert client.post(f"/cases/{case.pk}/fanout/letters/").status_code == 403
    assert not SdkLetter.objects.exists()


def test_a_proposal_is_confirmed_on_the_page(client, reviewer, setup):
    sdk, case, apps = setup
    first = apps[0]
    later = factories.ProductVersionFactory(product=first.product_version.product, version="2.0")
    retest = factories.InspectionFactory(product_version=later, campaign=first.campaign, retest_of=first)
    ingest(
        actor=reviewer, inspection=retest, content=exodus_report(package=later.package_name, version="2.0", trackers=[])
    )
    embedding = SdkEmbedding.objects.get(app_version=first.product_version)
    assert embedding.status == EmbeddingStatus.REMOVAL_PROPOSED
    client.force_login(reviewer)
    page = client.get(f"/cases/{case.pk}/fanout/").content.decode()
    assert f'data-testid="confirm-removal-{embedding.pk}"' in page
    response = client.post(f"/sdk-embeddings/{embedding.pk}/confirm-removal/", {"case": case.pk})
    assert response.status_code == 302 and response["Location"] == f"/cases/{case.pk}/fanout/"
    embedding.refresh_from_db()
    assert embedding.status == EmbeddingStatus.REMOVED


def test_the_public_register_shows_the_apps_asked_and_whether_they_acted(
    client, reviewer, setup, django_capture_on_commit_callbacks
):
    sdk, case, apps = setup
    from notices import sdk_letters

    with django_capture_on_commit_callbacks(execute=True):
        sdk_letters.sdk_letters_issue(actor=reviewer, case=case)
    embedding = SdkEmbedding.objects.get(app_version=apps[0].product_version)
    SdkEmbedding.objects.filter(pk=embedding.pk).update(status=EmbeddingStatus.REMOVED)
    listing = client.get("/register/sdks/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert sdk.name in listing and "2 vendors asked" in listing
    page = client.get(f"/register/sdks/{sdk.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert apps[0].product_version.product.name in page and apps[1].product_version.product.name in page
    assert page.count("Yes: SDK removed") == 1 and page.count("Not yet") == 1
    chinese = client.get(f"/register/sdks/{sdk.pk}/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "尚未整改" in chinese
    # An SDK no letter named is not on the register.
    other = make_sdk("其他SDK", exodus_id=None)
    assert client.get(f"/register/sdks/{other.pk}/").status_code == 404
