"""GET /api/v1/inspections/{id}/timeline/: cursor pages, filters, errors; query counts pinned."""

import pytest

from cases.models import ScanObservation

pytestmark = pytest.mark.django_db


def url(inspection, **params):
    from urllib.parse import urlencode

    return f"/api/v1/inspections/{inspection.pk}/timeline/" + (f"?{urlencode(params)}" if params else "")


def test_pages_follow_next_to_the_end(api_client, inspector, timed_inspection, django_assert_num_queries):
    api_client.force_authenticate(inspector)
    seen, link = [], url(timed_inspection, page_size=5)
    first = True
    while link:
        # inspection, jobs, consent marker, rows, findings of the page (+ the user's session-less auth: none)
        if first:
            with django_assert_num_queries(5):
                response = api_client.get(link)
            first = False
        else:
            response = api_client.get(link)
        assert response.status_code == 200, response.content
        body = response.json()
        seen += body["results"]
        link = body["next"]
    timed = ScanObservation.objects.filter(job__inspection=timed_inspection, at__isnull=False).count()
    assert len(seen) == timed
    assert body["consent"]["source"] == "marker"
    assert body["consent"]["at"].startswith("2025-03-01T09:00:03")
    assert {row["before_consent"] for row in seen} == {True, False}
    assert sum(row["is_consent"] for row in seen) == 1
    assert any(row["finding"] for row in seen)


def test_query_count_does_not_grow_with_the_page(api_client, inspector, timed_inspection, django_assert_num_queries):
    api_client.force_authenticate(inspector)
    with django_assert_num_queries(5):
        response = api_client.get(url(timed_inspection, page_size=100))
    assert response.status_code == 200 and response.json()["next"] is None


def test_filters(api_client, inspector, timed_inspection):
    api_client.force_authenticate(inspector)
    rows = api_client.get(url(timed_inspection, kind="http_request", consent="before")).json()["results"]
    assert rows and all(r["kind"] == "http_request" and r["before_consent"] for r in rows)
    rows = api_client.get(url(timed_inspection, party="cn.example")).json()["results"]
    assert len(rows) == 5 and all(r["tool"] == "privacysentry" for r in rows)


def test_errors(api_client, inspector, vendor_user, timed_inspection):
    api_client.force_authenticate(inspector)
    response = api_client.get(url(timed_inspection, cursor="xyz"))
    assert response.status_code == 400 and response.json()["error"]["code"] == "invalid_cursor"
    response = api_client.get(url(timed_inspection, **{"from": "nope"}))
    assert response.status_code == 400
    assert api_client.get(f"/api/v1/inspections/{10**8}/timeline/").status_code == 404
    api_client.force_authenticate(vendor_user)
    assert api_client.get(url(timed_inspection)).status_code in (403, 404)
