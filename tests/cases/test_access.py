import pytest
from django.core.cache import cache

from accounts.errors import Conflict, Forbidden, InvalidInput
from accounts.models import User
from accounts.roles import Role
from cases import access
from cases.error_codes import ACCESS_CODE_INVALID, ALREADY_LINKED, PASSWORD_INVALID, RATE_LIMITED
from cases.models import CaseAccessCode, CaseEvent
from products.models import VendorMembership
from tests import factories

from .served import served_case


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def case(db):
    return served_case()


@pytest.fixture
def unlinked(db):
    return factories.UserFactory(role=Role.VENDOR, username="newcomer")


@pytest.mark.django_db
def test_issue_returns_the_plain_code_once_and_stores_only_its_hash(case):
    code = access.case_access_code_issue(case=case)

    assert len(code) == 19 and code.count("-") == 3
    row = CaseAccessCode.objects.get(case=case)
    assert row.code_hash == access.code_hash(code)
    assert code.replace("-", "") not in row.code_hash
    assert CaseEvent.objects.filter(case=case, kind=access.ACCESS_CODE_ISSUED).count() == 1


@pytest.mark.django_db
def test_claim_links_the_user_to_the_vendor_and_uses_the_code(case, unlinked):
    code = access.case_access_code_issue(case=case)

    membership = access.case_access_claim(user=unlinked, case_number=case.number.lower(), code=code.lower())

    assert (membership.vendor, membership.user, membership.is_vendor_admin) == (case.vendor, unlinked, True)
    row = CaseAccessCode.objects.get(case=case)
    assert row.used_by == unlinked and row.used_at is not None
    event = CaseEvent.objects.get(case=case, kind=access.ACCESS_CLAIMED)
    assert event.actor == unlinked


@pytest.mark.django_db
def test_second_claimer_is_not_admin(case, unlinked):
    first = factories.VendorUserFactory(vendor=case.vendor)
    VendorMembership.objects.filter(user=first).update(is_vendor_admin=True)
    code = access.case_access_code_issue(case=case)

    assert access.case_access_claim(user=unlinked, case_number=case.number, code=code).is_vendor_admin is False


@pytest.mark.django_db
def test_a_code_works_once(case, unlinked):
    code = access.case_access_code_issue(case=case)
    access.case_access_claim(user=unlinked, case_number=case.number, code=code)
    other = factories.UserFactory(role=Role.VENDOR)

    with pytest.raises(access.AccessCodeInvalid):
        access.case_access_claim(user=other, case_number=case.number, code=code)
    assert not VendorMembership.objects.filter(user=other).exists()


@pytest.mark.django_db
def test_a_newer_code_revokes_an_unused_older_one(case, unlinked):
    old = access.case_access_code_issue(case=case)
    new = access.case_access_code_issue(case=case)

    with pytest.raises(access.AccessCodeInvalid):
        access.case_access_claim(user=unlinked, case_number=case.number, code=old)
    assert access.case_access_claim(user=unlinked, case_number=case.number, code=new).vendor == case.vendor


@pytest.mark.django_db
def test_wrong_code_and_unknown_case_answer_the_same(case, unlinked):
    code = access.case_access_code_issue(case=case)
    answers = []
    for number, guess in [(case.number, "AAAA-BBBB-CCCC-DDDD"), ("RC-2099-99999", code), ("", ""), (case.number, "--")]:
        with pytest.raises(InvalidInput) as err:
            access.case_access_claim(user=unlinked, case_number=number, code=guess)
        answers.append((err.value.code, err.value.status, str(err.value.message)))
    assert len(set(answers)) == 1
    assert answers[0][:2] == (ACCESS_CODE_INVALID, 400)


@pytest.mark.django_db
def test_another_case_number_with_a_valid_code_fails(case, unlinked):
    other = served_case()
    code = access.case_access_code_issue(case=case)

    with pytest.raises(access.AccessCodeInvalid):
        access.case_access_claim(user=unlinked, case_number=other.number, code=code)


@pytest.mark.django_db
def test_claims_are_rate_limited_per_user(case, unlinked):
    code = access.case_access_code_issue(case=case)
    for _ in range(access.CLAIM_LIMIT_PER_USER):
        with pytest.raises(access.AccessCodeInvalid):
            access.case_access_claim(user=unlinked, case_number=case.number, code="WRONG")

    with pytest.raises(access.RateLimited) as err:
        access.case_access_claim(user=unlinked, case_number=case.number, code=code)
    assert (err.value.code, err.value.status) == (RATE_LIMITED, 429)
    assert not VendorMembership.objects.filter(user=unlinked).exists()


@pytest.mark.django_db
def test_claims_are_rate_limited_per_address(case):
    for i in range(access.CLAIM_LIMIT_PER_ADDRESS):
        user = factories.UserFactory(role=Role.VENDOR, username=f"guess{i}")
        with pytest.raises(access.AccessCodeInvalid):
            access.case_access_claim(user=user, case_number=case.number, code="WRONG", address="10.0.0.1")
    fresh = factories.UserFactory(role=Role.VENDOR)
    with pytest.raises(access.RateLimited):
        access.case_access_claim(user=fresh, case_number=case.number, code="WRONG", address="10.0.0.1")
    with pytest.raises(access.AccessCodeInvalid):  # another address is still heard
        access.case_access_claim(user=fresh, case_number=case.number, code="WRONG", address="10.0.0.2")


@pytest.mark.django_db
def test_linked_users_and_regulators_cannot_claim(case, vendor_user, reviewer):
    code = access.case_access_code_issue(case=case)
    with pytest.raises(Conflict) as err:
        access.case_access_claim(user=vendor_user, case_number=case.number, code=code)
    assert err.value.code == ALREADY_LINKED
    with pytest.raises(Forbidden):
        access.case_access_claim(user=reviewer, case_number=case.number, code=code)
    assert CaseAccessCode.objects.get(case=case).used_at is None


@pytest.mark.django_db
def test_an_unserved_case_cannot_be_claimed(unlinked):
    case = served_case(served_on=None)
    code = access.case_access_code_issue(case=case)
    with pytest.raises(access.AccessCodeInvalid):
        access.case_access_claim(user=unlinked, case_number=case.number, code=code)


@pytest.mark.django_db
def test_signup_claim_creates_the_account_only_with_a_good_code(case):
    code = access.case_access_code_issue(case=case)
    with pytest.raises(access.AccessCodeInvalid):
        access.case_access_claim_signup(
            username="acme", email="it@acme.test", password="Long-enough-9", case_number=case.number, code="NOPE"
        )
    assert not User.objects.filter(username="acme").exists()

    membership = access.case_access_claim_signup(
        username="acme", email="it@acme.test", password="Long-enough-9", case_number=case.number, code=code
    )
    user = User.objects.get(username="acme")
    assert (membership.user, user.role, user.check_password("Long-enough-9")) == (user, Role.VENDOR, True)


@pytest.mark.django_db
def test_signup_refuses_weak_passwords_and_taken_names(case, vendor_user):
    code = access.case_access_code_issue(case=case)
    with pytest.raises(InvalidInput) as err:
        access.case_access_claim_signup(
            username="acme", email="it@acme.test", password="123", case_number=case.number, code=code
        )
    assert err.value.code == PASSWORD_INVALID
    with pytest.raises(InvalidInput) as err:
        access.case_access_claim_signup(
            username=vendor_user.username.upper(),
            email="x@acme.test",
            password="Long-enough-9",
            case_number=case.number,
            code=code,
        )
    assert (err.value.code, err.value.message) == (ACCESS_CODE_INVALID, access.MSG_SIGNUP_INVALID)
    with pytest.raises(InvalidInput) as err:
        access.case_access_claim_signup(
            username="acme", email="not-an-email", password="Long-enough-9", case_number=case.number, code=code
        )
    assert "email" in err.value.details
    assert CaseAccessCode.objects.get(case=case).used_at is None


@pytest.mark.django_db
def test_signup_answers_a_taken_name_and_a_wrong_code_alike(case, vendor_user):
    """An anonymous visitor cannot learn from the claim form whether a user name exists."""
    code = access.case_access_code_issue(case=case)
    answers = []
    for username, guess in [(vendor_user.username, code), ("free-name", "WRONG"), (vendor_user.username, "WRONG")]:
        with pytest.raises(InvalidInput) as err:
            access.case_access_claim_signup(
                username=username, email="x@acme.test", password="Long-enough-9", case_number=case.number, code=guess
            )
        answers.append((err.value.code, err.value.status, str(err.value.message), err.value.details))
    assert len(set(map(str, answers))) == 1
    assert answers[0][:2] == (ACCESS_CODE_INVALID, 400)
    assert not User.objects.filter(username="free-name").exists()
    assert CaseAccessCode.objects.get(case=case).used_at is None


@pytest.mark.django_db
def test_claims_are_rate_limited_per_case(case):
    """Guesses at one case spread over many users and addresses stop at the case's limit; other
    cases are still heard."""
    for i in range(access.CLAIM_LIMIT_PER_CASE):
        user = factories.UserFactory(role=Role.VENDOR, username=f"spread{i}")
        with pytest.raises(access.AccessCodeInvalid):
            access.case_access_claim(user=user, case_number=case.number, code="WRONG", address=f"10.1.0.{i}")
    fresh = factories.UserFactory(role=Role.VENDOR)
    with pytest.raises(access.RateLimited):
        access.case_access_claim(user=fresh, case_number=case.number.lower(), code="WRONG", address="10.2.0.1")
    other = served_case()
    with pytest.raises(access.AccessCodeInvalid):
        access.case_access_claim(user=fresh, case_number=other.number, code="WRONG", address="10.2.0.1")
