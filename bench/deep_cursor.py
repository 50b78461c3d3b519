"""The address of a list API's page about 80% of the way down, through its cursor (bench/api_load.py).

    DATABASE_URL=... DJANGO_SETTINGS_MODULE=... python bench/deep_cursor.py PATH USERNAME [FRACTION]

The API answers ``?page=`` only for the first rows and, past them, a ``cursor`` that seeks from the
last row shown (config/api.py). Following ``next`` 40,000 times is no way to reach page 40,000, so
this builds the cursor a client would hold there: it resolves PATH to its view, builds the view's
filtered queryset as USERNAME would get it, reads the row at FRACTION of the exact count (one
OFFSET query, paid here, once, outside the measurement) and prints PATH with ``cursor=`` set to
that row's ordering values, encoded as the API encodes them. Prints PATH unchanged when the list
does not paginate by cursor.
"""

import os
import sys
from urllib.parse import urlsplit

import django


def deep_cursor(path: str, username: str, fraction: float = 0.8) -> str:
    from django.urls import resolve
    from rest_framework.test import APIRequestFactory, force_authenticate

    from accounts.models import User
    from config.lists import Keyset, encode_cursor

    parts = urlsplit(path)
    match = resolve(parts.path)
    request = APIRequestFactory().get(path, SERVER_NAME="127.0.0.1")
    force_authenticate(request, user=User.objects.get(username=username))
    view = match.func.cls(**getattr(match.func, "initkwargs", {}))
    view.action_map = getattr(match.func, "actions", {"get": "list"})
    view.args, view.kwargs = (), match.kwargs
    view.request = view.initialize_request(request, **match.kwargs)
    view.format_kwarg = None
    view.action = view.action_map.get("get", "list")
    queryset = view.filter_queryset(view.get_queryset())
    if not Keyset.supports(queryset):
        return path
    keyset = Keyset(queryset)
    ordered = queryset.order_by(*keyset.ordering)
    total = ordered.count()
    if total < 2:
        return path
    row = ordered[int(total * fraction)]
    sep = "&" if parts.query else "?"
    return f"{path}{sep}cursor={encode_cursor({'a': keyset.values_of(row)})}"


if __name__ == "__main__":
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    django.setup()
    print(deep_cursor(sys.argv[1], sys.argv[2], float(sys.argv[3]) if len(sys.argv) > 3 else 0.8))
