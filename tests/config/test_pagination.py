"""The API's pages: cursor links, page numbers for the first rows only, and a capped total
(config.api.Pagination, config.lists; docs/ARCHITECTURE.md, "Lists at scale")."""

import datetime
from urllib.parse import parse_qs, urlsplit

import pytest
from django.utils import timezone

from cases.models import Case
from config.api import Pagination
from config.lists import BoundedPaginator, Keyset, capped_count, decode_cursor, encode_cursor
from tests import factories

CASES = "/api/v1/cases/"
FINDINGS = "/api/v1/findings/"


@pytest.fixture
def as_reviewer(api_client, reviewer):
    api_client.force_authenticate(reviewer)
    return api_client


@pytest.fixture
def cases(db):
    """25 cases, several created at the same instant (the id breaks the tie)."""
    version = factories.ProductVersionFactory()
    campaign, opener = factories.CampaignFactory(), factories.UserFactory()
    made = factories.CaseFactory.create_batch(25, product_version=version, campaign=campaign, opened_by=opener)
    start = timezone.now() - datetime.timedelta(days=1)
    for i, case in enumerate(made):
        Case.objects.filter(pk=case.pk).update(created_at=start + datetime.timedelta(minutes=i // 3))
    return made


@pytest.fixture
def small_limits(monkeypatch):
    monkeypatch.setattr(Pagination, "count_limit", 10)
    monkeypatch.setattr(Pagination, "max_offset", 10)


def _ids(response) -> list[int]:
    return [row["id"] for row in response.json()["results"]]


def test_following_next_links_walks_the_whole_list_once_in_order(as_reviewer, cases):
    expected = list(Case.objects.order_by("-created_at", "-id").values_list("id", flat=True))
    seen, url, pages = [], CASES + "?page_size=4", 0
    while url:
        body = as_reviewer.get(url).json()
        seen += [row["id"] for row in body["results"]]
        url, pages = body["next"], pages + 1
    assert seen == expected and pages == 7


def test_previous_link_gives_back_the_page_before(as_reviewer, cases):
    first = as_reviewer.get(CASES, {"page_size": 5}).json()
    second = as_reviewer.get(first["next"]).json()
    assert "cursor=" in first["next"] and first["previous"] is None
    back = as_reviewer.get(second["previous"]).json()
    assert [r["id"] for r in back["results"]] == [r["id"] for r in first["results"]]
    assert back["previous"] is None  # nothing before the first page
    assert back["next"] is not None


def test_page_numbers_still_work_for_the_first_rows(as_reviewer, cases):
    expected = list(Case.objects.order_by("-created_at", "-id").values_list("id", flat=True))
    assert _ids(as_reviewer.get(CASES, {"page_size": 5, "page": 3})) == expected[10:15]
    assert as_reviewer.get(CASES, {"page": 9}).status_code == 404  # past the end, as before


def test_a_page_past_the_bound_answers_400_pointing_at_the_cursor(as_reviewer, cases, small_limits):
    assert as_reviewer.get(CASES, {"page_size": 5, "page": 2}).status_code == 200
    response = as_reviewer.get(CASES, {"page_size": 5, "page": 3}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["details"]["page"][0]["code"] == "page_too_deep"
    assert "next" in error["details"]["page"][0]["message"]


def test_the_total_is_exact_up_to_the_limit_then_more_than(as_reviewer, cases, small_limits):
    body = as_reviewer.get(CASES).json()
    assert (body["count"], body["count_exact"]) == (10, False)
    narrow = as_reviewer.get(CASES, {"product": cases[0].product_id, "status": "withdrawn"}).json()
    assert (narrow["count"], narrow["count_exact"]) == (0, True)


def test_the_total_is_exact_below_the_limit(as_reviewer, cases):
    body = as_reviewer.get(CASES).json()
    assert (body["count"], body["count_exact"]) == (25, True)


@pytest.mark.parametrize(
    "cursor", ["x", "bm90IGpzb24", encode_cursor({"a": ["not a date", 1]}), encode_cursor({"a": [1]})]
)
def test_a_cursor_the_list_did_not_give_answers_400(as_reviewer, cases, cursor):
    response = as_reviewer.get(CASES, {"cursor": cursor})
    assert response.status_code == 400
    assert response.json()["error"]["details"]["cursor"][0]["code"] == "invalid_cursor"


def test_the_cursor_keeps_the_filters(as_reviewer, cases):
    first = as_reviewer.get(CASES, {"page_size": 2, "status": "open"}).json()
    assert "status=open" in first["next"] and "page_size=2" in first["next"]


@pytest.mark.parametrize("page_size", [10, 100])
def test_a_page_behind_a_cursor_costs_the_same_queries(as_reviewer, cases, django_assert_num_queries, page_size):
    cursor = as_reviewer.get(CASES, {"page_size": 3}).json()["next"]
    # The page's rows, then the capped total: as on the first page.
    with django_assert_num_queries(2):
        response = as_reviewer.get(cursor.replace("page_size=3", f"page_size={page_size}"))
    assert response.status_code == 200


def test_findings_page_by_id(as_reviewer, db):
    findings = factories.FindingFactory.create_batch(5)
    body = as_reviewer.get(FINDINGS, {"page_size": 2}).json()
    cursor = parse_qs(urlsplit(body["next"]).query)["cursor"][0]
    assert decode_cursor(cursor) == {"a": [findings[1].pk]}


def test_keyset_reads_after_and_before(cases):
    ordered = list(Case.objects.order_by("-created_at", "-id"))
    keyset = Keyset(Case.objects.order_by("-created_at", "-id"))
    rows, more = keyset.page(4, after=keyset.values_of(ordered[5]))
    assert rows == ordered[6:10] and more
    rows, more = keyset.page(4, before=keyset.values_of(ordered[5]))
    assert rows == ordered[1:5] and more
    rows, more = keyset.page(4, before=keyset.values_of(ordered[2]))
    assert rows == ordered[0:2] and not more


def test_keyset_refuses_orderings_it_cannot_seek(db):
    assert not Keyset.supports(Case.objects.order_by("deadline"))  # nullable
    assert not Keyset.supports(Case.objects.order_by("product"))  # the product's own ordering
    assert Keyset.supports(Case.objects.order_by("product_id", "-created_at"))


def test_capped_count_and_bounded_pages(cases):
    assert capped_count(Case.objects.all(), 10) == (10, False)
    assert capped_count(Case.objects.all(), 100) == (25, True)
    paginator = BoundedPaginator(Case.objects.order_by("id"), 4)
    paginator.limit = 10
    assert (paginator.count, paginator.count_exact, paginator.num_pages) == (10, False, 3)


def test_ordering_takes_a_whitelisted_key_and_links_each_column():
    from django.test import RequestFactory

    from config.lists import Ordering

    choices = {"-opened": ("-created_at", "-id"), "number": ("number",), "-number": ("-number",)}
    request = RequestFactory().get("/cases/", {"ordering": "-number", "page": "3", "status": "open"})
    ordering = Ordering(request, choices, "-opened")
    assert ordering.key == "-number" and ordering.order_by == ("-number",)
    number, opened = ordering.columns["number"], ordering.columns["opened"]
    # The sorted column reverses; another starts at its first direction; the page goes back to 1.
    assert number["aria_sort"] == "descending" and "ordering=number" in number["url"]
    assert opened["aria_sort"] == "none" and "ordering=-opened" in opened["url"]
    assert "page=" not in number["url"] and "status=open" in number["url"]
    # A key that is not on the list (a column without an index, SQL...) is the default order.
    for value in ("vendor__name", "-created_at); DROP TABLE x", ""):
        assert Ordering(RequestFactory().get("/", {"ordering": value}), choices, "-opened").key == "-opened"
