"""REST API for cases: opening from findings, scoped reads, filters and workflow moves."""

import datetime
import json

import pytest

from accounts.error_codes import NOT_FOUND, REASON_REQUIRED
from accounts.tokens import api_token_issue
from cases import events
from cases.error_codes import (
    CASE_TRANSITION_NOT_ALLOWED,
    FINDING_IN_CASE,
    FINDING_NOT_CONFIRMED,
    FINDINGS_SEVERAL_VERSIONS,
    RETEST_FINDINGS_REMAIN,
    RETEST_MISSING,
)
from cases.models import Case, CaseEvent, CaseStatus, FindingStatus
from config.api import server_error
from tests import factories

pytestmark = pytest.mark.django_db

CASES = "/api/v1/cases/"
S = CaseStatus


def force(case, status, deadline=None):
    """Put a case in a state for the test (bypassing the workflow on purpose)."""
    Case.objects.filter(pk=case.pk).update(status=status, deadline=deadline)
    case.refresh_from_db()
    return case


@pytest.fixture
def as_reviewer(api_client, reviewer):
    api_client.force_authenticate(reviewer)
    return api_client


@pytest.fixture
def as_inspector(api_client, inspector):
    api_client.force_authenticate(inspector)
    return api_client


@pytest.fixture
def confirmed(finding_factory, inspection_factory):
    inspection = inspection_factory()
    return [finding_factory(inspection=inspection, status=FindingStatus.CONFIRMED) for _ in range(2)]


# Opening


def test_open_a_case_from_confirmed_findings(as_inspector, inspector, confirmed):
    response = as_inspector.post(CASES, {"findings": [f.pk for f in confirmed]}, format="json")
    assert response.status_code == 201
    body = response.json()
    case = Case.objects.get(pk=body["id"])
    assert body["number"] == case.number
    assert case.number.startswith("RC-")
    assert body["status"] == "open"
    assert sorted(f["id"] for f in body["findings"]) == sorted(f.pk for f in confirmed)
    assert body["vendor"]["id"] == confirmed[0].inspection.product_version.product.vendor_id
    assert [(e["kind"], e["actor"], e["to_status"]) for e in body["events"]] == [("opened", "inspector1", "open")]
    assert body["overdue"] is False


def test_open_from_a_candidate_is_409(as_inspector, finding_factory):
    response = as_inspector.post(CASES, {"findings": [finding_factory().pk]}, format="json")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == FINDING_NOT_CONFIRMED
    assert not Case.objects.exists()


def test_open_from_findings_already_in_a_case_is_409(as_inspector, confirmed):
    assert as_inspector.post(CASES, {"findings": [confirmed[0].pk]}, format="json").status_code == 201
    response = as_inspector.post(CASES, {"findings": [f.pk for f in confirmed]}, format="json")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == FINDING_IN_CASE


def test_open_from_several_versions_is_400(as_inspector, finding_factory):
    findings = [finding_factory(status=FindingStatus.CONFIRMED) for _ in range(2)]
    response = as_inspector.post(CASES, {"findings": [f.pk for f in findings]}, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == FINDINGS_SEVERAL_VERSIONS


@pytest.mark.parametrize(
    ("payload", "code"),
    [({"findings": []}, "min_length"), ({}, "required"), ({"findings": [999999]}, "does_not_exist")],
)
def test_open_bad_input_is_a_field_error(as_inspector, payload, code):
    response = as_inspector.post(CASES, payload, format="json")
    assert response.status_code == 400
    assert [e["code"] for e in response.json()["error"]["details"]["findings"]] == [code]


def test_vendor_users_cannot_open_cases(api_client, vendor_user, confirmed):
    api_client.force_authenticate(vendor_user)
    assert api_client.post(CASES, {"findings": [confirmed[0].pk]}, format="json").status_code == 403


# Reads and filters


def test_list_and_retrieve(as_reviewer, case_factory, finding_factory):
    case = case_factory()
    finding_factory(
        case=case,
        status=FindingStatus.CONFIRMED,
        inspection=factories.InspectionFactory(product_version=case.product_version),
    )
    listed = as_reviewer.get(CASES).json()
    assert listed["count"] == 1
    row = listed["results"][0]
    assert (row["id"], row["number"], row["finding_count"]) == (case.pk, case.number, 1)
    detail = as_reviewer.get(f"{CASES}{case.pk}/").json()
    assert len(detail["findings"]) == 1
    assert detail["events"] == []


def test_filters(as_reviewer, case_factory, product_factory):
    terminal = product_factory(kind="terminal", terminal_category="camera")
    ordered = force(case_factory(), S.ORDERED, deadline=datetime.date(2099, 1, 1))
    late = force(case_factory(), S.ORDERED, deadline=datetime.date(2020, 1, 1))
    marked = force(case_factory(), S.OVERDUE)
    camera = case_factory(product_version=factories.ProductVersionFactory(product=terminal))

    def ids(**params):
        response = as_reviewer.get(CASES, params)
        assert response.status_code == 200, response.json()
        return sorted(r["id"] for r in response.json()["results"])

    assert ids(status="ordered") == sorted([ordered.pk, late.pk])
    assert ids(status=["open", "overdue"]) == sorted([marked.pk, camera.pk])
    assert ids(overdue="true") == sorted([late.pk, marked.pk])
    assert ids(overdue="false") == sorted([ordered.pk, camera.pk])
    assert ids(kind="terminal") == [camera.pk]
    assert ids(campaign=late.campaign_id) == [late.pk]
    assert ids(vendor=marked.vendor_id) == [marked.pk]
    assert ids(q=camera.number) == [camera.pk]
    listed = {r["id"]: r["overdue"] for r in as_reviewer.get(CASES).json()["results"]}
    assert listed[late.pk] is True and listed[ordered.pk] is False


def test_bad_filter_value_is_400(as_reviewer):
    response = as_reviewer.get(CASES, {"status": "lost"})
    assert response.status_code == 400
    assert response.json()["error"]["details"]["status"][0]["code"] == "invalid_choice"


def test_missing_case_is_404(as_reviewer):
    response = as_reviewer.get(f"{CASES}999999/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 404
    assert response.json() == {"error": {"code": NOT_FOUND, "message": "Not found.", "details": {}}}


# Vendor scoping


@pytest.fixture
def vendor_cases(vendor_user, case_factory, finding_factory):
    """The vendor user's served case, its unserved one, and another vendor's served case."""
    vendor = vendor_user.membership.vendor
    version = factories.ProductVersionFactory(product=factories.ProductFactory(vendor=vendor))
    served = force(case_factory(product_version=version), S.ORDERED, deadline=datetime.date(2025, 10, 10))
    inspection = factories.InspectionFactory(product_version=version)
    finding_factory(case=served, inspection=inspection, status=FindingStatus.CONFIRMED, title="可见")
    finding_factory(case=served, inspection=inspection, status=FindingStatus.DISMISSED, title="不可见")
    events.record(case=served, kind=events.OPENED, actor=served.opened_by, to_status="open")
    unserved = case_factory(product_version=version)
    others = force(case_factory(), S.ORDERED)
    return served, unserved, others


def test_vendor_user_lists_only_its_served_cases(api_client, vendor_user, vendor_cases):
    served, _unserved, _others = vendor_cases
    api_client.force_authenticate(vendor_user)
    body = api_client.get(CASES).json()
    assert [r["id"] for r in body["results"]] == [served.pk]


def test_vendor_user_sees_confirmed_findings_and_no_officer_names(api_client, vendor_user, vendor_cases):
    served, _unserved, _others = vendor_cases
    api_client.force_authenticate(vendor_user)
    detail = api_client.get(f"{CASES}{served.pk}/").json()
    assert [f["title"] for f in detail["findings"]] == ["可见"]
    assert [e["kind"] for e in detail["events"]] == ["opened"]
    assert "actor" not in detail["events"][0]


def test_another_vendors_case_and_an_unserved_case_are_404(api_client, vendor_user, vendor_cases):
    _served, unserved, others = vendor_cases
    api_client.force_authenticate(vendor_user)
    for case in [others, unserved]:
        response = api_client.get(f"{CASES}{case.pk}/")
        assert response.status_code == 404
        assert response.json()["error"]["code"] == NOT_FOUND


def test_vendor_users_cannot_move_cases(api_client, vendor_user, vendor_cases):
    served, _unserved, _others = vendor_cases
    api_client.force_authenticate(vendor_user)
    response = api_client.post(f"{CASES}{served.pk}/withdraw/", {"reason": "x"}, format="json")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"
    served.refresh_from_db()
    assert served.status == S.ORDERED


# Moves


def test_withdraw_with_a_reason(as_reviewer, reviewer, case_factory):
    case = case_factory()
    response = as_reviewer.post(f"{CASES}{case.pk}/withdraw/", {"reason": "重复立案"}, format="json")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "withdrawn"
    event = CaseEvent.objects.get(case=case)
    assert (event.kind, event.actor, event.from_status, event.to_status, event.reason) == (
        "transition",
        reviewer,
        "open",
        "withdrawn",
        "重复立案",
    )
    assert body["events"][-1]["reason"] == "重复立案"


def test_withdraw_without_a_reason_is_400(as_reviewer, case_factory):
    case = case_factory()
    response = as_reviewer.post(f"{CASES}{case.pk}/withdraw/", {"reason": "  "}, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == REASON_REQUIRED
    assert not CaseEvent.objects.exists()


def test_a_forbidden_move_is_409_with_the_transition_code(as_reviewer, case_factory):
    case = force(case_factory(), S.ORDERED)
    response = as_reviewer.post(f"{CASES}{case.pk}/close/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == CASE_TRANSITION_NOT_ALLOWED
    assert error["details"] == {"from_status": "ordered", "to_status": "closed"}
    assert "ordered" in error["message"]
    case.refresh_from_db()
    assert case.status == S.ORDERED
    assert not CaseEvent.objects.exists()


def test_withdrawing_a_closed_case_is_409(as_reviewer, case_factory):
    case = force(case_factory(), S.CLOSED)
    response = as_reviewer.post(f"{CASES}{case.pk}/withdraw/", {"reason": "x"}, format="json")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == CASE_TRANSITION_NOT_ALLOWED


def test_confirm_rectified_then_close(as_reviewer, case_factory):
    case = force(case_factory(), S.VERIFYING)
    factories.linked_retest(case)
    assert as_reviewer.post(f"{CASES}{case.pk}/confirm-rectified/").json()["status"] == "rectified"
    assert as_reviewer.post(f"{CASES}{case.pk}/close/", {"reason": "结案"}, format="json").json()["status"] == "closed"
    kinds = list(CaseEvent.objects.filter(case=case).values_list("from_status", "to_status"))
    assert kinds == [("verifying", "rectified"), ("rectified", "closed")]


def test_confirm_rectified_without_a_retest_is_refused_as_on_the_decision_page(as_reviewer, case_factory):
    case = force(case_factory(), S.VERIFYING)
    response = as_reviewer.post(f"{CASES}{case.pk}/confirm-rectified/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == RETEST_MISSING
    case.refresh_from_db()
    assert case.status == S.VERIFYING
    assert not CaseEvent.objects.filter(case=case).exists()


def test_confirm_rectified_with_a_finding_still_there_is_refused(as_reviewer, case_factory):
    case = force(case_factory(), S.VERIFYING)
    factories.linked_retest(case, still_there=True)
    response = as_reviewer.post(f"{CASES}{case.pk}/confirm-rectified/")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == RETEST_FINDINGS_REMAIN
    case.refresh_from_db()
    assert case.status == S.VERIFYING


def test_retest_failed_without_a_retest_or_a_reason_is_refused(as_reviewer, case_factory):
    case = force(case_factory(), S.VERIFYING)
    response = as_reviewer.post(f"{CASES}{case.pk}/retest-failed/", {"reason": "仍收集IMEI"}, format="json")
    assert (response.status_code, response.json()["error"]["code"]) == (409, RETEST_MISSING)
    factories.linked_retest(case, still_there=True)
    response = as_reviewer.post(f"{CASES}{case.pk}/retest-failed/", {"reason": "  "}, format="json")
    assert (response.status_code, response.json()["error"]["code"]) == (400, REASON_REQUIRED)
    case.refresh_from_db()
    assert case.status == S.VERIFYING
    assert not CaseEvent.objects.filter(case=case).exists()


def test_retest_failed_goes_back_to_ordered(as_reviewer, case_factory):
    case = force(case_factory(), S.VERIFYING)
    factories.linked_retest(case, still_there=True)
    response = as_reviewer.post(f"{CASES}{case.pk}/retest-failed/", {"reason": "仍收集IMEI"}, format="json")
    assert response.status_code == 200
    assert response.json()["status"] == "ordered"


def test_retest_failed_outside_verifying_is_409(as_reviewer, case_factory):
    case = force(case_factory(), S.RESPONDED)
    response = as_reviewer.post(f"{CASES}{case.pk}/retest-failed/")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == CASE_TRANSITION_NOT_ALLOWED


def test_inspectors_cannot_decide_cases(as_inspector, case_factory):
    case = case_factory()
    assert as_inspector.post(f"{CASES}{case.pk}/withdraw/", {"reason": "x"}, format="json").status_code == 403


def test_move_on_a_missing_case_is_404(as_reviewer):
    assert as_reviewer.post(f"{CASES}999999/withdraw/", {"reason": "x"}, format="json").status_code == 404


# Query counts


@pytest.fixture
def many_cases(db):
    versions = [factories.ProductVersionFactory() for _ in range(8)]
    campaign = factories.CampaignFactory()
    opener = factories.UserFactory()
    for i in range(110):
        factories.CaseFactory(product_version=versions[i % 8], campaign=campaign, opened_by=opener)


@pytest.mark.parametrize("page_size", [10, 100])
def test_case_list_query_count_does_not_grow_with_the_page(
    as_reviewer, many_cases, django_assert_num_queries, page_size
):
    # One COUNT for the paginator and one SELECT with its joins and the finding count.
    with django_assert_num_queries(2):
        response = as_reviewer.get(CASES, {"page_size": page_size})
    assert len(response.json()["results"]) == page_size


@pytest.mark.parametrize("page_size", [10, 100])
def test_vendor_case_list_query_count_does_not_grow_with_the_page(
    api_client, vendor_user, django_assert_num_queries, page_size
):
    version = factories.ProductVersionFactory(product=factories.ProductFactory(vendor=vendor_user.membership.vendor))
    campaign, opener = factories.CampaignFactory(), factories.UserFactory()
    cases = factories.CaseFactory.create_batch(105, product_version=version, campaign=campaign, opened_by=opener)
    Case.objects.filter(pk__in=[c.pk for c in cases]).update(status=S.ORDERED)
    # A fresh user object, as each request loads it: the membership is not cached yet.
    api_client.force_authenticate(type(vendor_user).objects.get(pk=vendor_user.pk))
    # The membership and its vendor (products.selectors.vendor_of), then COUNT and SELECT.
    with django_assert_num_queries(4):
        response = api_client.get(CASES, {"page_size": page_size})
    assert len(response.json()["results"]) == page_size


def test_case_list_over_token_auth_adds_one_query(api_client, reviewer, many_cases, django_assert_num_queries):
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {api_token_issue(user=reviewer)[1]}")
    with django_assert_num_queries(3):
        response = api_client.get(CASES, {"page_size": 100})
    assert response.status_code == 200


# The one error shape, also where no view answers


def test_an_unknown_api_address_is_a_json_404(as_reviewer):
    response = as_reviewer.get("/api/v1/no-such-thing/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 404
    assert response.json() == {"error": {"code": NOT_FOUND, "message": "No such address in the API.", "details": {}}}


def test_an_unknown_page_is_not_json(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert not response["Content-Type"].startswith("application/json")


def test_a_crash_under_the_api_is_a_json_500(rf):
    response = server_error(rf.get("/api/v1/cases/"))
    assert response.status_code == 500
    assert json.loads(response.content)["error"]["code"] == "server_error"
    assert not server_error(rf.get("/cases/"))["Content-Type"].startswith("application/json")
