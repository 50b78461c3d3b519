"""The calendar pages (preview before saving, refusals quoted, the overview), the upkeep banner,
and the plain-words refusal to serve an order whose deadline falls in an unknown year."""

import datetime

import pytest
from django.utils import translation
from freezegun import freeze_time

from cases.clock.calendar import MSG_UNKNOWN_YEAR
from cases.error_codes import CALENDAR_YEAR_UNKNOWN
from cases.models import CalendarImport, CalendarYear, OfficialDay
from notices import services as notice_services
from notices import workflow as notice_workflow
from notices.models import NoticeKind, NoticeStatus
from tests import factories
from tests.cases.clock.test_upkeep import CORRECTED_2027, NOTICE_2027
from tests.cases.served import served_case

pytestmark = pytest.mark.django_db

D = datetime.date


@pytest.fixture
def admin(db):
    return factories.UserFactory(role="admin", username="cal-admin")


def test_preview_shows_the_year_and_saves_nothing(client, admin):
    client.force_login(admin)
    response = client.post("/calendar/import/", {"text": NOTICE_2027, "action": "preview"}, HTTP_ACCEPT_LANGUAGE="en")
    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="preview-year">2027<' in html
    assert 'data-testid="preview-holidays">10<' in html and 'data-testid="preview-workdays">1<' in html
    assert 'data-date="2027-01-01"' in html and "cal-day--holiday" in html and "cal-day--workday" in html
    assert "Month 1 · 20 working days" in html
    assert 'data-testid="calendar-save"' in html
    assert not CalendarYear.objects.filter(year=2027).exists()


def test_save_from_the_preview_records_the_import(client, admin):
    client.force_login(admin)
    response = client.post("/calendar/import/", {"text": NOTICE_2027, "action": "save"}, follow=True)
    assert response.redirect_chain[-1][0] == "/calendar/"
    assert CalendarImport.objects.get(year=2027).imported_by == admin
    html = response.content.decode()
    assert 'data-testid="known-years">2004–2027<' in html
    assert "国办发明电〔2026〕99号" in html


def test_a_refusal_quotes_the_sentence_on_the_form(client, admin):
    client.force_login(admin)
    bad = NOTICE_2027.replace("共7天", "共8天")
    for language, words in (("en", "states 8 days but gives 7"), ("zh-hans", "共8天")):
        response = client.post("/calendar/import/", {"text": bad, "action": "save"}, HTTP_ACCEPT_LANGUAGE=language)
        html = response.content.decode()
        assert response.status_code == 200 and words in html
        assert "二、春节：2月5日（周五）至11日（周四）放假调休，共8天。" in html
    assert not CalendarYear.objects.filter(year=2027).exists()


def test_a_correction_preview_lists_the_deadlines_it_moves(client, admin):
    client.post  # noqa: B018
    from cases.clock.upkeep import notice_import

    notice_import(actor=admin, text=NOTICE_2027)
    case = served_case(served_on=D(2026, 12, 21), deadline=D(2027, 1, 5))
    client.force_login(admin)
    html = client.post(
        "/calendar/import/", {"text": CORRECTED_2027, "action": "preview"}, HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    assert 'data-testid="preview-correction"' in html and "2 day(s) added" in html
    assert case.number in html and "2027-01-05" in html and "2027-01-06" in html


@pytest.mark.parametrize("role", ["reviewer", "inspector"])
def test_only_administrators_import(client, role):
    client.force_login(factories.UserFactory(role=role))
    assert client.get("/calendar/import/").status_code == 403
    assert client.post("/calendar/import/", {"text": NOTICE_2027, "action": "save"}).status_code == 403
    assert client.get("/calendar/").status_code == 200  # any regulator may see what is known


def test_vendor_users_see_no_calendar_page(client, vendor_user):
    client.force_login(vendor_user)
    assert client.get("/calendar/").status_code == 403


# The banner


@pytest.mark.parametrize(("role", "shown"), [("admin", True), ("reviewer", True), ("inspector", False)])
def test_banner_from_1_november_for_administrators_and_reviewers(client, role, shown):
    client.force_login(factories.UserFactory(role=role))
    with freeze_time("2026-10-31 12:00:00+08:00"):
        assert 'data-testid="calendar-banner"' not in client.get("/cases/").content.decode()
    with freeze_time("2026-11-01 09:00:00+08:00"):
        html = client.get("/cases/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert ('data-testid="calendar-banner"' in html) == shown
    if shown:
        assert "The official calendar is known until 2026-12-31." in html
        assert "Import the 2027 schedule" in html


def test_banner_in_chinese_links_administrators_to_the_import(client, admin):
    client.force_login(admin)
    with freeze_time("2026-12-06 09:00:00+08:00"):
        html = client.get("/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert 'data-testid="calendar-banner"' in html and 'href="/calendar/import/"' in html
    with translation.override("zh-hans"):
        from django.utils.translation import gettext

        assert gettext("Import the %(year)s schedule") % {"year": 2027} in html


def test_banner_says_when_the_calendar_has_run_out_and_pages_still_answer(client, admin):
    """The clock ran on into a year nobody imported (days of downtime over New Year)."""
    served_case(served_on=D(2026, 12, 21), deadline=D(2026, 12, 28))
    with freeze_time("2027-01-04 09:00:00+08:00"):
        client.force_login(admin)
        html = client.get("/cases/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
        for path in ("/", "/dashboard/", "/decisions/", "/calendar/", "/notices/"):
            assert client.get(path).status_code == 200, path
    assert "upkeep-banner--expired" in html and "orders cannot be served" in html


def test_banner_goes_once_next_year_is_imported(client, admin):
    from cases.clock.upkeep import notice_import

    notice_import(actor=admin, text=NOTICE_2027)
    client.force_login(admin)
    with freeze_time("2026-12-06 09:00:00+08:00"):
        assert 'data-testid="calendar-banner"' not in client.get("/cases/").content.decode()


def test_dashboard_says_until_when_the_calendar_is_known(client, reviewer):
    factories.CampaignFactory()
    client.force_login(reviewer)
    with freeze_time("2026-06-01 09:00:00+08:00"):
        html = client.get("/dashboard/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'data-testid="calendar-known-until"' in html and "known until 2026-12-31" in html


# Serving an order whose deadline would fall in an unknown year


def _approved_order(reviewer, *, period: int):
    from tests.notices.conftest import make_case

    campaign = factories.CampaignFactory(deadline_working_days=period)
    case = make_case("open", campaign=campaign)
    drafter = factories.UserFactory(role="inspector")
    notice = notice_services.notice_draft(actor=drafter, kind=NoticeKind.ORDER, case_ids=[case.pk])
    return notice_workflow.notice_approve(actor=reviewer, notice=notice)


def test_serving_into_an_unknown_year_is_refused_in_plain_words(client, reviewer):
    notice = _approved_order(reviewer, period=15)
    client.force_login(reviewer)
    with freeze_time("2026-12-15 10:00:00+08:00"):
        response = client.post(f"/notices/{notice.pk}/publish/", follow=True, HTTP_ACCEPT_LANGUAGE="en")
    html = response.content.decode()
    with translation.override("en"):
        expected = str(MSG_UNKNOWN_YEAR % {"year": 2027})
    assert expected in html.replace("&#x27;", "'")
    assert "calendar_year_unknown" not in html
    notice.refresh_from_db()
    assert notice.status == NoticeStatus.APPROVED and notice.publish_requested_at is None


def test_serving_inside_the_known_year_is_requested(client, reviewer, django_capture_on_commit_callbacks):
    notice = _approved_order(reviewer, period=5)
    client.force_login(reviewer)
    with freeze_time("2026-12-15 10:00:00+08:00"):
        client.post(f"/notices/{notice.pk}/publish/")
    notice.refresh_from_db()
    assert notice.publish_requested_at is not None


def test_the_api_keeps_its_400_calendar_year_unknown(api_client, inspector):
    api_client.force_authenticate(inspector)
    response = api_client.get("/api/v1/calendar/deadline/", {"start": "2026-12-15", "working_days": 15})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == CALENDAR_YEAR_UNKNOWN


def test_official_days_are_read_only_in_the_admin(client, django_user_model):
    superuser = factories.UserFactory(role="admin", is_staff=True, is_superuser=True)
    client.force_login(superuser)
    day = OfficialDay.objects.first()
    assert client.get("/admin/cases/officialday/add/").status_code == 403
    response = client.post(f"/admin/cases/officialday/{day.pk}/change/", {"kind": "workday"})
    assert response.status_code in (302, 403)
    day.refresh_from_db()
    assert OfficialDay.objects.get(pk=day.pk).kind == day.kind
