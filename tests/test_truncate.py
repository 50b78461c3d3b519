"""Immutability also against TRUNCATE (issue 13: "the immutability triggers are row-level, so
TRUNCATE passes"): every append-only or issued-notice table refuses it in PostgreSQL."""

import pytest
from django.db import DatabaseError, connection, transaction

TABLES = [
    "cases_caseevent",
    "cases_scanjobevent",
    "cases_calendarimport",
    "products_vendorevent",
    "cases_sdkembeddingevent",
    "notices_notice",
    "notices_noticeentry",
    "notices_noticeitem",
    "notices_noticeevent",
    "outbox_outboxevent",
    "accounts_authorityevent",
]


@pytest.mark.parametrize("table", TABLES)
def test_truncate_is_refused(require_postgresql, table):
    with pytest.raises(DatabaseError, match="TRUNCATE refused"), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(f"TRUNCATE {table} CASCADE")


def test_the_test_flush_still_empties_the_append_only_tables(require_postgresql, case_factory):
    """A transactional test ends with Django's flush (TRUNCATE): it must keep working (tests/conftest.py).

    Run here inside the test's transaction, which rolls the flush back afterwards."""
    from django.core.management import call_command

    from cases.models import CaseEvent

    case = case_factory()
    CaseEvent.record(case=case, kind="note")
    with connection.cursor() as cursor:  # no deferred foreign-key checks pending before TRUNCATE
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    call_command("flush", interactive=False, verbosity=0)
    assert not CaseEvent.objects.exists()
