"""Reads scoped to the actor: regulators see all, vendor users their own served cases, and missing
and not-yours both raise NotFound."""

import datetime

import pytest
from django.db.models import Q

from accounts.errors import NotFound
from accounts.roles import Role
from cases import selectors
from cases.models import Case, CaseStatus, FindingStatus, ViolationType, case_overdue_q
from tests import factories

pytestmark = pytest.mark.django_db
S = CaseStatus
TODAY = datetime.date(2025, 10, 15)


def force(case, status, deadline=None):
    Case.objects.filter(pk=case.pk).update(status=status, deadline=deadline)
    case.refresh_from_db()
    return case


@pytest.fixture
def world(vendor_user, case_factory):
    vendor = vendor_user.membership.vendor
    version = factories.ProductVersionFactory(product=factories.ProductFactory(vendor=vendor))
    return {
        "served": force(case_factory(product_version=version), S.ORDERED),
        "unserved": case_factory(product_version=version),
        "others": force(case_factory(), S.ORDERED),
    }


def test_regulators_see_every_case(reviewer, inspector, world):
    for user in (reviewer, inspector):
        assert set(selectors.case_queryset_for(actor=user)) == set(world.values())


def test_vendor_user_sees_its_served_cases_only(vendor_user, world):
    assert list(selectors.case_queryset_for(actor=vendor_user)) == [world["served"]]
    assert selectors.case_get_for(actor=vendor_user, case_id=world["served"].pk) == world["served"]
    for case in (world["unserved"], world["others"]):
        with pytest.raises(NotFound):
            selectors.case_get_for(actor=vendor_user, case_id=case.pk)


def test_served_cases_have_one_scope_for_every_vendor_read_and_write(vendor_user, world):
    """The regulator-side selectors, the portal and the vendor's writes read one scope."""
    from cases import responses
    from cases.portal import selectors as portal

    served = world["served"]
    assert list(selectors.vendor_case_queryset(actor=vendor_user)) == [served]
    assert list(selectors.case_queryset_for(actor=vendor_user)) == [served]
    assert list(portal.portal_case_list(actor=vendor_user)) == [served]
    assert list(Case.objects.served().filter(vendor=served.vendor)) == [served]
    assert served.is_served and not world["unserved"].is_served
    responses._own_case(vendor_user, served)
    for case in (world["unserved"], world["others"]):
        with pytest.raises(NotFound):
            portal.portal_case_get(actor=vendor_user, case_id=case.pk)
        with pytest.raises(NotFound):
            responses._own_case(vendor_user, case)


def test_a_deactivated_vendor_user_sees_no_case(vendor_user, world):
    """The stricter of the former copies: the portal required the portal permission, the
    regulator-side selector did not (an inactive vendor user still saw its cases through the API)."""
    vendor_user.is_active = False
    assert not selectors.case_queryset_for(actor=vendor_user).exists()


def test_missing_and_malformed_ids_are_not_found(reviewer):
    for bad in (999999, "x", None):
        with pytest.raises(NotFound):
            selectors.case_get_for(actor=reviewer, case_id=bad)


def test_vendor_role_without_membership_and_anonymous_see_nothing(world):
    from django.contrib.auth.models import AnonymousUser

    stray = factories.UserFactory(role=Role.VENDOR)
    assert not selectors.case_queryset_for(actor=stray).exists()
    assert not selectors.case_queryset_for(actor=AnonymousUser()).exists()


def test_vendor_users_see_no_inspections_or_findings(vendor_user, finding_factory):
    finding = finding_factory()
    assert not selectors.inspection_queryset_for(actor=vendor_user).exists()
    assert not selectors.finding_queryset_for(actor=vendor_user).exists()
    with pytest.raises(NotFound):
        selectors.finding_get_for(actor=vendor_user, finding_id=finding.pk)
    with pytest.raises(NotFound):
        selectors.inspection_get_for(actor=vendor_user, inspection_id=finding.inspection_id)


def test_case_findings_for_a_vendor_are_the_confirmed_ones(vendor_user, reviewer, world, finding_factory):
    case = world["served"]
    inspection = factories.InspectionFactory(product_version=case.product_version)
    shown = finding_factory(case=case, inspection=inspection, status=FindingStatus.CONFIRMED)
    hidden = finding_factory(case=case, inspection=inspection, status=FindingStatus.DISMISSED)
    assert list(selectors.case_findings_for(actor=vendor_user, case=case)) == [shown]
    assert list(selectors.case_findings_for(actor=reviewer, case=case)) == [shown, hidden]


@pytest.mark.parametrize(
    ("status", "deadline", "overdue"),
    [
        (S.ORDERED, TODAY - datetime.timedelta(days=1), True),
        (S.ORDERED, TODAY, False),
        (S.RESPONDED, TODAY - datetime.timedelta(days=1), True),
        (S.NAMED, TODAY - datetime.timedelta(days=1), True),
        (S.OVERDUE, None, True),
        (S.OVERDUE, TODAY + datetime.timedelta(days=1), True),
        (S.ORDERED, None, False),
        (S.VERIFYING, TODAY - datetime.timedelta(days=1), False),
        (S.CLOSED, TODAY - datetime.timedelta(days=1), False),
        (S.OPEN, None, False),
    ],
)
def test_overdue_predicate_and_query_agree(case_factory, status, deadline, overdue):
    """One rule (cases.models.case_overdue_q): the case page, the case list, the API filter and
    the campaign dashboard (which had its own copy) give the same answer."""
    from cases.dashboard.selectors import campaign_dashboard

    case = force(case_factory(), status, deadline)
    assert case.overdue_on(today=TODAY) is overdue
    assert Case.objects.overdue(TODAY).filter(pk=case.pk).exists() is overdue
    assert Case.objects.filter(case_overdue_q(TODAY), pk=case.pk).exists() is overdue
    # ``?overdue=false``: the others, a running clock without a deadline included (NULL is not late).
    assert Case.objects.exclude(case_overdue_q(TODAY)).filter(pk=case.pk).exists() is not overdue
    assert (case in campaign_dashboard(campaign=case.campaign, today=TODAY)["overdue"]) is overdue


def test_case_list_filters_and_counts(reviewer, case_factory, finding_factory):
    case = force(case_factory(), S.ORDERED, datetime.date(2020, 1, 1))
    other = case_factory()
    inspection = factories.InspectionFactory(product_version=case.product_version)
    finding_factory(case=case, inspection=inspection, status=FindingStatus.CONFIRMED)
    finding_factory(case=case, inspection=inspection, status=FindingStatus.CONFIRMED)
    rows = {c.pk: c.finding_count for c in selectors.case_list(actor=reviewer)}
    assert rows == {case.pk: 2, other.pk: 0}
    assert list(selectors.case_list(actor=reviewer, filters={"overdue": "true"})) == [case]
    assert list(selectors.case_list(actor=reviewer, filters={"status": "open"})) == [other]
    assert list(selectors.case_list(actor=reviewer, filters={"q": other.number})) == [other]


def test_reference_lists(case_factory):
    b = factories.TestingAgencyFactory(name="乙机构")
    a = factories.TestingAgencyFactory(name="甲机构")
    assert list(selectors.testing_agency_list()) == sorted([a, b], key=lambda x: x.name)
    ViolationType.objects.filter(code="PI-02").update(active=False)
    active = list(selectors.violation_type_list(active=True).values_list("code", flat=True))
    assert "PI-02" not in active and "PI-01" in active
    assert selectors.violation_type_list().count() == len(active) + 1
    campaign = factories.CampaignFactory()
    case_factory.create_batch(3, campaign=campaign)
    assert selectors.campaign_list().get(pk=campaign.pk).case_count == 3


def test_the_clock_running_states_have_one_home():
    """The overdue rule, the dashboard and the portal read the one constant beside the states."""
    from cases import models
    from cases.dashboard import selectors as dashboard
    from cases.portal import selectors as portal

    assert dashboard.CLOCK_RUNNING is portal.CLOCK_RUNNING is models.CLOCK_RUNNING
    assert models.CLOCK_RUNNING == {S.ORDERED, S.RESPONDED, S.OVERDUE, S.NAMED}


@pytest.mark.parametrize("text", ["天气", "ab", "AB", "Ab", "预报", "12"])
def test_a_two_character_case_search_finds_what_icontains_finds(case_factory, text):
    """``case_search`` (issue 14): the cases whose product or vendor name contains two characters,
    in any case, whatever the path (the bigram index on PostgreSQL, ``icontains`` on SQLite)."""
    names = [("天气预报", "北京科技"), ("今日天气", "上海ab有限公司"), ("ABC 天气", "深圳"), ("Xab12", "杭州")]
    names += [("地图", "AB 公司"), ("视频", "成都"), ("aB1c", "天气通")]
    for product_name, vendor_name in names:
        vendor = factories.VendorFactory(name=vendor_name)
        product = factories.ProductFactory(vendor=vendor, name=product_name)
        case_factory(product_version=factories.ProductVersionFactory(product=product))
    cases = Case.objects.all()
    expected = cases.filter(Q(product__name__icontains=text) | Q(vendor__name__icontains=text))
    assert sorted(selectors.case_search(cases, text).values_list("pk", flat=True)) == sorted(
        expected.values_list("pk", flat=True)
    )
    assert expected.exists()
