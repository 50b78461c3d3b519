"""Which orders a vendor is shown is the notices app's rule (issue 11): the portal spells no
notice status of its own."""

import pytest

from cases.portal import selectors as portal
from notices.models import ISSUED, Notice, NoticeKind, NoticeSeries, NoticeStatus
from notices.selectors import case_issued_orders
from tests import factories

pytestmark = pytest.mark.django_db


def _notice(case, drafter, *, kind=NoticeKind.ORDER, status=NoticeStatus.PUBLISHED, version=1, pdf="orders/x.pdf"):
    return Notice.objects.create(
        kind=kind,
        series=NoticeSeries.choices[0][0],
        status=status,
        case=case,
        vendor=case.vendor,
        title="t",
        authority="a",
        opening="o",
        closing="c",
        signature="s",
        version=version,
        pdf=pdf,
        drafted_by=drafter,
    )


def test_the_portal_lists_the_issued_orders_with_a_pdf_newest_first():
    case = factories.CaseFactory()
    drafter = factories.UserFactory()
    old = _notice(case, drafter, status=NoticeStatus.SUPERSEDED, version=1)
    new = _notice(case, drafter, status=NoticeStatus.PUBLISHED, version=2)
    _notice(case, drafter, status=NoticeStatus.DRAFT, version=3)
    _notice(case, drafter, status=NoticeStatus.APPROVED, version=4)
    _notice(case, drafter, status=NoticeStatus.PUBLISHED, version=5, pdf="")
    _notice(case, drafter, kind=NoticeKind.NAMING, version=6)

    assert list(case_issued_orders(case=case)) == [new, old]
    assert portal.portal_orders(case=case) == [new, old]
    assert {n.status for n in portal.portal_orders(case=case)} <= set(ISSUED)
