"""Open data of the public register, streamed: every row of every issued public notice as JSON or CSV.

Memory stays constant whatever the register's size (ARCHITECTURE.md §7, "Streaming exports"):

- rows are read through a server-side cursor (``QuerySet.iterator`` on PostgreSQL declares a named
  cursor, inside a transaction so that it is not materialised ``WITH HOLD``) as plain tuples, and
  written out in chunks of ``CHUNK_ROWS`` rows: nothing holds the whole list;
- the first download of a register version writes the bytes it streams to a file under
  ``REGISTER_EXPORT_DIR`` (a temporary name, renamed once complete); later downloads of the same
  version are served from that file (``FileResponse``: read in blocks, no database query but the
  version), and so is the last complete copy while the database does not answer.

Every answer carries an ETag and Last-Modified taken from the register's version
(``notices.selectors.public_register_stamp``), which a publication or a correction changes in its own
transaction: a client polls with ``If-None-Match`` / ``If-Modified-Since`` and gets ``304`` until then.
"""

import datetime
import hashlib
import json
import logging
import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import FileResponse, HttpResponse, StreamingHttpResponse
from django.utils.cache import get_conditional_response
from django.utils.http import http_date

from config import streaming

from . import selectors
from .caching import register_version
from .models import batch_label_of

logger = logging.getLogger(__name__)

CHUNK_ROWS = streaming.CHUNK_ROWS
csv_safe = streaming.csv_safe
CACHE_CONTROL = "public, no-cache"  # a client may keep a copy but revalidates it (cheap: 304)

OPEN_DATA_FIELDS = [
    "id",
    "notice_id",
    "notice_kind",
    "notice_title",
    "notice_number",
    "notice_version",
    "notice_status",
    "published_on",
    "seq",
    "name",
    "developer",
    "source",
    "version",
    "issues",
    "issue_codes",
    "authority",
    "authority_code",
    # Added with offline scenarios (issue 16), after the others so existing readers keep their columns.
    "notice_series",
    "address",
    "scenario",
    "division_code",
]


@dataclass(frozen=True)
class Format:
    name: str
    suffix: str
    content_type: str
    disposition: str


JSON = Format("json", "json", "application/json; charset=utf-8", 'inline; filename="notice-entries.json"')
CSV = Format("csv", "csv", "text/csv; charset=utf-8", 'attachment; filename="notice-entries.csv"')


# ---------------------------------------------------------------- rows


def open_data_rows(*, authority_code: str | None = None) -> Iterator[dict]:
    """Every open-data row as a dict with ``OPEN_DATA_FIELDS``, read chunk by chunk (one issuing
    authority's only with ``authority_code``)."""
    for (
        pk,
        notice_id,
        kind,
        title,
        year,
        batch_number,
        overall_number,
        notice_version,
        status,
        published_on,
        seq,
        name,
        developer,
        source,
        version,
        issues,
        issue_codes,
        authority,
        authority_code_of_row,
        series,
        address,
        scenario,
        division_code,
    ) in selectors.public_entry_rows(authority_code=authority_code).iterator(chunk_size=CHUNK_ROWS):
        yield {
            "id": pk,
            "notice_id": notice_id,
            "notice_kind": kind,
            "notice_title": title,
            "notice_number": batch_label_of(year, batch_number, overall_number),
            "notice_version": notice_version,
            "notice_status": status,
            "published_on": published_on.isoformat() if published_on else "",
            "seq": seq,
            "name": name,
            "developer": developer,
            "source": source,
            "version": version,
            "issues": issues,
            "issue_codes": issue_codes,
            "authority": authority,
            "authority_code": authority_code_of_row,
            "notice_series": series,
            "address": address,
            "scenario": scenario,
            "division_code": division_code,
        }


def json_chunks(rows: Iterator[dict]) -> Iterator[bytes]:
    """``{"fields": [...], "entries": [...]}``, byte for byte what ``json.dumps`` of the whole
    object gives, written a chunk of rows at a time."""
    yield ('{"fields": ' + json.dumps(OPEN_DATA_FIELDS, ensure_ascii=False) + ', "entries": [').encode()
    parts: list[str] = []
    first = True
    for row in rows:
        text = json.dumps(row, ensure_ascii=False)
        parts.append(text if first else ", " + text)
        first = False
        if len(parts) >= CHUNK_ROWS:
            yield "".join(parts).encode()
            parts = []
    parts.append("]}")
    yield "".join(parts).encode()


def csv_chunks(rows: Iterator[dict]) -> Iterator[bytes]:
    """The header and the rows, formula-guarded, after a BOM (``config.streaming.csv_chunks``)."""
    return streaming.csv_chunks(
        OPEN_DATA_FIELDS, ([row[f] for f in OPEN_DATA_FIELDS] for row in rows), chunk_rows=CHUNK_ROWS
    )


WRITERS = {"json": json_chunks, "csv": csv_chunks}


# ---------------------------------------------------------------- the kept file of each version


def export_dir() -> Path:
    return Path(settings.REGISTER_EXPORT_DIR)


def _digest(version: str) -> str:
    return hashlib.sha256(version.encode()).hexdigest()[:20]


def _path(fmt: Format, version: str) -> Path:
    return export_dir() / f"notice-entries-{_digest(version)}.{fmt.suffix}"


def _latest_copy(fmt: Format) -> Path | None:
    """The newest complete file of ``fmt`` (whatever its version), for an outage."""
    try:
        files = [p for p in export_dir().glob(f"notice-entries-*.{fmt.suffix}") if p.is_file()]
    except OSError:
        return None
    return max(files, key=lambda p: p.stat().st_mtime, default=None)


def _kept(chunks: Iterator[bytes], fmt: Format, version: str) -> Iterator[bytes]:
    """Yield ``chunks`` while writing them to a temporary file, renamed to the version's file
    once complete (other versions' files of the format are then removed). A stream that breaks
    off (client gone, database error) leaves nothing behind."""
    folder = export_dir()
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".notice-entries-", suffix=".part", dir=folder)
        out = os.fdopen(fd, "wb")
    except OSError:  # no place to keep a copy: stream all the same
        logger.warning("cannot keep a copy of the open data in %s", folder, exc_info=True)
        yield from chunks
        return
    complete = False
    try:
        for chunk in chunks:
            if out is not None:
                try:
                    out.write(chunk)
                except OSError:  # disk full: the client still gets its download
                    logger.warning("stopped keeping a copy of the open data", exc_info=True)
                    out.close()
                    out = None
            yield chunk
        complete = out is not None
    finally:
        if out is not None:
            out.close()
        final = _path(fmt, version)
        if complete:
            os.replace(tmp, final)
            for old in folder.glob(f"notice-entries-*.{fmt.suffix}"):
                if old != final:
                    old.unlink(missing_ok=True)
        else:
            Path(tmp).unlink(missing_ok=True)


# ---------------------------------------------------------------- the answer


def _validators(version: str, fmt: Format) -> tuple[str, datetime.datetime | None]:
    etag = f'"{_digest(version)}-{fmt.name}"'
    latest = version.split(".", 2)[-1]  # the stamp ends with the latest publication time
    try:
        last_modified = datetime.datetime.fromisoformat(latest)
    except ValueError:
        last_modified = None
    return etag, last_modified


def _headers(response: HttpResponse, fmt: Format, etag: str | None, last_modified) -> HttpResponse:
    response["Content-Type"] = fmt.content_type
    response["Content-Disposition"] = fmt.disposition
    response["Cache-Control"] = CACHE_CONTROL
    if etag:
        response["ETag"] = etag
    if last_modified is not None:
        response["Last-Modified"] = http_date(last_modified.timestamp())
    return response


def open_data_response(request, fmt: Format) -> HttpResponse:
    """The open data in ``fmt``: 304 when the client's copy is current, else the kept file of
    this version, else a stream from the database (kept for the next download)."""
    try:
        version = register_version()
    except (OperationalError, InterfaceError):
        copy = _latest_copy(fmt)
        if copy is None:
            raise
        logger.warning("database unavailable: served the kept open data %s", copy.name)
        response = _headers(FileResponse(copy.open("rb")), fmt, None, None)
        response["X-Register-Copy"] = "stale"
        response["Cache-Control"] = "no-store"
        return response
    etag, last_modified = _validators(version, fmt)
    not_modified = get_conditional_response(
        request, etag=etag, last_modified=int(last_modified.timestamp()) if last_modified else None
    )
    if not_modified is not None:
        return _headers(not_modified, fmt, etag, last_modified)
    authority_code = request.GET.get("authority", "")
    if authority_code:
        # One authority's rows: streamed (only the whole register is kept as a file); an unknown
        # or malformed code gives no rows.
        code = authority_code if authority_code.isdecimal() and len(authority_code) == 6 else "-"
        rows = streaming.first_then(streaming.in_transaction(open_data_rows(authority_code=code)))
        return _headers(StreamingHttpResponse(WRITERS[fmt.name](rows)), fmt, None, last_modified)
    kept = _path(fmt, version)
    try:
        return _headers(FileResponse(kept.open("rb")), fmt, etag, last_modified)
    except OSError:
        pass
    # The first row is read here, in the view: a database that does not answer fails the request
    # (503, or the kept copy) instead of a 200 cut short.
    rows = streaming.first_then(streaming.in_transaction(open_data_rows()))
    chunks = _kept(WRITERS[fmt.name](rows), fmt, version)
    return _headers(StreamingHttpResponse(chunks), fmt, etag, last_modified)
