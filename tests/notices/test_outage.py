"""The public register is served from its last good copy while the database does not answer
(issue 13: "the public register served from its cache")."""

import pytest
from django.db import OperationalError
from django.db.backends.utils import CursorWrapper

from accounts.error_codes import DATABASE_UNAVAILABLE

from .test_public import published  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db

PAGES = ["/register/", "/register/feed/", "/register/open-data/entries.json", "/register/open-data/entries.csv"]


@pytest.fixture
def database_down(monkeypatch):
    def refuse(self, *args, **kwargs):
        raise OperationalError("connection to server at 127.0.0.1, port 5432 failed: Connection refused")

    def down():
        monkeypatch.setattr(CursorWrapper, "execute", refuse)

    return down


def test_register_pages_are_served_from_the_last_good_copy(client, published, database_down):  # noqa: F811
    paths = [*PAGES, f"/register/{published.pk}/"]
    good = {path: client.get(path) for path in paths}
    assert all(r.status_code == 200 for r in good.values())
    bodies = {path: r.getvalue() for path, r in good.items()}  # the open data streams: read it whole
    database_down()
    for path in paths:
        copy = client.get(path)
        assert copy.status_code == 200, path
        # Bodies cached per version render without the database; the rest is the kept copy.
        assert copy.get("X-Register-Copy", "stale") == "stale"
        assert copy["Content-Type"] == good[path]["Content-Type"]
        if "csrfmiddlewaretoken" not in bodies[path].decode():
            assert copy.getvalue() == bodies[path], path
    detail = client.get(f"/register/{published.pk}/")
    assert detail["X-Register-Copy"] == "stale"  # the notice itself is read from the database
    assert published.pdf_sha256 in detail.content.decode() and "csrfmiddlewaretoken" not in detail.content.decode()


def test_a_page_never_kept_answers_503(client, published, database_down):  # noqa: F811
    database_down()
    response = client.get("/register/", {"q": "never asked before"})
    assert response.status_code == 503 and response["Retry-After"]
    api = client.get("/api/v1/public/verify/", {"sha256": "0" * 64})
    assert api.status_code == 503 and api.json()["error"]["code"] == DATABASE_UNAVAILABLE


def test_a_signed_in_visitor_s_page_is_not_kept(client, published, inspector, database_down):  # noqa: F811
    client.force_login(inspector)
    assert "inspector1" in client.get(f"/register/{published.pk}/").content.decode()
    client.logout()
    database_down()
    assert client.get(f"/register/{published.pk}/").status_code == 503
