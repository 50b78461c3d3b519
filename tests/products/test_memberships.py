"""Colleagues of a vendor: every invitation, joining and removal leaves an audit row, in its transaction.

The admin gives an e-mail address; the invited colleague chooses the user name (issue 13: the
invitation is no way to test whether a name exists)."""

import pytest
from django.contrib import admin
from django.urls import reverse

from accounts.errors import Conflict, InvalidInput
from products import memberships
from products.error_codes import INVITATION_USED, RATE_LIMITED, USERNAME_UNAVAILABLE
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
    membership = memberships.membership_invite(actor=vendor_admin, email="c@acme.test", is_vendor_admin=True)
    [event] = VendorEvent.objects.all()
    assert event.vendor_id == membership.vendor_id == vendor_admin.membership.vendor_id
    assert event.kind == VendorEvent.MEMBER_INVITED and event.actor == vendor_admin
    assert event.data == {
        "user_id": membership.user_id,
        "username": "",
        "email": "c@acme.test",
        "vendor_admin": True,
    }
    user = membership.user
    assert memberships.is_pending(user) and not user.has_usable_password()
    assert user.username.startswith(memberships.PLACEHOLDER_PREFIX)


def test_joining_chooses_the_name_and_password_and_is_audited(vendor_admin):
    membership = memberships.membership_invite(actor=vendor_admin, email="c@acme.test")
    joined = memberships.membership_join(user=membership.user, username=" colleague ", password="Zq8-unrelated-Pass")
    user = joined.user
    user.refresh_from_db()
    assert user.username == "colleague" and user.check_password("Zq8-unrelated-Pass")
    assert not memberships.is_pending(user)
    event = VendorEvent.objects.latest("pk")
    assert (event.kind, event.actor) == (VendorEvent.MEMBER_JOINED, user)
    assert event.data == {"user_id": user.pk, "username": "colleague", "email": "c@acme.test", "vendor_admin": False}
    with pytest.raises(Conflict) as err:  # once only
        memberships.membership_join(user=user, username="another", password="Zq8-unrelated-Pass")
    assert err.value.code == INVITATION_USED


def test_an_invitation_without_an_email_writes_nothing(vendor_admin):
    with pytest.raises(InvalidInput):
        memberships.membership_invite(actor=vendor_admin, email=" ")
    with pytest.raises(InvalidInput):
        memberships.membership_invite(actor=vendor_admin, email="not an address")
    assert not VendorEvent.objects.exists()


def test_a_removal_is_audited_once(vendor_admin):
    colleague = factories.VendorUserFactory(vendor=vendor_admin.membership.vendor, username="leaver")
    memberships.membership_remove(actor=vendor_admin, user_id=colleague.pk)
    with pytest.raises(Conflict):
        memberships.membership_remove(actor=vendor_admin, user_id=colleague.pk)
    [event] = VendorEvent.objects.all()
    assert (event.kind, event.actor, event.data["username"]) == (VendorEvent.MEMBER_REMOVED, vendor_admin, "leaver")


def test_a_pending_invitation_can_be_removed_and_its_link_dies(vendor_admin):
    membership = memberships.membership_invite(actor=vendor_admin, email="c@acme.test")
    memberships.membership_remove(actor=vendor_admin, user_id=membership.user_id)
    event = VendorEvent.objects.latest("pk")
    assert (event.kind, event.data["username"], event.data["email"]) == (VendorEvent.MEMBER_REMOVED, "", "c@acme.test")
    with pytest.raises(Conflict):
        memberships.membership_join(user=membership.user, username="late", password="Zq8-unrelated-Pass")


def test_history_is_the_admins_vendor_only_newest_first(vendor_admin):
    other_admin = factories.VendorUserFactory(username="other-it")
    VendorMembership.objects.filter(user=other_admin).update(is_vendor_admin=True)
    other_admin.refresh_from_db()
    memberships.membership_invite(actor=other_admin, email="e@other.test")
    memberships.membership_invite(actor=vendor_admin, email="f@acme.test")
    memberships.membership_invite(actor=vendor_admin, email="s@acme.test")
    history = memberships.vendor_event_list(actor=vendor_admin)
    assert [event.data["email"] for event in history] == ["s@acme.test", "f@acme.test"]


def test_the_team_page_shows_the_history(client, vendor_admin):
    colleague = factories.VendorUserFactory(vendor=vendor_admin.membership.vendor, username="leaver")
    client.force_login(vendor_admin)
    client.post(reverse("portal:team"), {"email": "n@acme.test"})
    client.post(reverse("portal:team-remove", args=[colleague.pk]))
    page = client.get(reverse("portal:team"), HTTP_ACCEPT_LANGUAGE="en")
    text = page.content.decode()
    assert page.status_code == 200
    assert "Invited n@acme.test" in text and "Removed leaver" in text
    assert text.index("Removed leaver") < text.index("Invited n@acme.test")
    assert "invited, not joined yet" in text and memberships.PLACEHOLDER_PREFIX not in text


def test_vendor_events_are_append_only_in_postgresql(require_postgresql, vendor_admin):
    memberships.membership_invite(actor=vendor_admin, email="c@acme.test")
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


def test_the_invitation_form_asks_no_user_name(vendor_admin):
    """Issue 13: the admin cannot test whether a user name exists: there is no name to give."""
    import inspect

    assert "username" not in inspect.signature(memberships.membership_invite).parameters
    from cases.portal.forms import InviteForm

    assert "username" not in InviteForm.base_fields


@pytest.mark.usefixtures("_empty_cache")
def test_a_taken_and_a_malformed_name_answer_alike_when_joining(vendor_admin):
    factories.UserFactory(username="regulator-chief")
    invited = memberships.membership_invite(actor=vendor_admin, email="t@acme.test").user
    answers = []
    for username in ("REGULATOR-CHIEF", "no spaces!", "invited-0123"):
        with pytest.raises(InvalidInput) as err:
            memberships.membership_join(user=invited, username=username, password="Zq8-unrelated-Pass")
        answers.append((err.value.code, err.value.status, str(err.value.message), err.value.details))
    assert answers[0] == answers[1] == answers[2]
    assert answers[0][0] == USERNAME_UNAVAILABLE
    invited.refresh_from_db()
    assert memberships.is_pending(invited)
    assert list(VendorEvent.objects.values_list("kind", flat=True)) == [VendorEvent.MEMBER_INVITED]


@pytest.mark.usefixtures("_empty_cache")
def test_refused_names_are_limited_per_invited_colleague(vendor_admin):
    invited = memberships.membership_invite(actor=vendor_admin, email="t@acme.test").user
    for i in range(memberships.JOIN_REFUSALS_PER_HOUR):
        factories.UserFactory(username=f"someone{i}")
        with pytest.raises(InvalidInput):
            memberships.membership_join(user=invited, username=f"someone{i}", password="Zq8-unrelated-Pass")
    with pytest.raises(memberships.JoinRateLimited) as err:
        memberships.membership_join(user=invited, username="free-name", password="Zq8-unrelated-Pass")
    assert (err.value.code, err.value.status) == (RATE_LIMITED, 429)

    other = memberships.membership_invite(actor=vendor_admin, email="o@acme.test").user
    assert memberships.membership_join(user=other, username="free-name", password="Zq8-unrelated-Pass")


def test_a_colleague_invited_under_a_name_before_can_still_join(vendor_admin):
    """Invitations sent before the admin stopped giving names: the link still works, and the
    colleague may keep the name or choose another."""
    legacy = factories.VendorUserFactory(vendor=vendor_admin.membership.vendor, username="old-invitee")
    legacy.set_unusable_password()
    legacy.save()
    assert memberships.is_pending(legacy)
    joined = memberships.membership_join(user=legacy, username="old-invitee", password="Zq8-unrelated-Pass")
    joined.user.refresh_from_db()
    assert joined.user.username == "old-invitee" and joined.user.check_password("Zq8-unrelated-Pass")
