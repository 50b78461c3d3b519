"""Single-request times of the public register and the notice lists on a large register (issue 14).

    PYTHONPATH=. .venv/bin/python bench/register_pages.py --database rectify_export_bench [--repeat 5]
    cd /work/main && PYTHONPATH=. .venv/bin/python /path/to/bench/register_pages.py --database ...  # other code

Reads an existing seeded database (``bench/export_rss.py --keep`` leaves one with 10,000 notices and
500,000 rows; so does ``manage.py seed_scale``) and writes nothing to it. Each address is asked
``--repeat`` times in-process with Django's test client, the cache cleared before each request, so
every figure is a cold one (what a first visitor, a new search or a deep page costs); it prints the
median and the worst in milliseconds. The deep page is asked both ways, ``page=400`` and the keyset
``before=`` of the same position, so the same list serves code of either kind.
"""

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import quote

OUT = Path(__file__).resolve().parent / "out"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", required=True)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--label", default="")
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    url = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/x").rsplit("/", 1)[0]
    os.environ["DATABASE_URL"] = f"{url}/{args.database}"

    import django

    django.setup()
    from django.core.cache import cache
    from django.test import Client

    from accounts.models import User
    from accounts.roles import NOTICE_DRAFT, has_perm
    from notices.models import Notice, NoticeEntry

    public = Notice.objects.filter(kind__in=("naming", "removal"), status__in=("published", "superseded"))
    ordered = list(public.order_by("-published_at", "-id").values_list("pk", "published_at")[7999:8000])
    deep = ""
    if ordered:
        pk, when = ordered[0]
        deep = f"page=401&before={int(when.timestamp() * 1_000_000)}-{pk}"
    some = public.order_by("-published_at").values_list("pk", flat=True).first()
    # A rare name and developer, taken from a row in the middle of the register (whatever the seed).
    middle = NoticeEntry.objects.order_by("pk").values_list("name", "developer")[
        NoticeEntry.objects.count() // 2 : NoticeEntry.objects.count() // 2 + 1
    ]
    rare_name, rare_developer = middle[0] if middle else ("无此名称", "无此公司")
    year = public.order_by("year").values_list("year", flat=True).first() or 2025
    addresses = [
        "/register/",
        f"/register/?{deep}",
        "/register/?q=天气",  # two characters: a prefix
        "/register/?q=有限公司",  # in nearly every row
        f"/register/?q={quote(rare_name)}",
        f"/register/?vendor={quote(rare_developer)}",
        "/register/?product=新闻",
        "/register/?issue=PI-03",
        f"/register/?year={year + 1}&kind=removal",
        f"/register/{some}/",
        "/register/feed/",
        "/notices/",
        "/api/v1/notices/",
        "/api/v1/notices/?page=400",
    ]
    regulator = next((u for u in User.objects.filter(is_active=True) if has_perm(u, NOTICE_DRAFT)), None)
    client = Client()
    results = []
    for address in addresses:
        if address.startswith(("/notices/", "/api/")):
            if regulator is None:
                continue
            client.force_login(regulator)
        else:
            client.logout()
        times, status = [], None
        for _ in range(args.repeat):
            cache.clear()
            started = time.perf_counter()
            response = client.get(address, HTTP_ACCEPT_LANGUAGE="zh-hans")
            if response.streaming:
                b"".join(response.streaming_content)
            times.append((time.perf_counter() - started) * 1000)
            status = response.status_code
        row = {"address": address, "status": status, "median_ms": statistics.median(times), "worst_ms": max(times)}
        results.append(row)
        print(f"{row['median_ms']:8.1f} ms median {row['worst_ms']:8.1f} ms worst  {status}  {address}")
    OUT.mkdir(exist_ok=True)
    (OUT / f"register_pages{('-' + args.label) if args.label else ''}.json").write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
