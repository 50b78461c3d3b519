"""The case list as CSV (issue 14, deliverable 5): streamed, the list's filters and scope, never
for vendor users."""

import csv
import io

import pytest
from django.http import StreamingHttpResponse

from cases import exports
from cases.models import Case, CaseStatus, FindingStatus
from products.models import ProductKind
from tests import factories

pytestmark = pytest.mark.django_db

URL = "/cases/export.csv"


def _rows(response) -> list[dict]:
    assert isinstance(response, StreamingHttpResponse)
    return list(csv.DictReader(io.StringIO(response.getvalue().decode("utf-8-sig"))))


def test_the_export_lists_the_cases_with_their_findings(client, reviewer):
    case = factories.CaseFactory(product_version__product__name="=晴空天气", product_version__version="2.1")
    factories.FindingFactory.create_batch(2, case=case, status=FindingStatus.CONFIRMED)
    Case.objects.filter(pk=case.pk).update(status=CaseStatus.ORDERED)
    client.force_login(reviewer)
    response = client.get(URL, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200 and response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="cases-')
    assert "no-store" in response["Cache-Control"]
    assert response.getvalue().startswith(b"\xef\xbb\xbf")
    [row] = _rows(client.get(URL, HTTP_ACCEPT_LANGUAGE="en"))
    assert row["Case number"] == case.number
    assert row["Product"] == "'=晴空天气"  # formulas neutralised
    assert row["Version"] == "2.1" and row["State"] == "Ordered to rectify" and row["Findings"] == "2"
    [zh] = _rows(client.get(URL, HTTP_ACCEPT_LANGUAGE="zh-CN"))
    assert zh["状态"] == "已责令整改"


def test_the_export_honours_the_list_filters(client, reviewer):
    campaign = factories.CampaignFactory()
    terminal = factories.ProductVersionFactory(product__kind=ProductKind.TERMINAL, product__terminal_category="toy")
    terminal_case = factories.CaseFactory(campaign=campaign, product_version=terminal)
    other = factories.CaseFactory()
    client.force_login(reviewer)

    def numbers(**params):
        return {r["Case number"] for r in _rows(client.get(URL, params, HTTP_ACCEPT_LANGUAGE="en"))}

    assert numbers() == {terminal_case.number, other.number}
    assert numbers(campaign=campaign.pk) == {terminal_case.number}
    assert numbers(kind="terminal") == {terminal_case.number}
    assert numbers(q=other.number) == {other.number}
    assert numbers(status="nonsense") == {terminal_case.number, other.number}  # as the list: ignored
    assert numbers(status=CaseStatus.CLOSED) == set()


def test_vendor_users_and_visitors_never_get_it(client, vendor_user):
    factories.CaseFactory()
    assert client.get(URL).status_code in (302, 403)
    client.force_login(vendor_user)
    assert client.get(URL).status_code == 403


def test_the_export_reads_through_a_cursor_in_a_constant_number_of_queries(
    client, reviewer, monkeypatch, django_assert_num_queries
):
    factories.CaseFactory.create_batch(2)
    client.force_login(reviewer)
    monkeypatch.setattr(exports.streaming, "CHUNK_ROWS", 2)
    # session, user, and the one cursor (its fetches are not queries); the form's choices are
    # validated only when a campaign or vendor is given.
    with django_assert_num_queries(3):
        assert len(_rows(client.get(URL))) == 2
    factories.CaseFactory.create_batch(5)
    with django_assert_num_queries(3):
        assert len(_rows(client.get(URL))) == 7


def test_the_case_list_links_to_the_export_with_its_filters(client, reviewer):
    client.force_login(reviewer)
    html = client.get("/cases/", {"status": "ordered"}).content.decode()
    assert f'href="{URL}?status=ordered"' in html
