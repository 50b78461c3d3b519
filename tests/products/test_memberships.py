"""Colleagues of a vendor: every invitation and removal leaves an audit row, in its transaction."""

import pytest
from django.contrib import admin
from django.urls import reverse

from accounts.errors import Conflict, InvalidInput
from products import memberships
from products.error_codes import RATE_LIMITED, USERNAME_UNAVAILABLE
from products.models import VendorEvent, VendorMembership
from tests import factories
from tests.audit import assert_append_only

pytestmark = pytest.mark.django_db


@pytest.fixture
def vendor_admin():
    user = factories.VendorUserFactory(username="acme-it", email="it@acme.test")
    VendorMembership.objects.filter(user=user).update(is_vendor_admin=True)
    user.refresh_from_db()
    return user


def test_an_invitation_is_audited_with_who_invited_whom(vendor_admin):
    membership = memberships.membership_invite(
        actor=vendor_admin, username="colleague", email="c@acme.test", is_vendor_admin=True
    )
    [event] = VendorEvent.objects.all()
    assert event.vendor_id == membership.vendor_id == vendor_admin.membership.vendor_id
    assert event.kind == VendorEvent.MEMBER_INVITED and event.actor == vendor_admin
    assert event.data == {
        "user_id": membership.user_id,
        "username": "colleague",
        "email": "c@acme.test",
        "vendor_admin": True,
    }


def test_a_refused_invitation_writes_nothing(vendor_admin):
    factories.UserFactory(username="taken")
    with pytest.raises(InvalidInput):
        memberships.membership_invite(actor=vendor_admin, username="TAKEN", email="t@acme.test")
    assert not VendorEvent.objects.exists()


def test_a_removal_is_audited_once(vendor_admin):
    colleague = factories.VendorUserFactory(vendor=vendor_admin.membership.vendor, username="leaver")
    memberships.membership_remove(actor=vendor_admin, user_id=colleague.pk)
    with pytest.raises(Conflict):
        memberships.membership_remove(actor=vendor_admin, user_id=colleague.pk)
    [event] = VendorEvent.objects.all()
    assert (event.kind, event.actor, event.data["username"]) == (VendorEvent.MEMBER_REMOVED, vendor_admin, "leaver")


def test_history_is_the_admins_vendor_only_newest_first(vendor_admin):
    other_admin = factories.VendorUserFactory(username="other-it")
    VendorMembership.objects.filter(user=other_admin).update(is_vendor_admin=True)
    other_admin.refresh_from_db()
    memberships.membership_invite(actor=other_admin, username="elsewhere", email="e@other.test")
    memberships.membership_invite(actor=vendor_admin, username="first", email="f@acme.test")
    memberships.membership_invite(actor=vendor_admin, username="second", email="s@acme.test")
    history = memberships.vendor_event_list(actor=vendor_admin)
    assert [event.data["username"] for event in history] == ["second", "first"]


def test_the_team_page_shows_the_history(client, vendor_admin):
    colleague = factories.VendorUserFactory(vendor=vendor_admin.membership.vendor, username="leaver")
    client.force_login(vendor_admin)
    client.post(reverse("portal:team"), {"username": "newcomer", "email": "n@acme.test"})
    client.post(reverse("portal:team-remove", args=[colleague.pk]))
    page = client.get(reverse("portal:team"), HTTP_ACCEPT_LANGUAGE="en")
    text = page.content.decode()
    assert page.status_code == 200
    assert "Invited newcomer" in text and "Removed leaver" in text
    assert text.index("Removed leaver") < text.index("Invited newcomer")


def test_vendor_events_are_append_only_in_postgresql(require_postgresql, vendor_admin):
    memberships.membership_invite(actor=vendor_admin, username="colleague", email="c@acme.test")
    event = VendorEvent.objects.get()
    assert_append_only(VendorEvent, event.pk, kind="changed")
    event.refresh_from_db()
    assert event.kind == VendorEvent.MEMBER_INVITED


def test_vendor_events_are_read_only_in_the_admin(rf, admin_user):
    request = rf.get("/admin/")
    request.user = admin_user
    model_admin = admin.site._registry[VendorEvent]
    assert model_admin.has_view_permission(request) is True
    assert not (
        model_admin.has_add_permission(request)
        or model_admin.has_change_permission(request)
        or model_admin.has_delete_permission(request)
    )


@pytest.fixture
def _empty_cache():
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.mark.usefixtures("_empty_cache")
def test_a_taken_and_a_malformed_name_answer_alike(vendor_admin):
    """The invite form does not tell a vendor admin which user names exist elsewhere."""
    factories.UserFactory(username="regulator-chief")
    answers = []
    for username in ("REGULATOR-CHIEF", "no spaces!"):
        with pytest.raises(InvalidInput) as err:
            memberships.membership_invite(actor=vendor_admin, username=username, email="t@acme.test")
        answers.append((err.value.code, err.value.status, str(err.value.message), err.value.details))
    assert answers[0] == answers[1]
    assert answers[0][0] == USERNAME_UNAVAILABLE
    assert not VendorEvent.objects.exists()


@pytest.mark.usefixtures("_empty_cache")
def test_refused_invitations_are_limited_per_admin(vendor_admin):
    for i in range(memberships.INVITE_REFUSALS_PER_HOUR):
        factories.UserFactory(username=f"someone{i}")
        with pytest.raises(InvalidInput):
            memberships.membership_invite(actor=vendor_admin, username=f"someone{i}", email="t@acme.test")
    with pytest.raises(memberships.InviteRateLimited) as err:
        memberships.membership_invite(actor=vendor_admin, username="free-name", email="t@acme.test")
    assert (err.value.code, err.value.status) == (RATE_LIMITED, 429)

    other_admin = factories.VendorUserFactory(username="other-it")
    VendorMembership.objects.filter(user=other_admin).update(is_vendor_admin=True)
    other_admin.refresh_from_db()
    assert memberships.membership_invite(actor=other_admin, username="free-name", email="f@other.test")
