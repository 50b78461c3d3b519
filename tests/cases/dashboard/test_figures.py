"""The dashboard's maintained figures (cases.dashboard.figures, ARCHITECTURE.md §11): every change that
moves a count moves it in its own transaction, and a recount from scratch finds the same."""

import datetime
import random
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.db.models import Sum
from django.test.utils import CaptureQueriesContext

from accounts.errors import DomainError
from accounts.models import Authority
from cases import services, transfers, workflow
from cases.dashboard import figures
from cases.dashboard.figures import KIND, MONTH, STATE, VIOLATION
from cases.models import (
    Case,
    CaseStatus,
    DashboardFigure,
    DeadlineFigure,
    FindingStatus,
    RetestLink,
    ViolationType,
)
from products.models import Product, ProductKind, TerminalCategory
from tests import factories
from tests.cases.served import DEADLINE, SERVED, served_case

S = CaseStatus
D = datetime.date
LATER = datetime.timedelta(days=3)


def assert_figures_agree():
    assert figures.stored() == figures.recount()


def figure(campaign, dimension, key) -> int:
    """The campaign's count, summed over its authorities (the rows are kept per authority)."""
    rows = DashboardFigure.objects.filter(campaign=campaign, dimension=dimension, key=key)
    return rows.aggregate(n=Sum("n"))["n"] or 0


def day(campaign, status, deadline) -> int:
    rows = DeadlineFigure.objects.filter(campaign=campaign, status=status, deadline=deadline)
    return rows.aggregate(n=Sum("n"))["n"] or 0


def confirmed_finding(actor, inspection, code="PI-01"):
    finding = services.finding_create_manual(
        actor=actor, inspection=inspection, violation_type=ViolationType.objects.get(code=code), title="问题"
    )
    return services.finding_confirm(actor=actor, finding=finding)


@pytest.mark.django_db
def test_opening_a_case_counts_it_in_every_dimension(reviewer):
    product = factories.ProductFactory(kind=ProductKind.TERMINAL, terminal_category=TerminalCategory.CAMERA)
    inspection = factories.InspectionFactory(product_version=factories.ProductVersionFactory(product=product))
    campaign = inspection.campaign
    findings = [confirmed_finding(reviewer, inspection, "PI-01"), confirmed_finding(reviewer, inspection, "PI-01")]
    findings.append(confirmed_finding(reviewer, inspection, "PI-02"))
    case = services.case_open(actor=reviewer, findings=findings)

    assert figure(campaign, STATE, S.OPEN) == 1
    assert figure(campaign, KIND, "terminal/camera") == 1
    assert figure(campaign, MONTH, figures.month_key(case.created_at)) == 1
    pi01, pi02 = (str(ViolationType.objects.get(code=c).pk) for c in ("PI-01", "PI-02"))
    assert figure(campaign, VIOLATION, pi01) == 1  # two findings of one type: the case counts once
    assert figure(campaign, VIOLATION, pi02) == 1
    assert not DeadlineFigure.objects.exists()  # no clock yet
    assert_figures_agree()


@pytest.mark.django_db
def test_serving_an_order_moves_the_state_and_starts_a_deadline_day(reviewer):
    case = served_case(actor=reviewer, served_on=None)
    assert figure(case.campaign, STATE, S.OPEN) == 1
    workflow.order_case(case=case, actor=reviewer, served_on=SERVED, deadline=DEADLINE)
    assert figure(case.campaign, STATE, S.OPEN) == 0
    assert figure(case.campaign, STATE, S.ORDERED) == 1
    assert day(case.campaign, S.ORDERED, DEADLINE) == 1
    assert_figures_agree()


@pytest.mark.django_db
def test_each_transition_moves_one_case_between_states_and_days(reviewer):
    case = served_case(actor=reviewer)
    steps = [
        (workflow.mark_overdue_case, {}, S.OVERDUE),
        (workflow.name_case, {"deadline": D(2025, 11, 3)}, S.NAMED),
        (workflow.respond_case, {}, S.RESPONDED),
        (workflow.reject_response_case, {"reason": "不完整"}, S.NAMED),
        (workflow.remove_case, {}, S.REMOVAL),
        (workflow.close_case, {}, S.CLOSED),
    ]
    for move, kwargs, to in steps:
        before = case.status
        case = move(case=case, actor=reviewer, **kwargs)
        assert figure(case.campaign, STATE, before) == 0 and figure(case.campaign, STATE, to) == 1
        assert_figures_agree()
    # Closed: the clock stopped, no day counts it any more.
    assert not DeadlineFigure.objects.exclude(n=0).exists()


@pytest.mark.django_db
def test_withdrawing_and_rectifying_stop_the_clock(reviewer):
    withdrawn = served_case(actor=reviewer)
    workflow.withdraw_case(case=withdrawn, actor=reviewer, reason="重复立案")
    rectified = served_case(actor=reviewer, campaign=withdrawn.campaign)
    rectified = workflow.respond_case(case=rectified, actor=reviewer)
    rectified = workflow.accept_response_case(case=rectified, actor=reviewer)
    factories.linked_retest(rectified, user=reviewer)
    workflow.confirm_rectified_case(case=rectified, actor=reviewer)
    campaign = withdrawn.campaign
    assert figure(campaign, STATE, S.WITHDRAWN) == 1 and figure(campaign, STATE, S.RECTIFIED) == 1
    assert day(campaign, S.ORDERED, DEADLINE) == 0
    assert_figures_agree()


@pytest.mark.django_db
def test_a_new_deadline_moves_the_day(reviewer):
    case = served_case(actor=reviewer)
    workflow.extend_deadline_case(case=case, actor=reviewer, new_deadline=D(2025, 10, 20), reason="延期")
    assert day(case.campaign, S.ORDERED, DEADLINE) == 0
    assert day(case.campaign, S.ORDERED, D(2025, 10, 20)) == 1
    workflow.recount_deadline_case(
        case=case, actor=reviewer, new_deadline=D(2025, 10, 21), reason="日历更正", data={"cause": "calendar"}
    )
    assert day(case.campaign, S.ORDERED, D(2025, 10, 21)) == 1
    assert_figures_agree()


@pytest.mark.django_db
def test_deciding_a_finding_of_a_case_moves_its_violation_types(reviewer):
    case = served_case(actor=reviewer)  # a candidate (PI-01) belongs to the case
    candidate = case.findings.get(status=FindingStatus.CANDIDATE)
    pi02 = ViolationType.objects.get(code="PI-02")
    type(candidate).objects.filter(pk=candidate.pk).update(violation_type=pi02)  # arrange: another type
    assert figure(case.campaign, VIOLATION, str(pi02.pk)) == 0
    services.finding_confirm(actor=reviewer, finding=candidate)
    assert figure(case.campaign, VIOLATION, str(pi02.pk)) == 1
    assert_figures_agree()


@pytest.mark.django_db
def test_a_product_changing_kind_moves_its_cases(reviewer):
    case = served_case(actor=reviewer)
    served_case(actor=reviewer, campaign=case.campaign, version=case.product_version)
    product = Product.objects.get(pk=case.product_id)
    assert figure(case.campaign, KIND, "app/") == 2
    with transaction.atomic():  # as the Django admin saves
        product.kind, product.terminal_category = ProductKind.TERMINAL, TerminalCategory.TOY
        product.save()
    assert figure(case.campaign, KIND, "app/") == 0
    assert figure(case.campaign, KIND, "terminal/toy") == 2
    product.name = "改名"
    product.save()  # no kind change: nothing moves (and no transaction needed)
    assert_figures_agree()


@pytest.mark.django_db
def test_a_refused_move_changes_no_figure(reviewer):
    case = served_case(actor=reviewer)
    before = figures.stored()
    with pytest.raises(DomainError):
        workflow.close_case(case=case, actor=reviewer)
    assert figures.stored() == before


@pytest.mark.django_db
def test_rebuild_repairs_figures_and_the_command_checks_them(reviewer):
    case = served_case(actor=reviewer)
    DashboardFigure.objects.filter(campaign=case.campaign, dimension=STATE).update(n=99)
    DeadlineFigure.objects.all().delete()
    with pytest.raises(SystemExit):
        call_command("dashboard_rebuild", "--check", stdout=StringIO(), stderr=StringIO())
    out = StringIO()
    call_command("dashboard_rebuild", stdout=out)
    assert "dashboard figures rebuilt" in out.getvalue()
    assert_figures_agree()
    call_command("dashboard_rebuild", "--check", stdout=out)
    assert "agree" in out.getvalue()


def _retest(case, reviewer) -> None:
    """A clean re-test linked to a case under verification (none otherwise: the move is then refused)."""
    if case.status == S.VERIFYING:
        version = factories.ProductVersionFactory(product=case.product)
        inspection = factories.InspectionFactory(product_version=version, campaign=case.campaign)
        RetestLink.objects.create(case=case, inspection=inspection, linked_by=reviewer)


def _pick_case(rng: random.Random) -> Case | None:
    """A case chosen by ``rng`` (not ``order_by("?")``: the walk of a seed is the same every run)."""
    pks = list(Case.objects.order_by("pk").values_list("pk", flat=True))
    return Case.objects.get(pk=rng.choice(pks)) if pks else None


def _random_walk(rng: random.Random, reviewer, steps: int) -> None:
    """Random operations through the real services (each may be refused: a refused one moves nothing)."""
    campaigns = [factories.CampaignFactory(), factories.CampaignFactory()]
    products = [
        factories.ProductFactory(kind=ProductKind.APP),
        factories.ProductFactory(kind=ProductKind.SDK),
        factories.ProductFactory(kind=ProductKind.TERMINAL, terminal_category=TerminalCategory.DOOR_LOCK),
    ]
    codes = ["PI-01", "PI-02", "PI-03"]
    inspections = [
        factories.InspectionFactory(campaign=c, product_version=factories.ProductVersionFactory(product=p))
        for c in campaigns
        for p in products
    ]
    days = [D(2025, 10, d) for d in (9, 10, 13, 17)]
    # Cases move between the ministry and two provinces (delegated: the national reviewer keeps
    # acting on them), so the figures are compared per authority too (ARCHITECTURE.md §15).
    authorities = [Authority.objects.national()]
    for code in ("110000", "440000"):
        province = factories.province(code)
        province.delegated_to_national = True
        province.save(update_fields=["delegated_to_national"])
        authorities.append(province)
    moves = {
        "transfer": lambda c: transfers.case_transfer(
            case=c, actor=reviewer, to_authority=rng.choice(authorities), reason="注册地变更"
        ),
        "order": lambda c: workflow.order_case(case=c, actor=reviewer, served_on=SERVED, deadline=rng.choice(days)),
        "respond": lambda c: workflow.respond_case(case=c, actor=reviewer),
        "accept": lambda c: workflow.accept_response_case(case=c, actor=reviewer),
        "reject": lambda c: workflow.reject_response_case(case=c, actor=reviewer, reason="不完整"),
        "overdue": lambda c: workflow.mark_overdue_case(case=c, actor=reviewer),
        "name": lambda c: workflow.name_case(case=c, actor=reviewer, deadline=rng.choice([None, *days])),
        "remove": lambda c: workflow.remove_case(case=c, actor=reviewer),
        "close": lambda c: workflow.close_case(case=c, actor=reviewer),
        "withdraw": lambda c: workflow.withdraw_case(case=c, actor=reviewer, reason="撤销"),
        "extend": lambda c: workflow.extend_deadline_case(
            case=c,
            actor=reviewer,
            new_deadline=(c.deadline or D(2025, 10, 1)) + datetime.timedelta(days=3),
            reason="延期",
        ),
        "retest_failed": lambda c: (
            _retest(c, reviewer),
            workflow.retest_failed_case(case=c, actor=reviewer, reason="仍存在"),
        ),
        "rectified": lambda c: (_retest(c, reviewer), workflow.confirm_rectified_case(case=c, actor=reviewer)),
    }
    for _ in range(steps):
        op = rng.choice(["open"] * 8 + ["decide", "decide", "kind", "transfer", "transfer"] + [*moves, *moves])
        try:
            if op == "open":
                inspection = rng.choice(inspections)
                found = [confirmed_finding(reviewer, inspection, rng.choice(codes)) for _ in range(rng.randint(1, 3))]
                services.case_open(actor=reviewer, findings=found)
            elif op == "decide":
                case = _pick_case(rng)
                if case is None:
                    continue
                inspection = case.findings.first().inspection
                candidate = factories.FindingFactory(
                    inspection=inspection, violation_type=ViolationType.objects.get(code=rng.choice(codes)), case=case
                )  # arrange: a candidate already in the case (as a scan merged into it would be)
                decide = rng.choice([services.finding_confirm, services.finding_dismiss])
                decide(actor=reviewer, finding=candidate, reason="复核")
            elif op == "kind":
                product = Product.objects.get(pk=rng.choice(products).pk)
                kind = rng.choice(list(ProductKind.values))
                product.kind = kind
                product.terminal_category = TerminalCategory.TOY if kind == ProductKind.TERMINAL else ""
                with transaction.atomic():
                    product.save()
            else:
                case = _pick_case(rng)
                if case is not None:
                    moves[op](case)
        except DomainError:
            pass


@pytest.mark.django_db
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_a_random_sequence_of_real_operations_leaves_the_figures_equal_to_a_recount(reviewer, seed):
    _random_walk(random.Random(seed), reviewer, steps=80)
    assert Case.objects.count() > 5
    expected = figures.recount()
    assert figures.stored() == expected
    assert expected[0]  # not vacuous
    # The comparison is per authority: the walk left cases (and so figures) with more than one.
    assert len({authority for _campaign, authority, _dimension, _key in expected[0]}) > 1


@pytest.mark.django_db
def test_a_state_move_costs_a_few_queries_and_reads_no_finding(reviewer):
    case = served_case(actor=reviewer)
    with CaptureQueriesContext(connection) as moved:
        workflow.mark_overdue_case(case=case)
    sqls = [q["sql"] for q in moved.captured_queries]
    figure_queries = [sql for sql in sqls if "figure" in sql or "products_product" in sql]
    assert len(figure_queries) <= 4, figure_queries  # marks before and after, one upsert per table
    assert not any('"cases_finding"' in sql for sql in sqls)
