import datetime

import pytest
from django.core import mail
from django.core.cache import cache
from django.urls import reverse
from freezegun import freeze_time

from accounts.models import User
from cases import access, events
from cases.models import CaseStatus, Evidence
from products.models import VendorMembership
from tests import factories
from tests.cases.served import png, served_case, svg_file

S = CaseStatus


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()


@pytest.fixture
def case(db):
    return served_case()


@pytest.fixture
def staff(case):
    user = factories.VendorUserFactory(vendor=case.vendor, username="acme-it", email="it@acme.test")
    VendorMembership.objects.filter(user=user).update(is_vendor_admin=True)
    return user


@pytest.mark.django_db
def test_case_list_shows_deadline_and_working_days_left(client, case, staff):
    other = served_case()  # another vendor's case
    client.force_login(staff)
    with freeze_time("2025-09-30 10:00:00+08:00"):
        page = client.get(reverse("portal:cases"))
    assert page.status_code == 200
    body = page.content.decode()
    assert case.number in body and other.number not in body
    assert "2025-10-10" in body
    assert page.context["cases"][0].working_days_left == 2


@pytest.mark.django_db
def test_case_list_pages_a_large_vendors_cases_with_constant_queries(
    client, case, staff, django_assert_max_num_queries, monkeypatch
):
    from cases.models import Case
    from cases.portal import views as portal_views

    monkeypatch.setattr(portal_views, "PAGE_SIZE", 3)
    for _ in range(6):
        more = served_case()
        Case.objects.filter(pk=more.pk).update(vendor=case.vendor)
    client.force_login(staff)
    first = client.get(reverse("portal:cases"))
    assert len(first.context["cases"]) == 3 and first.context["paginator"].count == 7
    assert "page=2" in first.content.decode()
    last = client.get(reverse("portal:cases"), {"page": 3})
    assert len(last.context["cases"]) == 1
    # The working days left are counted for the page's rows only, with the calendar read once.
    with django_assert_max_num_queries(12) as few:
        client.get(reverse("portal:cases"))
    monkeypatch.setattr(portal_views, "PAGE_SIZE", 7)
    with django_assert_max_num_queries(len(few)):
        assert len(client.get(reverse("portal:cases")).context["cases"]) == 7


@pytest.mark.django_db
def test_case_page_shows_confirmed_findings_only_and_no_regulator_names(client, case, staff, reviewer):
    client.force_login(staff)
    body = client.get(reverse("portal:case", args=[case.pk])).content.decode()
    assert "启动即收集IMEI" in body and "首次启动未经同意即读取设备IMEI" in body
    assert case.findings.first().violation_type.legal_basis[:20] in body
    assert "候选问题-内部" not in body and "已排除问题-内部" not in body
    assert case.opened_by.username not in body
    assert "System" in body or "系统" in body or "Regulator" in body or "监管" in body


@pytest.mark.django_db
def test_response_form_submits_with_evidence(client, case, staff):
    client.force_login(staff)
    page = client.post(
        reverse("portal:respond", args=[case.pk]),
        {"summary": "已删除启动时读取IMEI的代码", "fixed_version": "3.3.0", "text": "", "files": [png(), png("b.png")]},
    )
    assert page.status_code == 302 and page["Location"] == reverse("portal:case", args=[case.pk])
    case.refresh_from_db()
    assert case.status == S.RESPONDED
    assert Evidence.objects.filter(response__case=case).count() == 2
    body = client.get(reverse("portal:case", args=[case.pk])).content.decode()
    assert Evidence.objects.filter(response__case=case).first().sha256 in body


@pytest.mark.django_db
def test_response_form_refuses_svg_with_a_form_error(client, case, staff):
    client.force_login(staff)
    page = client.post(reverse("portal:respond", args=[case.pk]), {"summary": "x", "files": [svg_file()]})
    assert page.status_code == 200
    assert page.context["form"].non_field_errors()
    case.refresh_from_db()
    assert case.status == S.ORDERED


@pytest.mark.django_db
def test_extension_form(client, case, staff):
    client.force_login(staff)
    data = {"reason": "国庆后才能发版", "requested_deadline": "2025-10-17"}
    page = client.post(reverse("portal:extension", args=[case.pk]), data)
    assert page.status_code == 302
    extension = case.extension_requests.get()
    assert (extension.reason, extension.requested_deadline) == ("国庆后才能发版", datetime.date(2025, 10, 17))
    page = client.post(reverse("portal:extension", args=[case.pk]), {**data, "reason": "again"})
    assert page.status_code == 200 and page.context["form"].non_field_errors()


@pytest.mark.django_db
@pytest.mark.parametrize("lang", ["zh-hans", "en"])
def test_extension_form_asks_the_new_date_in_iso_and_refuses_one_not_later(client, case, staff, lang):
    client.force_login(staff)
    client.cookies["django_language"] = lang
    url = reverse("portal:extension", args=[case.pk])
    body = client.get(url).content.decode()
    assert 'type="date" name="requested_deadline"' in body
    page = client.post(url, {"reason": "x", "requested_deadline": "2025-10-10"})  # the current deadline
    assert page.status_code == 200 and page.context["form"].errors["requested_deadline"]
    page = client.post(url, {"reason": "x"})
    assert page.status_code == 200 and page.context["form"].errors["requested_deadline"]
    assert not case.extension_requests.exists()


@pytest.mark.django_db
def test_portal_links_the_claim_page_and_shows_the_next_step(client, case, staff):
    client.force_login(staff)
    with freeze_time("2025-09-30 10:00:00+08:00"):
        body = client.get(reverse("portal:cases")).content.decode()
        assert f'href="{reverse("portal:claim")}"' in body
        page = client.get(reverse("portal:case", args=[case.pk]))
    assert page.context["next_step"].url == reverse("portal:respond", args=[case.pk])
    assert 'data-testid="next-step"' in page.content.decode()


@pytest.mark.django_db
def test_evidence_downloads_are_attachments_with_nosniff_and_sandbox(client, case, staff):
    client.force_login(staff)
    finding_file = Evidence.objects.get(finding__case=case)
    page = client.get(reverse("portal:evidence-download", args=[finding_file.pk]))
    assert page.status_code == 200
    assert page["Content-Disposition"].startswith("attachment;")
    assert page["X-Content-Type-Options"] == "nosniff"
    assert page["Content-Security-Policy"].startswith("sandbox")
    assert b"".join(page.streaming_content).startswith(b"\x89PNG")


@pytest.mark.django_db
def test_evidence_of_other_vendors_and_unconfirmed_findings_is_404(client, case, staff):
    other = served_case()
    client.force_login(staff)
    for evidence in Evidence.objects.filter(finding__case=other):
        assert client.get(reverse("portal:evidence-download", args=[evidence.pk])).status_code == 404
    inspection_only = Evidence.objects.create(
        file=Evidence.objects.first().file.name,
        original_name="internal.png",
        content_type="image/png",
        size=1,
        sha256="0" * 64,
        inspection=case.findings.first().inspection,
        uploaded_by=case.opened_by,
    )
    assert client.get(reverse("portal:evidence-download", args=[inspection_only.pk])).status_code == 404


@pytest.mark.django_db
def test_claim_page_signup_then_login(client, case):
    code = access.case_access_code_issue(case=case)
    page = client.post(
        reverse("portal:claim"),
        {
            "case_number": case.number,
            "code": "WRONG",
            "username": "acme",
            "email": "a@acme.test",
            "password": "Pw-Long-enough-7",
        },
    )
    assert page.status_code == 400
    assert not User.objects.filter(username="acme").exists()
    page = client.post(
        reverse("portal:claim"),
        {
            "case_number": case.number,
            "code": code,
            "username": "acme",
            "email": "a@acme.test",
            "password": "Pw-Long-enough-7",
        },
    )
    assert page.status_code == 302 and page["Location"].startswith(reverse("login"))
    assert User.objects.get(username="acme").membership.vendor == case.vendor


@pytest.mark.django_db
def test_claim_page_for_a_signed_in_unlinked_user(client, case):
    user = factories.UserFactory(role="vendor", username="solo")
    client.force_login(user)
    assert client.get(reverse("portal:cases"))["Location"] == reverse("portal:claim")
    code = access.case_access_code_issue(case=case)
    page = client.post(reverse("portal:claim"), {"case_number": case.number, "code": code})
    assert page.status_code == 302 and page["Location"] == reverse("portal:cases")
    assert client.get(reverse("portal:case", args=[case.pk])).status_code == 200


@pytest.mark.django_db
def test_vendor_admin_invites_and_removes_a_colleague(client, case, staff, django_capture_on_commit_callbacks):
    client.force_login(staff)
    with django_capture_on_commit_callbacks(execute=True):
        page = client.post(reverse("portal:team"), {"email": "c@acme.test"})
    assert page.status_code == 302
    colleague = User.objects.get(email="c@acme.test")
    assert colleague.membership.vendor == case.vendor and not colleague.has_usable_password()
    [invite] = mail.outbox
    link = next(line for line in invite.body.splitlines() if "/portal/invitation/" in line).strip()
    path = link[link.index("/portal/") :]
    client.logout()
    page = client.get(path, follow=True)
    assert page.context["validlink"] is True
    form_url = page.redirect_chain[-1][0]
    factories.UserFactory(username="taken-elsewhere")
    chosen = {"new_password1": "Zq8-unrelated-Pass", "new_password2": "Zq8-unrelated-Pass"}
    page = client.post(form_url, {"username": "Taken-Elsewhere", **chosen}, HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 400 and "This user name cannot be used" in page.content.decode()
    page = client.post(form_url, {"username": "colleague", **chosen})
    assert page.status_code == 302
    colleague.refresh_from_db()
    assert colleague.username == "colleague" and colleague.check_password("Zq8-unrelated-Pass")
    assert client.get(path).context["validlink"] is False  # one-time
    signed_in = client.post(reverse("login"), {"username": "colleague", "password": "Zq8-unrelated-Pass"})
    assert signed_in.status_code == 302
    client.logout()

    client.force_login(staff)
    assert client.post(reverse("portal:team-remove", args=[colleague.pk])).status_code == 302
    colleague.refresh_from_db()
    assert colleague.is_active is False
    outsider = factories.VendorUserFactory()
    assert client.post(reverse("portal:team-remove", args=[outsider.pk])).status_code == 404
    assert client.post(reverse("portal:team-remove", args=[staff.pk])).status_code == 302
    staff.refresh_from_db()
    assert staff.is_active


@pytest.mark.django_db
def test_a_plain_member_cannot_manage_colleagues(client, case):
    member = factories.VendorUserFactory(vendor=case.vendor)
    client.force_login(member)
    assert client.get(reverse("portal:team")).status_code == 403
    assert client.post(reverse("portal:team"), {"email": "x@acme.test"}).status_code == 403
    assert not User.objects.filter(email="x@acme.test").exists()


@pytest.mark.django_db
def test_timeline_shows_the_vendor_its_own_actions_and_decisions_without_names(client, case, staff, reviewer):
    from cases import responses

    response = responses.response_submit(actor=staff, case=case, summary="fixed", files=[png()])
    responses.response_reject(actor=reviewer, response=response, reason="截图不清晰")
    client.force_login(staff)
    page = client.get(reverse("portal:case", args=[case.pk]))
    timeline = page.context["timeline"]
    whos = {item["event"].kind: item["event"].who for item in timeline}
    assert whos[events.RESPONSE_SUBMITTED] == "acme-it"
    assert reviewer.username not in page.content.decode()
    assert "截图不清晰" in page.content.decode()


@pytest.mark.django_db
def test_working_days_left_is_none_without_a_running_clock(case):
    from cases.portal.selectors import working_days_left

    assert working_days_left(case, datetime.date(2025, 10, 9)) == 1
    type(case).objects.filter(pk=case.pk).update(status=S.RECTIFIED)
    case.refresh_from_db()
    assert working_days_left(case) is None


def _claim_signup(client, case, username, code="WRONG", **extra):
    data = {
        "case_number": case.number,
        "code": code,
        "username": username,
        "email": "a@acme.test",
        "password": "Pw-Long-enough-7",
    }
    return client.post(reverse("portal:claim"), data, **extra)


@pytest.mark.django_db
def test_claim_limit_is_per_client_behind_the_proxy(client, case, settings):
    """Behind the TLS proxy every request comes from its address: one guessing client must not
    block every vendor's first claim."""
    settings.TRUSTED_PROXY_COUNT = 1
    settings.TRUSTED_PROXY_CIDRS = ["127.0.0.1/32"]
    guesser = {"HTTP_X_FORWARDED_FOR": "198.51.100.66"}
    for i in range(access.CLAIM_LIMIT_PER_ADDRESS):
        assert _claim_signup(client, case, f"guess{i}", **guesser).status_code == 400
    assert _claim_signup(client, case, "guess-more", **guesser).status_code == 429

    code = access.case_access_code_issue(case=case)
    page = _claim_signup(client, case, "acme", code=code, HTTP_X_FORWARDED_FOR="198.51.100.7")
    assert page.status_code == 302
    assert User.objects.get(username="acme").membership.vendor == case.vendor


@pytest.mark.django_db
def test_claim_page_does_not_tell_whether_a_user_name_is_taken(client, case, staff):
    code = access.case_access_code_issue(case=case)
    taken = _claim_signup(client, case, staff.username, code=code, HTTP_ACCEPT_LANGUAGE="en")
    wrong = _claim_signup(client, case, "free-name", HTTP_ACCEPT_LANGUAGE="en")
    assert taken.status_code == wrong.status_code == 400
    assert taken.context["form"].errors == wrong.context["form"].errors
    assert "taken" not in taken.content.decode()


@pytest.mark.django_db
def test_the_qr_code_of_an_order_opens_the_claim_page_with_its_case_number(client, case):
    html = client.get(reverse("portal:claim"), {"case": case.number}).content.decode()
    assert f'value="{case.number}"' in html
    # Odd input fills nothing in and answers 200.
    assert client.get(reverse("portal:claim"), {"case": "\x00" * 40}).status_code == 200


@pytest.mark.django_db
def test_the_sign_in_page_links_to_the_claim_page(client):
    html = client.get(reverse("login")).content.decode()
    assert f'href="{reverse("portal:claim")}"' in html


@pytest.mark.django_db
def test_the_evidence_column_is_never_empty(client, case, staff):
    """A scanner finding shows where it was found; one with nothing attached says so (issue 15)."""
    from cases.models import Finding, FindingStatus

    Finding.objects.filter(case=case, status=FindingStatus.CONFIRMED).update(
        description="", locus="com.acme.Tracker#init"
    )
    bare = factories.FindingFactory(inspection=case.findings.first().inspection, status=FindingStatus.CONFIRMED)
    Finding.objects.filter(pk=bare.pk).update(case=case, description="", locus="")
    client.force_login(staff)
    body = client.get(reverse("portal:case", args=[case.pk]), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "com.acme.Tracker#init" in body
    assert "Recorded by the inspection; no file attached." in body
