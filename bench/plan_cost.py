"""What PostgreSQL spends planning and running each endpoint's queries, under two join search sizes.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/<a copy of rectify_scale> \
        PYTHONPATH=. .venv/bin/python bench/plan_cost.py [--only REGEX] [--limits 8,4]

For each endpoint of ``api_load.py`` (as ``floor.py`` asks them: Django's test client, production
settings, signed in as the load benchmark signs in), the queries of one request are captured, then
each ``SELECT`` is run three times with ``EXPLAIN (ANALYZE, SUMMARY)`` on a connection of its own
without prepared statements (as Django runs them), under each ``join_collapse_limit`` given; the
fastest planning + execution time of each query is summed per endpoint. The last column names the
query that got slower the most under the second limit (issue 14: the setting of
``config/settings/base.py``, ``DB_JOIN_COLLAPSE_LIMIT``). Reads only; the sign-ins write sessions.
"""

import argparse
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# bench.floor sets Django up with the production settings, as gunicorn runs them.
from bench.floor import CaptureQueriesContext, connection, facts, settings, warmed  # noqa: E402

TIME = re.compile(r"(Planning|Execution) Time: ([\d.]+)")


def cost(raw, sql: str, limit: int) -> float:
    raw.execute(f"SET join_collapse_limit = {limit}")
    best = float("inf")
    for _ in range(3):
        lines = raw.execute("EXPLAIN (ANALYZE, SUMMARY ON) " + sql).fetchall()
        best = min(best, sum(float(m.group(2)) for (line,) in lines if (m := TIME.search(line))))
    return best


def main() -> None:
    import psycopg

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", help="endpoint names matching this regular expression")
    parser.add_argument("--limits", default="8,4", help="two join_collapse_limit values, the server's default first")
    args = parser.parse_args()
    wide, narrow = (int(x) for x in args.limits.split(","))
    only = re.compile(args.only) if args.only else None
    db = settings.DATABASES["default"]
    f = facts(f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}")
    raw = psycopg.connect(
        host=db["HOST"], port=db["PORT"], user=db["USER"], dbname=db["NAME"], autocommit=True, prepare_threshold=None
    )
    print(f"database {db['NAME']} ({f['size']}, {f['cases']:,} cases, {f['findings']:,} findings)")
    print(
        f"| endpoint | as | queries | plan + run ms, limit {wide} | plan + run ms, limit {narrow} "
        "| most slowed query (ms) |\n"
        "|---|---|---:|---:|---:|---|"
    )
    totals = [0.0, 0.0]
    for endpoint, client in warmed(f, only):
        with CaptureQueriesContext(connection) as queries:
            client.get(endpoint.path)
        selects = [q["sql"] for q in queries.captured_queries if q["sql"].lstrip().upper().startswith("SELECT")]
        a = b = 0.0
        slowed = (0.0, "")
        for sql in selects:
            x, y = cost(raw, sql, wide), cost(raw, sql, narrow)
            a, b = a + x, b + y
            if y - x > slowed[0]:
                slowed = (y - x, sql[:60])
        totals[0] += a
        totals[1] += b
        worst = f"+{slowed[0]:.1f} `{slowed[1]}…`" if slowed[1] else "none"
        print(f"| {endpoint.name} | {endpoint.role} | {len(selects)} | {a:.1f} | {b:.1f} | {worst} |", flush=True)
    print(f"\nAll endpoints: {totals[0]:.1f} ms under limit {wide}, {totals[1]:.1f} ms under limit {narrow}.")


if __name__ == "__main__":
    main()
