"""The timeline page: rows with consent, the next rows as a fragment, marking consent, citing a window."""

import pytest
from django.urls import reverse

from cases.models import FindingStatus, TimelineCitation

pytestmark = pytest.mark.django_db
PASSWORD = "pw-Rectify-2025"
# Session, user; inspection, jobs, consent, rows, the page's findings; findings to cite, citations, and the
# SDK or host suggestions (one index walk per job: 3 jobs). The next rows: the first seven.
PAGE_QUERIES = 12
PARTIAL_QUERIES = 7


def test_page_shows_the_axis_with_consent_and_loads_more(client, inspector, timed_inspection):
    client.force_login(inspector)
    page = reverse("inspection-timeline", args=[timed_inspection.pk])
    response = client.get(page, {"page_size": 5})
    assert response.status_code == 200
    html = response.content.decode()
    assert "timeline-row--before" in html
    assert "/static/js/timeline.js" in html
    assert "data-next=" in html
    partial = response.context["partial_url"]
    more = client.get(partial)
    assert more.status_code == 200 and "<html" not in more.content.decode()
    assert "timeline-row" in more.content.decode()


def test_filters_in_the_query_string(client, inspector, timed_inspection):
    client.force_login(inspector)
    page = reverse("inspection-timeline", args=[timed_inspection.pk])
    response = client.get(page, {"kind": "privacy_api_call", "consent": "after"})
    assert response.status_code == 200
    assert {i.kind for i in response.context["items"]} == {"privacy_api_call"}
    assert all(i.before_consent is False for i in response.context["items"])


def test_mark_consent_and_cite_a_window(client, inspector, reviewer, timed_inspection, finding_factory):
    client.force_login(inspector)
    response = client.post(reverse("timeline-consent", args=[timed_inspection.pk]), {"at": "2025-03-01T09:00:02"})
    assert response.status_code == 302
    timed_inspection.refresh_from_db()
    assert timed_inspection.consent_at.isoformat() == "2025-03-01T01:00:02+00:00"
    assert timed_inspection.consent_marked_by == inspector
    # A row's own button sends its moment, to the millisecond (the form's field comes first).
    response = client.post(
        reverse("timeline-consent", args=[timed_inspection.pk]),
        {"at": ["2025-03-01T09:00:02", "2025-03-01T09:00:01.250"]},
    )
    timed_inspection.refresh_from_db()
    assert timed_inspection.consent_at.isoformat() == "2025-03-01T01:00:01.250000+00:00"
    page = client.get(reverse("inspection-timeline", args=[timed_inspection.pk])).content.decode()
    assert 'form="consent-form" name="at" value="2025-03-01T09:00:00.900"' in page

    finding = finding_factory(inspection=timed_inspection, status=FindingStatus.CONFIRMED)
    client.force_login(reviewer)
    response = client.post(
        reverse("timeline-cite", args=[timed_inspection.pk]),
        {"finding": finding.pk, "from": "2025-03-01T09:00:00", "to": "2025-03-01T09:00:05", "note": "同意前收集"},
    )
    assert response.status_code == 302, response.content
    citation = TimelineCitation.objects.get(finding=finding)
    assert citation.note == "同意前收集" and citation.cited_by == reviewer
    page = client.get(response["Location"])
    assert f"citation-{citation.pk}" in page.content.decode()


def test_the_ministry_neither_marks_nor_cites_a_provinces_timeline(
    client, inspector, reviewer, timed_inspection, finding_factory
):
    """A national regulator sees a province's inspection but does not change it (issue 17): the page
    says why, nothing is written."""
    from django.utils import translation

    from accounts.scoping import MSG_OTHER_AUTHORITY
    from cases.models import Inspection
    from tests import factories

    with translation.override("zh-hans"):  # the pages' default language
        refusal = str(MSG_OTHER_AUTHORITY)
    Inspection.objects.filter(pk=timed_inspection.pk).update(authority=factories.province("110000"))
    finding = finding_factory(inspection=timed_inspection, status=FindingStatus.CONFIRMED)
    client.force_login(inspector)
    response = client.post(
        reverse("timeline-consent", args=[timed_inspection.pk]), {"at": "2025-03-01T09:00:02"}, follow=True
    )
    assert refusal in response.content.decode()
    client.force_login(reviewer)
    response = client.post(
        reverse("timeline-cite", args=[timed_inspection.pk]),
        {"finding": finding.pk, "from": "2025-03-01T09:00:00", "to": "2025-03-01T09:00:05"},
        follow=True,
    )
    assert refusal in response.content.decode()
    timed_inspection.refresh_from_db()
    assert timed_inspection.consent_marked_by is None and not TimelineCitation.objects.exists()


def test_a_candidate_cannot_be_cited(client, reviewer, timed_inspection, finding_factory):
    finding = finding_factory(inspection=timed_inspection)
    client.force_login(reviewer)
    response = client.post(
        reverse("timeline-cite", args=[timed_inspection.pk]),
        {"finding": finding.pk, "from": "2025-03-01T09:00:00", "to": "2025-03-01T09:00:05"},
    )
    assert response.status_code == 302
    assert not TimelineCitation.objects.exists()


def test_a_vendor_cannot_see_the_timeline(client, vendor_user, timed_inspection):
    client.force_login(vendor_user)
    response = client.get(reverse("inspection-timeline", args=[timed_inspection.pk]))
    assert response.status_code in (403, 404)


def test_page_and_scroll_query_counts_do_not_grow_with_the_rows(
    client, inspector, timed_inspection, django_assert_num_queries
):
    client.force_login(inspector)
    page = reverse("inspection-timeline", args=[timed_inspection.pk])
    client.get(page)  # the session's first use
    with django_assert_num_queries(PAGE_QUERIES):
        first = client.get(page, {"page_size": 5})
    with django_assert_num_queries(PAGE_QUERIES):
        client.get(page, {"page_size": 100})
    with django_assert_num_queries(PARTIAL_QUERIES):
        client.get(first.context["partial_url"])
