"""Two transactions moving the same figure at once: both moves count (PostgreSQL row locks)."""

import threading
import time

import pytest
from django.db import connection, connections, transaction

from cases import workflow
from cases.dashboard import figures
from cases.dashboard.figures import KIND, STATE
from cases.models import CaseStatus, DashboardFigure, DeadlineFigure
from products.models import Product, ProductKind, TerminalCategory
from tests import factories
from tests.cases.served import DEADLINE, served_case

S = CaseStatus


def _run_in_threads(targets):
    errors = []

    def wrap(fn):
        def run():
            try:
                fn()
            except Exception as exc:  # reported to the test below
                errors.append(exc)
            finally:
                connection.close()

        return run

    threads = [threading.Thread(target=wrap(fn)) for fn in targets]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not any(t.is_alive() for t in threads)
    return errors


def _other_backend_waits_for_a_lock(timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    with connections["default"].cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute("SELECT pg_stat_clear_snapshot()")
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()"
            )
            if cursor.fetchone()[0]:
                return True
            time.sleep(0.02)
    return False


def _count(campaign, dimension, key) -> int:
    return DashboardFigure.objects.get(campaign=campaign, dimension=dimension, key=key).n


# Serialized rollback: a transactional test without it ends with a flush that recreates the
# content types, and the next serialized test (the real-worker ones in tests/cases/ingest) then
# collides with them when it restores the migrated data ("duplicate key ... django_content_type").
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_move_waits_for_another_on_the_same_count_and_neither_is_lost(require_postgresql):
    reviewer = factories.UserFactory(role="reviewer")
    campaign = factories.CampaignFactory()
    first, second = served_case(actor=reviewer, campaign=campaign), served_case(actor=reviewer, campaign=campaign)
    a_moved, b_waited = threading.Event(), []

    def move_a():
        with transaction.atomic():
            workflow.mark_overdue_case(case=first)
            a_moved.set()
            # Hold the counters until the other move is seen queuing behind them.
            b_waited.append(_other_backend_waits_for_a_lock())

    def move_b():
        assert a_moved.wait(timeout=30)
        workflow.mark_overdue_case(case=second)

    assert _run_in_threads([move_a, move_b]) == []
    assert b_waited == [True]
    assert _count(campaign, STATE, S.ORDERED) == 0 and _count(campaign, STATE, S.OVERDUE) == 2
    assert DeadlineFigure.objects.get(campaign=campaign, status=S.OVERDUE, deadline=DEADLINE).n == 2
    assert figures.stored() == figures.recount()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_many_cases_moved_at_once_count_exactly(require_postgresql):
    reviewer = factories.UserFactory(role="reviewer")
    campaign = factories.CampaignFactory()
    cases = [served_case(actor=reviewer, campaign=campaign) for _ in range(6)]
    start = threading.Barrier(len(cases))

    def walk(case):
        def run():
            start.wait(timeout=30)
            moved = workflow.respond_case(case=case, actor=reviewer)
            moved = workflow.reject_response_case(case=moved, actor=reviewer, reason="不完整")
            workflow.mark_overdue_case(case=moved)

        return run

    assert _run_in_threads([walk(c) for c in cases]) == []
    assert _count(campaign, STATE, S.OVERDUE) == 6 and _count(campaign, STATE, S.RESPONDED) == 0
    assert figures.stored() == figures.recount()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_product_changing_kind_while_its_case_moves(require_postgresql):
    reviewer = factories.UserFactory(role="reviewer")
    case = served_case(actor=reviewer)
    start = threading.Barrier(2)

    def change_kind():
        start.wait(timeout=30)
        product = Product.objects.get(pk=case.product_id)
        product.kind, product.terminal_category = ProductKind.TERMINAL, TerminalCategory.TV
        with transaction.atomic():
            product.save()

    def move():
        start.wait(timeout=30)
        workflow.mark_overdue_case(case=case)

    assert _run_in_threads([change_kind, move]) == []
    assert _count(case.campaign, KIND, "terminal/tv") == 1 and _count(case.campaign, KIND, "app/") == 0
    assert figures.stored() == figures.recount()
