import pytest
from django.urls import reverse

from accounts.error_codes import NOT_FOUND
from notices import services, workflow
from notices.error_codes import (
    ACCESS_CODE_GONE,
    NOTICE_CASE_NOT_ELIGIBLE,
    NOTICE_CORRECTION_EXISTS,
    NOTICE_FOUR_EYES,
    NOTICE_FROZEN,
    NOTICE_TRANSITION_NOT_ALLOWED,
)
from notices.models import Notice, NoticeEvent, NoticeKind, NoticeStatus

from .conftest import make_case

pytestmark = pytest.mark.django_db
LIST = "/api/v1/notices/"


def _draft(actor, *cases, kind=NoticeKind.NAMING):
    return services.notice_draft(actor=actor, kind=kind, case_ids=[c.pk for c in cases])


def test_urls():
    assert reverse("notices-api:list") == LIST
    assert reverse("notices-api:public-verify") == "/api/v1/public/verify/"


def test_draft_via_api(api_client, inspector):
    a, b = make_case(), make_case()
    api_client.force_authenticate(inspector)
    response = api_client.post(LIST, {"kind": "naming", "case_ids": [a.pk, b.pk]}, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["status"] == "draft" and body["series"] == "app" and body["entry_count"] == 2
    assert [e["case"] for e in body["entries"]] == [a.pk, b.pk]
    assert body["drafted_by"] == "inspector1"


def test_draft_errors_have_stable_codes(api_client, inspector):
    api_client.force_authenticate(inspector)
    case = make_case("ordered")
    response = api_client.post(LIST, {"kind": "naming", "case_ids": [case.pk]}, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == NOTICE_CASE_NOT_ELIGIBLE
    assert response.json()["error"]["details"] == {"cases": [case.pk]}
    response = api_client.post(LIST, {"kind": "bogus", "case_ids": []}, format="json")
    assert response.status_code == 400 and response.json()["error"]["code"] == "invalid"


def test_vendor_users_and_anonymous_are_refused(api_client, vendor_user):
    assert api_client.get(LIST).status_code in (401, 403)
    api_client.force_authenticate(vendor_user)
    response = api_client.get(LIST)
    assert response.status_code == 403 and response.json()["error"]["code"] == "permission_denied"


def test_edit_then_approve_then_frozen(api_client, inspector, reviewer):
    notice = _draft(inspector, make_case())
    api_client.force_authenticate(inspector)
    url = f"{LIST}{notice.pk}/"
    response = api_client.patch(url, {"closing": "新的结尾。"}, format="json")
    assert response.status_code == 200 and response.json()["closing"] == "新的结尾。"

    # The drafter cannot approve: four eyes.
    api_client.force_authenticate(reviewer)
    own = _draft(reviewer, make_case())
    response = api_client.post(f"{LIST}{own.pk}/approve/")
    assert response.status_code == 403 and response.json()["error"]["code"] == NOTICE_FOUR_EYES

    response = api_client.post(f"{url}approve/", {"reason": "核对无误"}, format="json")
    assert response.status_code == 200 and response.json()["status"] == "approved"
    assert response.json()["approved_by"] == "reviewer1"

    api_client.force_authenticate(inspector)
    response = api_client.patch(url, {"closing": "再改"}, format="json")
    assert response.status_code == 409 and response.json()["error"]["code"] == NOTICE_FROZEN
    # Inspectors may not approve or publish at all.
    response = api_client.post(f"{url}publish/")
    assert response.status_code == 403


def test_publish_answers_202_and_publishes_on_commit(
    api_client, inspector, reviewer, renderer, frozen, django_capture_on_commit_callbacks
):
    notice = workflow.notice_approve(actor=reviewer, notice=_draft(inspector, make_case()))
    api_client.force_authenticate(reviewer)
    with django_capture_on_commit_callbacks(execute=True):
        response = api_client.post(f"{LIST}{notice.pk}/publish/")
    assert response.status_code == 202
    assert response.json()["url"] == f"{LIST}{notice.pk}/"
    notice.refresh_from_db()
    assert notice.status == NoticeStatus.PUBLISHED and notice.batch_number == 1
    detail = api_client.get(f"{LIST}{notice.pk}/").json()
    assert detail["batch_label"] == "（2025年第1批，总第1批）" and detail["pdf_sha256"] == notice.pdf_sha256
    # Again: still one version.
    with django_capture_on_commit_callbacks(execute=True):
        assert api_client.post(f"{LIST}{notice.pk}/publish/").status_code == 202
    assert Notice.objects.filter(status=NoticeStatus.PUBLISHED).count() == 1
    assert NoticeEvent.objects.filter(notice=notice, to_status="published").count() == 1


def test_publishing_a_draft_is_a_conflict(api_client, inspector, reviewer):
    notice = _draft(inspector, make_case())
    api_client.force_authenticate(reviewer)
    response = api_client.post(f"{LIST}{notice.pk}/publish/")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == NOTICE_TRANSITION_NOT_ALLOWED


def test_correct_and_access_code(api_client, inspector, reviewer, renderer, frozen, django_capture_on_commit_callbacks):
    case = make_case("open")
    notice = workflow.notice_approve(actor=reviewer, notice=_draft(inspector, case, kind=NoticeKind.ORDER))
    with django_capture_on_commit_callbacks(execute=True):
        workflow.notice_publish(notice_id=notice.pk, actor=reviewer)
    api_client.force_authenticate(reviewer)
    response = api_client.post(f"{LIST}{notice.pk}/access-code/")
    assert response.status_code == 200
    assert response.json()["access_code"] == renderer.documents[0].access_code
    response = api_client.post(f"{LIST}{notice.pk}/access-code/")
    assert response.status_code == 404 and response.json()["error"]["code"] == ACCESS_CODE_GONE

    response = api_client.post(f"{LIST}{notice.pk}/correct/", {"reason": "笔误"}, format="json")
    assert response.status_code == 201
    assert response.json()["version"] == 2 and response.json()["supersedes"] == notice.pk
    response = api_client.post(f"{LIST}{notice.pk}/correct/", {}, format="json")
    assert response.status_code == 409 and response.json()["error"]["code"] == NOTICE_CORRECTION_EXISTS


def test_missing_notice_is_404(api_client, reviewer):
    api_client.force_authenticate(reviewer)
    response = api_client.get(f"{LIST}999999/")
    assert response.status_code == 404 and response.json()["error"]["code"] == NOT_FOUND


def test_draftable_cases(api_client, inspector):
    overdue, ordered = make_case(), make_case("ordered")
    api_client.force_authenticate(inspector)
    body = api_client.get("/api/v1/notices/draftable-cases/?kind=naming").json()
    assert [c["id"] for c in body["results"]] == [overdue.pk]
    assert ordered.pk not in [c["id"] for c in body["results"]]


@pytest.mark.parametrize("page_size", [10, 100])
def test_list_query_count_does_not_grow_with_page_size(
    api_client, inspector, reviewer, django_assert_num_queries, page_size
):
    for _ in range(12):
        _draft(inspector, make_case(), make_case())
    api_client.force_authenticate(reviewer)
    # count, the page's ids, their notices (select_related joined in), their row counts: four
    # queries at any page size (the offset is paid on the index alone, and the row counts are read
    # for the page only: counted in the page's query they were computed for every skipped row).
    with django_assert_num_queries(4):
        response = api_client.get(f"{LIST}?page_size={page_size}")
    assert response.status_code == 200
    assert len(response.json()["results"]) == min(page_size, 12)
    assert response.json()["results"][0]["entry_count"] == 2


def test_the_next_page_of_notices_follows_the_cursor(api_client, inspector, reviewer):
    # The ids-first page once answered 500 when a next page existed (the cursor read its order
    # from bare ids).
    drafted = [_draft(inspector, make_case()).pk for _ in range(3)]
    api_client.force_authenticate(reviewer)
    first = api_client.get(f"{LIST}?page_size=2")
    assert first.status_code == 200 and "cursor=" in first.json()["next"]
    second = api_client.get(first.json()["next"])
    assert second.status_code == 200
    shown = [row["id"] for row in first.json()["results"] + second.json()["results"]]
    assert shown == sorted(drafted, reverse=True)
    assert second.json()["next"] is None


@pytest.mark.parametrize("page_size", [10, 100])
def test_draftable_cases_query_count_does_not_grow(api_client, inspector, django_assert_num_queries, page_size):
    for _ in range(12):
        make_case()
    api_client.force_authenticate(inspector)
    with django_assert_num_queries(2):
        response = api_client.get(f"/api/v1/notices/draftable-cases/?kind=naming&page_size={page_size}")
    assert len(response.json()["results"]) == min(page_size, 12)


def test_list_filters(api_client, inspector, reviewer):
    draft = _draft(inspector, make_case())
    approved = workflow.notice_approve(actor=reviewer, notice=_draft(inspector, make_case()))
    api_client.force_authenticate(reviewer)
    assert [n["id"] for n in api_client.get(f"{LIST}?status=approved").json()["results"]] == [approved.pk]
    assert [n["id"] for n in api_client.get(f"{LIST}?status=draft").json()["results"]] == [draft.pk]


def test_public_verify_api(api_client, inspector, reviewer, renderer, frozen):
    notice = workflow.notice_approve(actor=reviewer, notice=_draft(inspector, make_case()))
    notice = workflow.notice_publish(notice_id=notice.pk, actor=reviewer)
    response = api_client.get(f"/api/v1/public/verify/?sha256={notice.pdf_sha256.upper()}")
    assert response.status_code == 200
    body = response.json()
    assert body["authentic"] is True
    assert body["notice"]["version"] == 1 and body["notice"]["status"] == "published"
    assert body["notice"]["url"] == f"/register/{notice.pk}/"
    assert body["current"]["number"] == "（2025年第1批，总第1批）"

    response = api_client.get("/api/v1/public/verify/?sha256=" + "0" * 64)
    assert response.json() == {"authentic": False, "sha256": "0" * 64}
    response = api_client.get("/api/v1/public/verify/?sha256=nothex")
    assert response.status_code == 400 and response.json()["error"]["code"] == "invalid"


def test_verify_api_tells_a_superseded_version(api_client, inspector, reviewer, renderer, frozen):
    old = workflow.notice_publish(
        notice_id=workflow.notice_approve(actor=reviewer, notice=_draft(inspector, make_case())).pk, actor=reviewer
    )
    new = services.notice_correct(actor=inspector, notice=old)
    services.notice_update(actor=inspector, notice=new, closing="更正后的结尾。")
    workflow.notice_approve(actor=reviewer, notice=new)
    new = workflow.notice_publish(notice_id=new.pk, actor=reviewer)
    body = api_client.get(f"/api/v1/public/verify/?sha256={old.pdf_sha256}").json()
    assert body["authentic"] is True
    assert (body["notice"]["status"], body["notice"]["version"]) == ("superseded", 1)
    assert (body["current"]["status"], body["current"]["version"]) == ("published", 2)
    assert body["current"]["url"] == f"/register/{new.pk}/"


def test_error_responses_are_in_the_schema(api_client):
    schema = api_client.get("/api/schema/?format=json").json()
    publish = schema["paths"]["/api/v1/notices/{id}/publish/"]["post"]["responses"]
    assert {"202", "403", "404", "409"} <= set(publish)
    verify = schema["paths"]["/api/v1/public/verify/"]["get"]["responses"]
    assert {"200", "400"} <= set(verify)


def test_list_filters_that_are_not_a_choice_are_refused(api_client, inspector):
    """Found by schemathesis: a NUL byte in ``kind`` reached PostgreSQL and answered 500."""
    api_client.force_authenticate(inspector)
    for params in ({"kind": "naming\x00"}, {"status": "x\x00y"}, {"kind": "nonsense"}):
        response = api_client.get(LIST, params)
        assert response.status_code == 400, params
        assert response.json()["error"]["code"] == "invalid"
    assert api_client.get(LIST, {"kind": "naming", "status": "draft"}).status_code == 200
