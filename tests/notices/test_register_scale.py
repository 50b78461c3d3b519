"""The public register at a national campaign's volume (issue 14): keyset pages, an honest total,
short queries said for what they do, a notice's rows in bounded pages, constant query counts."""

# ruff: noqa: F811 (the published fixture is imported)

import re

import pytest

from notices import public_views, selectors
from products.models import ProductKind

from .conftest import make_case
from .test_public import _publish, published  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db


def _links(html: str) -> list[str]:
    return [f"/register/{pk}/" for pk in re.findall(r'href="/register/(\d+)/"', html)]


@pytest.fixture
def three(published, inspector, reviewer, frozen):
    frozen.tick(60)
    second = _publish(inspector, reviewer, make_case())
    frozen.tick(60)
    third = _publish(inspector, reviewer, make_case(kind=ProductKind.TERMINAL))
    return [third, second, published]  # newest first


def test_pages_follow_the_register_s_order_by_keyset(client, three, monkeypatch):
    monkeypatch.setattr(public_views, "PAGE_SIZE", 2)
    first = client.get("/register/").content.decode()
    assert _links(first) == [f"/register/{n.pk}/" for n in three[:2]]
    older = re.search(r'href="\?before=([\d-]+)"', first).group(1)
    assert older == selectors.notice_token(three[1])
    assert 'href="?after=' not in first
    second = client.get("/register/", {"before": older}).content.decode()
    assert _links(second) == [f"/register/{three[2].pk}/"]
    assert 'href="?before=' not in second
    newer = re.search(r'href="\?after=([\d-]+)"', second).group(1)
    back = client.get("/register/", {"after": newer}).content.decode()
    assert _links(back) == [f"/register/{n.pk}/" for n in three[:2]]
    assert 'data-exact="true"' in first and ("3 notices." in first or "共 3 份通报。" in first)


def test_filters_stay_on_the_next_page(client, three, monkeypatch):
    monkeypatch.setattr(public_views, "PAGE_SIZE", 1)
    html = client.get("/register/", {"kind": "naming"}).content.decode()
    assert "?kind=naming&amp;before=" in html


def test_a_bad_position_is_ignored_not_a_500(client, three):
    for token in ("abc", "1-", "-1", "9" * 30 + "-1", "99999999999999999999-1"):
        assert client.get("/register/", {"before": token}).status_code == 200
        assert client.get("/register/", {"after": token}).status_code == 200


def test_a_search_total_above_the_cap_says_more_than(client, three, monkeypatch):
    monkeypatch.setattr(selectors, "COUNT_CAP", 2)
    html = client.get("/register/", {"issue": "PI-01"}, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'data-exact="false"' in html and "More than 2 notices match." in html
    exact = client.get("/register/", {"kind": "naming"}, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'data-exact="true"' in exact and "3 notices." in exact


@pytest.mark.parametrize(
    ("query", "found"),
    [
        ({"q": "晴空"}, True),  # two characters: the start of a name
        ({"q": "天气"}, False),  # two characters inside a name: not matched (said on the page)
        ({"q": "空天气"}, True),  # three: anywhere
        ({"product": "晴"}, True),
        ({"vendor": "示例"}, True),
        ({"vendor": "网络"}, False),
        ({"vendor": "网络科技"}, True),
    ],
)
def test_short_queries_match_the_start_of_a_name(client, published, query, found):
    html = client.get("/register/", query, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert (f"/register/{published.pk}/" in html) is found
    assert ("register-short-query" in html) is (len(next(iter(query.values()))) < 3)


def test_a_notice_s_rows_are_shown_a_page_at_a_time(client, published, monkeypatch):
    monkeypatch.setattr(public_views, "ROWS_PER_PAGE", 2)
    html = client.get(f"/register/{published.pk}/").content.decode()
    assert html.count("<td>晴空天气</td>") == 2 and 'href="?from=2"' in html
    rest = client.get(f"/register/{published.pk}/", {"from": "2"}).content.decode()
    assert "<td>晴空天气</td>" not in rest and 'href="?from=' not in rest and 'href="?"' in rest
    assert client.get(f"/register/{published.pk}/", {"from": "x"}).status_code == 200


def test_the_list_page_s_queries_do_not_grow_with_the_register(
    client, published, inspector, reviewer, django_assert_num_queries
):
    # The version, the issue types, the years, the authorities, the page, the total (cache cleared by
    # each publication).
    with django_assert_num_queries(6):
        client.get("/register/", {"q": "晴空"})
    for _ in range(3):
        _publish(inspector, reviewer, make_case(), make_case())
    with django_assert_num_queries(6):
        html = client.get("/register/", {"q": "晴空"}).content.decode()
    assert f"/register/{published.pk}/" in html


def test_the_regulators_list_pages_by_keyset(client, inspector, monkeypatch, django_assert_num_queries):
    from notices import services, views
    from notices.models import NoticeKind

    drafts = [
        services.notice_draft(actor=inspector, kind=NoticeKind.NAMING, case_ids=[make_case().pk]) for _ in range(3)
    ]
    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    client.force_login(inspector)
    client.get("/notices/")
    # session, user, the page (its row counts in the same query): not one per notice.
    with django_assert_num_queries(3):
        first = client.get("/notices/", {"kind": "naming"}).content.decode()
    shown = [int(pk) for pk in re.findall(r'href="/notices/(\d+)/"', first)]
    assert shown == [drafts[2].pk, drafts[1].pk]
    older = re.search(r'href="\?kind=naming&amp;before=([\d-]+)"', first).group(1)
    second = client.get("/notices/", {"kind": "naming", "before": older}).content.decode()
    assert [int(pk) for pk in re.findall(r'href="/notices/(\d+)/"', second)] == [drafts[0].pk]
    assert 'rel="next"' not in second
    assert client.get("/notices/", {"before": "x-1"}).status_code == 200
