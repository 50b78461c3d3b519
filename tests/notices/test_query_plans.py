"""Every filter and ordering of the public register is served by an index (issue 14).

The register is seeded by SQL (issued notices with rows), analysed, and the queries the list, a
search, its total, a notice's rows and the feed run are explained with ``enable_seqscan = off``: the
planner then reads a table sequentially only when no index can serve the query, so a ``Seq Scan`` of
the notices or their rows in a plan is a filter or an order without an index. PostgreSQL only.
"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import Authority
from notices import public_views, selectors
from notices.models import NoticeEntry
from tests import factories

pytestmark = pytest.mark.django_db

SEED = """
INSERT INTO notices_notice (
    kind, series, status, title, authority, addressee, opening, closing, attachment_title, signature,
    tested, how_to_answer, version, year, batch_number, overall_number, doc_number, published_on,
    published_at, pdf, pdf_sha256, content_sha256, pdf_size, access_code_hash, created_at, drafted_by_id, issuer_id)
SELECT CASE WHEN g %% 5 = 0 THEN 'removal' ELSE 'naming' END, 'app', 'draft', '关于侵害用户权益行为的APP（SDK）通报',
    '管理局', '', '开头', '结尾', '', '管理局', '', '', 1, EXTRACT(YEAR FROM t)::int, g, g, '', t::date, t, '',
    md5(g::text), '', 1, '', t, %(user)s, %(issuer)s
FROM (SELECT g, timestamptz '2020-01-01 10:00+08' + g * interval '1 day' AS t
      FROM generate_series(1, 400) AS g) AS s;
INSERT INTO notices_noticeentry (
    notice_id, position, seq, case_id, name, developer, source, version, issues, issue_codes)
SELECT n.id, p, p, %(case)s, '应用' || n.id || '-' || p || '天气', '示例网络科技有限公司' || (n.id * 7 + p),
    '应用宝', '1.0', '违规收集个人信息', 'PI-0' || (1 + p %% 5) || ';PI-0' || (1 + (p + 2) %% 5)
FROM notices_notice AS n CROSS JOIN generate_series(1, 25) AS p WHERE n.status = 'draft';
UPDATE notices_notice SET status = 'published' WHERE status = 'draft';
ANALYZE notices_notice;
ANALYZE notices_noticeentry;
"""

FILTERS = [
    {},
    {"kind": "removal"},
    {"year": 2021},
    {"year": 2021, "kind": "naming"},
    {"q": "应用123-4"},
    {"q": "示例网络科技"},
    {"q": "应用"},  # two characters: a prefix
    {"vendor": "有限公司1234"},
    {"vendor": "示例"},
    {"product": "123-4天气"},
    {"issue": "PI-03"},
    {"q": "天气", "issue": "PI-02", "kind": "naming"},
]


@pytest.fixture
def register(require_postgresql):
    user = factories.UserFactory(role="inspector")
    case = factories.CaseFactory(opened_by=user)
    with connection.cursor() as cursor:
        cursor.execute(SEED, {"user": user.pk, "case": case.pk, "issuer": Authority.objects.national().pk})
    return selectors.public_notice_list().first()


def _plans(run, *, off=("enable_seqscan",)) -> list[tuple[str, str]]:
    with CaptureQueriesContext(connection) as ctx:
        run()
    plans = []
    with connection.cursor() as cursor:
        for setting in off:
            cursor.execute(f"SET LOCAL {setting} = off")
        for query in ctx.captured_queries:
            cursor.execute("EXPLAIN " + query["sql"])
            plans.append((query["sql"], "\n".join(row[0] for row in cursor.fetchall())))
        for setting in off:
            cursor.execute(f"SET LOCAL {setting} = on")
    return plans


def _assert_indexed(plans):
    assert plans
    for sql, plan in plans:
        for table in ("notices_notice", "notices_noticeentry"):
            assert f"Seq Scan on {table}" not in plan, f"{sql}\n{plan}"


# Each text filter's condition on the rows must be answerable from an index (trigram, or the prefix
# btree for 1-2 characters), not only by reading every row of every notice through the notice's
# index (no Seq Scan, yet the whole table all the same; on a small register the planner may rightly
# prefer that for the semi-join). The condition alone, with sequential scans off: an index whose
# condition is the term, else a Seq Scan.
TERMS = [
    ({"q": "应用123-4"}, ("notice_entry_name_trgm", "notice_entry_developer_trgm")),
    ({"vendor": "有限公司1234"}, ("notice_entry_developer_trgm",)),
    ({"product": "123-4天气"}, ("notice_entry_name_trgm",)),
    ({"product": "应"}, ("notice_entry_name_prefix",)),
    ({"vendor": "示例"}, ("notice_entry_developer_prefix",)),
    ({"issue": "PI-03"}, ("notice_entry_issue_codes_trgm",)),
]


@pytest.mark.parametrize(("filters", "indexes"), TERMS, ids=[repr(f) for f, _i in TERMS])
def test_each_text_filter_is_answered_by_its_index(register, filters, indexes):
    [condition] = selectors.entry_conditions(filters)
    plans = _plans(lambda: list(NoticeEntry.objects.filter(condition).order_by().values_list("notice_id", flat=True)))
    _assert_indexed(plans)
    for index in indexes:
        assert index in plans[0][1], plans[0][1]


@pytest.mark.parametrize("filters", FILTERS, ids=[repr(f) for f in FILTERS])
def test_a_page_and_its_total_read_indexes(register, filters):
    def run():
        page = selectors.public_notice_page(filters=filters, size=20)
        if page.older:
            selectors.public_notice_page(filters=filters, before=page.older, size=20)
        if selectors.is_search(filters):  # without a text search the total counts every public notice
            selectors.public_notice_total(filters=filters)

    _assert_indexed(_plans(run))


def test_a_deep_page_starts_at_its_position(register):
    """The 300th notice's page reads from the index at that position: no offset, no sort."""
    target = selectors.public_notice_list()[300]
    plans = _plans(lambda: selectors.public_notice_page(filters={}, before=selectors.notice_token(target)))
    [(sql, plan)] = plans
    assert "OFFSET" not in sql and "Sort" not in plan.split("SubPlan")[0]
    assert "notice_published_at_id" in plan
    _assert_indexed(plans)


def test_a_notice_s_rows_and_the_feed_read_indexes(register, client):
    _assert_indexed(_plans(lambda: list(register.entries.filter(position__gt=0).order_by("position")[:501])))
    _assert_indexed(_plans(lambda: list(selectors.public_notice_list()[: public_views.FEED_SIZE])))
