"""The cases admin: reference data is editable; records, and the calendar (imported on its own page,
which checks it and recounts deadlines), are read-only."""

import datetime

import pytest
from django.apps import apps
from django.contrib import admin

from cases import events
from cases.clock.calendar import add_working_days
from cases.models import CaseEvent, DayKind, OfficialDay, ViolationType

pytestmark = pytest.mark.django_db


def test_every_cases_model_is_in_the_admin():
    missing = [m.__name__ for m in apps.get_app_config("cases").get_models() if not admin.site.is_registered(m)]
    assert missing == []


@pytest.mark.parametrize("model", list(apps.get_app_config("cases").get_models()), ids=lambda m: m.__name__)
def test_write_permissions(rf, admin_user, model):
    request = rf.get("/admin/")
    request.user = admin_user
    model_admin = admin.site._registry[model]
    editable = model is ViolationType or model.__name__ in {"Campaign", "TestingAgency"}
    assert model_admin.has_add_permission(request) is editable
    assert model_admin.has_change_permission(request) is editable
    assert model_admin.has_delete_permission(request) is editable
    assert model_admin.has_view_permission(request) is True


def test_case_event_changelist_and_detail_are_viewable_not_editable(client, admin_user, case_factory):
    case = case_factory()
    event = events.record(case=case, kind=events.OPENED, actor=admin_user, to_status="open")
    client.force_login(admin_user)
    assert client.get("/admin/cases/caseevent/").status_code == 200
    detail = client.get(f"/admin/cases/caseevent/{event.pk}/change/")
    assert detail.status_code == 200
    assert b'name="_save"' not in detail.content
    assert client.post(f"/admin/cases/caseevent/{event.pk}/delete/", {"post": "yes"}).status_code == 403
    assert client.get("/admin/cases/caseevent/add/").status_code == 403
    assert CaseEvent.objects.filter(pk=event.pk).exists()


def test_an_official_day_cannot_be_added_in_the_admin_bypassing_the_import(client, admin_user):
    """One door for the calendar: the admin would change days without checks or recounting."""
    client.force_login(admin_user)
    response = client.post(
        "/admin/cases/officialday/add/", {"date": "2025-10-13", "kind": DayKind.HOLIDAY, "name": "临时休假"}
    )
    assert response.status_code == 403
    assert not OfficialDay.objects.filter(date=datetime.date(2025, 10, 13)).exists()
    assert add_working_days(datetime.date(2025, 10, 10), 2) == datetime.date(2025, 10, 13)


def test_calendar_admin_pages_render(client, admin_user):
    client.force_login(admin_user)
    assert client.get("/admin/cases/officialday/?kind=workday").status_code == 200
    assert client.get("/admin/cases/calendaryear/").status_code == 200
    assert client.get("/admin/cases/calendarimport/").status_code == 200
    assert client.get("/admin/cases/case/").status_code == 200
