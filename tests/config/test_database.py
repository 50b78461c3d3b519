"""The application's PostgreSQL sessions plan joins four tables at a time (config/settings/base.py,
JOIN_COLLAPSE_LIMIT): a list page's query joining seven related tables no longer spends more time
planning than running (issue 14). The plans themselves are checked under this setting by the
query-plan tests (tests/test_query_plans.py and the EXPLAIN tests beside each list)."""

import pytest
from django.conf import settings
from django.db import connection

pytestmark = pytest.mark.django_db


@pytest.mark.skipif(connection.vendor != "postgresql", reason="a PostgreSQL session setting")
def test_each_connection_collapses_joins_four_at_a_time():
    with connection.cursor() as cursor:
        cursor.execute("SHOW join_collapse_limit")
        assert cursor.fetchone()[0] == "4"
    assert "-c join_collapse_limit=4" in settings.DATABASES["default"]["OPTIONS"]["options"]
