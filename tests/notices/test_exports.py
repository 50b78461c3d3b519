# ruff: noqa: F811 (the published fixture is imported)
"""The open data streams (issue 14, deliverable 5): a server-side cursor read in chunks, a kept file
per register version, ETag / Last-Modified and 304 for clients that poll."""

import csv
import io
import json

import pytest
from django.http import FileResponse, StreamingHttpResponse

from notices import exports, services, workflow
from products.models import ProductKind

from .conftest import make_case
from .test_public import _publish, published  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db

JSON_URL = "/register/open-data/entries.json"
CSV_URL = "/register/open-data/entries.csv"


def test_the_first_download_streams_and_later_ones_come_from_the_kept_file(client, published):  # noqa: F811
    first = client.get(JSON_URL)
    assert isinstance(first, StreamingHttpResponse) and not isinstance(first, FileResponse)
    body = first.getvalue()
    second = client.get(JSON_URL)
    assert isinstance(second, FileResponse)
    assert second.getvalue() == body
    assert json.loads(body)["fields"] == exports.OPEN_DATA_FIELDS
    assert second["Content-Type"] == "application/json; charset=utf-8"
    assert first["ETag"] == second["ETag"] and first["Last-Modified"] == second["Last-Modified"]
    assert "no-cache" in first["Cache-Control"]


def test_json_is_what_one_dumps_of_the_whole_list_gives(client, published, settings):  # noqa: F811
    settings.REGISTER_EXPORT_DIR = settings.REGISTER_EXPORT_DIR / "other"
    exports.CHUNK_ROWS, old = 2, exports.CHUNK_ROWS  # several chunks from three rows
    try:
        body = client.get(JSON_URL).getvalue()
    finally:
        exports.CHUNK_ROWS = old
    rows = list(exports.open_data_rows())
    expected = json.dumps({"fields": exports.OPEN_DATA_FIELDS, "entries": rows}, ensure_ascii=False).encode()
    assert body == expected and len(rows) == 3


def test_csv_streams_with_a_bom_in_chunks(client, published, monkeypatch):  # noqa: F811
    monkeypatch.setattr(exports, "CHUNK_ROWS", 1)
    response = client.get(CSV_URL)
    assert isinstance(response, StreamingHttpResponse)
    chunks = list(response.streaming_content)
    assert chunks[0].startswith(b"\xef\xbb\xbf") and len(chunks) >= 4
    rows = list(csv.DictReader(io.StringIO(b"".join(chunks).decode("utf-8-sig"))))
    assert [r["seq"] for r in rows] == ["1", "1", "2"]
    assert response["Content-Disposition"].startswith("attachment")


def test_an_empty_register_is_an_empty_list(client, db):
    assert json.loads(client.get(JSON_URL).getvalue())["entries"] == []
    assert client.get(CSV_URL).getvalue().decode("utf-8-sig").strip() == ",".join(exports.OPEN_DATA_FIELDS)


def test_the_export_reads_through_a_cursor_in_a_constant_number_of_queries(
    client, published, inspector, reviewer, monkeypatch, django_assert_max_num_queries
):  # noqa: F811
    for _ in range(3):
        _publish(inspector, reviewer, make_case(), make_case())
    monkeypatch.setattr(exports, "CHUNK_ROWS", 2)
    # The version, and one cursor (its fetches of 2 rows are not queries): whatever the row count.
    with django_assert_max_num_queries(2):
        body = client.get(CSV_URL).getvalue()
    assert body.count(b"\n") == 1 + 3 + 6


def test_a_poll_with_the_etag_or_the_date_answers_304(client, published):  # noqa: F811
    for url in (JSON_URL, CSV_URL):
        first = client.get(url)
        first.getvalue()
        again = client.get(url, HTTP_IF_NONE_MATCH=first["ETag"])
        assert again.status_code == 304 and again["ETag"] == first["ETag"]
        assert not again.content
        since = client.get(url, HTTP_IF_MODIFIED_SINCE=first["Last-Modified"])
        assert since.status_code == 304
        assert client.get(url, HTTP_IF_NONE_MATCH='"something-else"').status_code == 200
    assert _etag(client, JSON_URL) != _etag(client, CSV_URL)


def _etag(client, url) -> str:
    """The answer's ETag, its stream read to the end so its server-side cursor closes now: an unread
    stream left to the garbage collector may be closed in the middle of a later query on the same
    connection, which then waits forever (psycopg's connection lock; seen with issue 16's tests).
    (``response.close()`` would send ``request_finished``, which closes a test's connection.)"""
    response = client.get(url)
    response.getvalue()
    return response["ETag"]


def test_the_etag_changes_at_once_after_a_publication_and_a_correction(client, published, inspector, reviewer, frozen):  # noqa: F811
    etag = _etag(client, JSON_URL)
    frozen.tick(5)
    second = _publish(inspector, reviewer, make_case(kind=ProductKind.TERMINAL))
    after_publication = client.get(JSON_URL, HTTP_IF_NONE_MATCH=etag)
    assert after_publication.status_code == 200 and after_publication["ETag"] != etag
    assert second.pk in {r["notice_id"] for r in json.loads(after_publication.getvalue())["entries"]}

    etag = after_publication["ETag"]
    frozen.tick(5)
    correction = services.notice_correct(actor=inspector, notice=published)
    services.notice_update(actor=inspector, notice=correction, closing="更正后的结尾。")
    workflow.notice_approve(actor=reviewer, notice=correction)
    workflow.notice_publish(notice_id=correction.pk, actor=reviewer)
    after_correction = client.get(JSON_URL, HTTP_IF_NONE_MATCH=etag)
    assert after_correction.status_code == 200 and after_correction["ETag"] != etag
    rows = json.loads(after_correction.getvalue())["entries"]
    assert {r["notice_status"] for r in rows if r["notice_id"] == published.pk} == {"superseded"}


def test_only_the_current_version_s_file_is_kept(client, published, inspector, reviewer, settings):  # noqa: F811
    client.get(CSV_URL).getvalue()
    client.get(JSON_URL).getvalue()
    _publish(inspector, reviewer, make_case())
    client.get(CSV_URL).getvalue()
    kept = sorted(p.suffix for p in settings.REGISTER_EXPORT_DIR.iterdir())
    assert kept == [".csv", ".json"]  # the old CSV is gone, no .part is left


def test_a_stream_cut_short_leaves_no_file(settings, db):
    def chunks():
        yield b"{"
        yield b"}"

    kept = exports._kept(chunks(), exports.JSON, "1.0.-")
    assert next(kept) == b"{"
    kept.close()  # the client went away
    assert not list(settings.REGISTER_EXPORT_DIR.iterdir())
    assert b"".join(exports._kept(chunks(), exports.JSON, "1.0.-")) == b"{}"
    assert [p.read_bytes() for p in settings.REGISTER_EXPORT_DIR.iterdir()] == [b"{}"]


def test_with_the_database_down_a_fresh_process_serves_the_last_complete_file(client, published, monkeypatch):
    from django.db import OperationalError
    from django.db.backends.utils import CursorWrapper

    from notices import caching

    body = client.get(CSV_URL).getvalue()
    monkeypatch.setitem(caching._last_seen, "version", "")  # a process that never read the version

    def refuse(self, *args, **kwargs):
        raise OperationalError("connection refused")

    monkeypatch.setattr(CursorWrapper, "execute", refuse)
    copy = client.get(CSV_URL)
    assert copy.status_code == 200 and copy["X-Register-Copy"] == "stale"
    assert copy.getvalue() == body and "ETag" not in copy
    never = client.get(JSON_URL)  # never downloaded: no copy to serve
    assert never.status_code == 503
