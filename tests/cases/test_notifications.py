import pytest
from django.core import mail

from cases import notifications
from cases.models import EmailSent
from tests import factories

from .served import served_case


@pytest.fixture
def case(db):
    case = served_case()
    factories.VendorUserFactory(vendor=case.vendor, email="b-staff@vendor.test")
    factories.VendorUserFactory(vendor=case.vendor, email="a-staff@vendor.test")
    gone = factories.VendorUserFactory(vendor=case.vendor, email="gone@vendor.test")
    type(gone).objects.filter(pk=gone.pk).update(is_active=False)
    factories.VendorUserFactory(email="other-vendor@vendor.test")
    return case


@pytest.mark.django_db
def test_recipients_are_the_contact_and_active_users_of_the_vendor_only(case):
    assert notifications.recipients_for(case) == [
        case.vendor.contact_email,
        "a-staff@vendor.test",
        "b-staff@vendor.test",
    ]


@pytest.mark.django_db
@pytest.mark.parametrize("kind", [notifications.ORDER_SERVED, notifications.REMINDER])
def test_each_email_goes_once_in_both_languages(case, kind):
    assert notifications.case_email_send(kind=kind, case=case) is True
    assert notifications.case_email_send(kind=kind, case=case) is False

    [email] = mail.outbox
    zh, en = email.body.split("----------------------------------------")
    assert case.number in email.subject and " / " in email.subject
    assert "2025-10-10" in zh and "2025-10-10" in en
    assert f"/portal/cases/{case.pk}/" in zh and f"/portal/cases/{case.pk}/" in en
    assert "整改" in zh and "rectification report" in en
    row = EmailSent.objects.get()
    assert row.key == notifications.email_key(kind=kind, case=case)
    assert row.recipients.startswith(case.vendor.contact_email)


@pytest.mark.django_db
def test_a_failed_send_keeps_no_key_so_a_retry_sends(case, monkeypatch):
    def boom(self, fail_silently=False):
        raise OSError("mail server down")

    monkeypatch.setattr("django.core.mail.EmailMessage.send", boom)
    with pytest.raises(OSError):
        notifications.case_email_send(kind=notifications.REMINDER, case=case)
    assert not EmailSent.objects.exists()
    monkeypatch.undo()
    assert notifications.case_email_send(kind=notifications.REMINDER, case=case) is True
    assert len(mail.outbox) == 1


@pytest.mark.django_db
def test_keys_differ_by_kind_deadline_and_object(case):
    served = notifications.email_key(kind=notifications.ORDER_SERVED, case=case)
    reminder = notifications.email_key(kind=notifications.REMINDER, case=case)
    assert served == f"order_served:{case.pk}:2025-09-26:-"
    assert reminder == f"reminder:{case.pk}:2025-10-10:-"
    response = factories.UserFactory()  # any object with a pk stands for the decided object
    assert notifications.email_key(kind=notifications.RESPONSE_DECIDED, case=case, obj=response).endswith(
        f":{response.pk}"
    )


@pytest.mark.django_db
def test_unknown_kind_is_a_programming_error(case):
    with pytest.raises(ValueError):
        notifications.case_email_send(kind="gossip", case=case)


@pytest.mark.django_db
def test_order_served_notify_sends_through_the_task_after_commit(case, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        notifications.order_served_notify(case=case)
        assert mail.outbox == []
    assert len(mail.outbox) == 1
    assert "责令整改" in mail.outbox[0].subject and "Order to rectify" in mail.outbox[0].subject


@pytest.mark.django_db
def test_email_text_is_not_html_escaped(case):
    type(case.product).objects.filter(pk=case.product_id).update(name="A&B <Weather>")
    case.refresh_from_db()
    notifications.case_email_send(kind=notifications.ORDER_SERVED, case=case)
    assert "A&B <Weather>" in mail.outbox[0].body


@pytest.mark.django_db
def test_an_order_to_a_venue_names_its_on_site_check_not_a_version(case):
    """Issue 16: an offline scenario's 'version' is the day it was inspected on site."""
    type(case.product).objects.filter(pk=case.product_id).update(kind="scenario")
    case.refresh_from_db()
    notifications.case_email_send(kind=notifications.ORDER_SERVED, case=case)
    zh, en = mail.outbox[0].body.split("----------------------------------------")
    assert f"现场检查日期 {case.product_version.version}" in zh and "版本" not in zh
    assert f"on-site check of {case.product_version.version}" in en and "(version" not in en
