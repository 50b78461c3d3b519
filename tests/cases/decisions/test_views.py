"""The decision pages (and the regulator's case page): every id on a page is unique, though two forms
on one page each have a reason (duplicate id="id_reason", issue 15); a grant starts from the date the
vendor asked for, rendered in ISO whatever the language."""

import datetime
import re
from collections import Counter

import pytest
from django.urls import reverse
from freezegun import freeze_time

from accounts.models import Authority
from accounts.roles import Role
from cases import responses
from cases.models import CaseStatus, EscalationProposal, ProposalKind
from tests import factories
from tests.cases.home.world import work_world

pytestmark = [pytest.mark.django_db]


@pytest.fixture
def world(reviewer, inspector):
    with freeze_time("2025-09-30 02:00:00"):
        yield work_world(reviewer=reviewer, inspector=inspector)


def _duplicate_ids(html: str) -> list[str]:
    return [i for i, n in Counter(re.findall(r'\sid="([^"]+)"', html)).items() if n > 1]


@pytest.mark.parametrize("lang", ["zh-CN", "en"])
def test_pages_have_unique_ids(client, world, reviewer, lang):
    client.force_login(reviewer)
    responses.response_accept(actor=reviewer, response=world["response"])  # verifying: two forms with reasons
    responses.retest_link  # noqa: B018 (the verify forms show once a re-test is linked; see below)
    from tests.factories import linked_retest

    linked_retest(world["responded"], user=reviewer)
    other = work_world(reviewer=reviewer, inspector=world["inspector"], vendor_username="v-ids")
    pages = [
        reverse("decisions:response", args=[other["response"].pk]),
        reverse("decisions:extension", args=[world["extension"].pk]),
        reverse("decisions:case", args=[world["responded"].pk]),
        reverse("case-detail", args=[world["ordered"].pk]),
        reverse("case-detail", args=[world["responded"].pk]),
    ]
    for page in pages:
        response = client.get(page, HTTP_ACCEPT_LANGUAGE=lang)
        assert response.status_code == 200
        html = response.content.decode()
        assert html.count('name="reason"') >= 1
        assert _duplicate_ids(html) == [], page
    verify = client.get(pages[2]).content.decode()
    assert 'id="confirm_reason"' in verify and 'id="fail_reason"' in verify


@pytest.mark.parametrize("lang", ["zh-hans", "en"])
def test_grant_starts_from_the_requested_date_in_iso_and_saves(client, world, reviewer, lang):
    client.cookies["django_language"] = lang
    client.force_login(reviewer)
    url = reverse("decisions:extension", args=[world["extension"].pk])
    html = client.get(url).content.decode()
    field = re.search(r'<input type="date" name="new_deadline"[^>]*>', html).group(0)
    assert 'value="2025-10-17"' in field
    assert 'data-testid="requested-deadline">2025-10-17<' in html
    with freeze_time("2025-09-30 02:00:00"):
        response = client.post(
            reverse("decisions:extension-grant", args=[world["extension"].pk]),
            {"new_deadline": "2025-10-17", "reason": "同意"},
        )
    assert response.status_code == 302
    world["ordered"].refresh_from_db()
    assert world["ordered"].deadline.isoformat() == "2025-10-17"


def test_each_list_of_the_queue_pages_on_its_own(client, reviewer, inspector, monkeypatch, django_assert_num_queries):
    from cases.decisions import views

    monkeypatch.setattr(views, "QUEUE_ROWS", 1)
    with freeze_time("2025-09-30 02:00:00"):
        first = work_world(reviewer=reviewer, inspector=inspector)
        second = work_world(reviewer=reviewer, inspector=inspector, vendor_username="vendor-two")
    client.force_login(reviewer)
    url = reverse("decisions:queue")

    page = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert first["response"].case.number in page and second["response"].case.number not in page
    assert "?responses=2" in page and "?extensions=2" in page  # each list has its next page

    page = client.get(url, {"responses": 2, "extensions": 1}, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert second["response"].case.number in page and "Page 2 of 2" in page
    # The extensions stay on their first page; a page number past the end shows the first.
    assert client.get(url, {"responses": 99}).status_code == 200


def test_a_provinces_queue_proposes_only_its_own_cases(client):
    """The proposals for naming and removal are scoped like the rest of the queue (ARCHITECTURE.md
    §15): a province's reviewer sees its own proposed cases, not another authority's numbers and
    vendors; the ministry's reviewer sees both."""
    beijing, guangdong = factories.province("110000"), factories.province("440000")
    cases = {}
    for authority in (beijing, guangdong):
        for status, kind in ((CaseStatus.OVERDUE, ProposalKind.NAMING), (CaseStatus.NAMED, ProposalKind.REMOVAL)):
            case = factories.CaseFactory(authority=authority, status=status, deadline=datetime.date(2025, 9, 1))
            EscalationProposal.objects.create(case=case, kind=kind, deadline=case.deadline)
            cases[authority.code, kind] = case.number
    url = reverse("decisions:queue")

    client.force_login(factories.UserFactory(role=Role.REVIEWER, authority=beijing))
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert cases["110000", ProposalKind.NAMING] in page and cases["110000", ProposalKind.REMOVAL] in page
    assert cases["440000", ProposalKind.NAMING] not in page and cases["440000", ProposalKind.REMOVAL] not in page

    client.force_login(factories.UserFactory(role=Role.REVIEWER, authority=Authority.objects.national()))
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert all(number in page for number in cases.values())


def test_a_provinces_queue_lists_only_its_own_reports_and_requests(client):
    """The reports and requests for more time are scoped by their case's authority (carried on
    each, ``VendorResponse.authority``): Beijing's reviewer sees Beijing's, not
    Guangdong's; the ministry's reviewer sees both."""
    from cases.models import ExtensionRequest, VendorResponse

    beijing, guangdong = factories.province("110000"), factories.province("440000")
    numbers = {}
    for authority in (beijing, guangdong):
        for _ in range(2):
            responded = factories.CaseFactory(authority=authority, status=CaseStatus.RESPONDED)
            vendor_user = factories.VendorUserFactory(vendor=responded.vendor)
            VendorResponse.objects.create(
                case=responded, authority=authority, submitted_by=vendor_user, summary="已整改"
            )
            ordered = factories.CaseFactory(authority=authority, status=CaseStatus.ORDERED)
            ExtensionRequest.objects.create(
                case=ordered, authority=authority, requested_by=vendor_user, reason="测试排期推迟"
            )
            numbers.setdefault(authority.code, []).extend([responded.number, ordered.number])
    url = reverse("decisions:queue")

    client.force_login(factories.UserFactory(role=Role.REVIEWER, authority=beijing))
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert all(number in page for number in numbers["110000"])
    assert not any(number in page for number in numbers["440000"])

    client.force_login(factories.UserFactory(role=Role.REVIEWER, authority=Authority.objects.national()))
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert all(number in page for number in numbers["110000"] + numbers["440000"])
