"""Factory names sort in creation order whatever the session's counters are (tests/factories.py)."""

import re

import pytest

from tests import factories


@pytest.mark.parametrize(
    ("factory_class", "field"),
    [
        (factories.UserFactory, "username"),
        (factories.VendorFactory, "name"),
        (factories.VendorFactory, "name_en"),
        (factories.ProductFactory, "name"),
        (factories.CampaignFactory, "name"),
        (factories.CampaignFactory, "name_en"),
        (factories.TestingAgencyFactory, "name"),
    ],
)
def test_sequence_names_sort_in_creation_order(factory_class, field):
    make = factory_class._meta.declarations[field].function
    names = [make(n) for n in (1, 9, 10, 99, 100, 9999, 10000)]
    assert names == sorted(names)


@pytest.mark.django_db
def test_a_draft_lists_rows_in_name_order_after_many_earlier_rows(inspector):
    """The order-dependence of test_draft_via_api, forced: the two cases' vendors straddle …9/…10."""
    from notices import services
    from tests.notices.conftest import make_case

    # Bring the vendor counter just before a number of nines (9, 99, 999…): a's vendor gets it and
    # b's the next power of ten, as after an earlier test module made that many.
    def built() -> int:
        return int(re.search(r"(\d+)$", factories.VendorFactory.build().name_en)[1])

    n = built()
    while str(n + 1).strip("9"):
        n = built()
    a, b = make_case(), make_case()
    notice = services.notice_draft(actor=inspector, kind="naming", case_ids=[b.pk, a.pk])
    assert list(notice.entries.order_by("position").values_list("case_id", flat=True)) == [a.pk, b.pk]
