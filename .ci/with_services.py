"""Run a command (the test suite) against PostgreSQL and Redis when they answer.

Usage: python .ci/with_services.py COMMAND [ARGS...]

- DATABASE_URL defaults to postgres://postgres@127.0.0.1:5432/rectify, REDIS_URL to
  redis://127.0.0.1:6379/15; both are checked with a real connection.
- CI=true: either one not answering is an error (exit 2, with the reason).
- Otherwise: without PostgreSQL the tests fall back to SQLite (loudly) and the PostgreSQL-only
  tests skip; without Redis, REDIS_URL is dropped and the Redis-only tests skip.
"""

import os
import sys
from urllib.parse import urlsplit, urlunsplit

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/rectify"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/15"
SQLITE_FALLBACK_URL = "sqlite:///test-fallback.sqlite3"  # pytest-django keeps SQLite test databases in memory


def redact(url: str) -> str:
    """The URL without its password, for messages."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


def postgres_problem(url: str) -> str:
    """Why the PostgreSQL server behind ``url`` refuses a connection, or "" when it answers.

    Connects to the maintenance database "postgres": the named database need not exist yet,
    pytest-django creates test_<name> from there.
    """
    import psycopg

    parts = urlsplit(url)
    if parts.scheme not in {"postgres", "postgresql", "pgsql", "postgis"}:
        return ""  # not PostgreSQL: nothing to check here
    server = urlunsplit((parts.scheme.replace("pgsql", "postgresql"), parts.netloc, "/postgres", parts.query, ""))
    try:
        psycopg.connect(server, connect_timeout=3).close()
    except psycopg.Error as exc:
        return f"{type(exc).__name__}: {' '.join(str(exc).split())}"
    return ""


def redis_problem(url: str) -> str:
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2).ping()
    except redis.RedisError as exc:
        return f"{type(exc).__name__}: {exc}"
    return ""


def banner(*lines: str) -> None:
    bar = "!" * 78
    print("\n".join([bar, *(f"!! {line}" for line in lines), bar]), file=sys.stderr, flush=True)


def main(argv: list[str]) -> int:
    if not argv:
        print(__doc__, file=sys.stderr)
        return 2
    in_ci = os.environ.get("CI", "").lower() == "true"
    env = dict(os.environ)
    env.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    database_url = env.setdefault("DATABASE_URL", DEFAULT_DATABASE_URL)
    redis_url = env.setdefault("REDIS_URL", DEFAULT_REDIS_URL)

    pg = postgres_problem(database_url)
    rd = redis_problem(redis_url)
    if in_ci and (pg or rd):
        banner(
            "CI=true and a required service does not answer:",
            *([f"PostgreSQL ({redact(database_url)}): {pg}"] if pg else []),
            *([f"Redis ({redact(redis_url)}): {rd}"] if rd else []),
            "Start them (see .ci/run) or set DATABASE_URL / REDIS_URL.",
        )
        return 2
    if pg:
        banner(
            f"PostgreSQL does not answer at {redact(database_url)}: {pg}",
            "FALLING BACK TO SQLITE: the PostgreSQL-only tests (triggers, worker) will SKIP.",
            "CI runs on PostgreSQL and would fail on them: start PostgreSQL to test what CI tests.",
        )
        env["DATABASE_URL"] = SQLITE_FALLBACK_URL
    if rd:
        banner(
            f"Redis does not answer at {redact(redis_url)}: {rd}",
            "The Redis-only tests (the real Celery worker) will SKIP.",
        )
        del env["REDIS_URL"]
    if not (pg or rd):
        print(
            f"tests use PostgreSQL at {redact(database_url)} and Redis at {redact(redis_url)}",
            file=sys.stderr,
            flush=True,
        )
    os.execvpe(argv[0], argv, env)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
