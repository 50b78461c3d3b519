"""Writing large answers piece by piece: CSV with formula-guarded cells, and reads through a
server-side cursor (ARCHITECTURE.md §7, "Streaming exports"). Used by the public register's open data
(``notices.exports``) and the case list export (``cases.exports``).
"""

import csv
import io
from collections.abc import Iterable, Iterator

from django.db import connection, transaction

CHUNK_ROWS = 2000  # rows per database fetch and per chunk written to the client
CSV_DANGEROUS = ("=", "+", "-", "@", "\t", "\r")
BOM = "\ufeff"


def csv_safe(value) -> str:
    """Neutralise spreadsheet formulas: a cell starting with = + - @ gets a leading apostrophe."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(CSV_DANGEROUS) else text


def csv_chunks(header: list[str], rows: Iterable[list], *, chunk_rows: int = CHUNK_ROWS) -> Iterator[bytes]:
    """The header, then the rows (every cell through ``csv_safe``), after a BOM so that
    spreadsheet programs in Chinese locales read UTF-8; ``chunk_rows`` rows per chunk."""
    out = io.StringIO()
    writer = csv.writer(out)
    out.write(BOM)
    writer.writerow(header)
    count = 0
    for row in rows:
        writer.writerow([csv_safe(cell) for cell in row])
        count += 1
        if count >= chunk_rows:
            yield out.getvalue().encode()
            out.seek(0)
            out.truncate()
            count = 0
    yield out.getvalue().encode()


def in_transaction(rows: Iterator) -> Iterator:
    """Iterate ``rows`` inside a transaction. ``QuerySet.iterator()`` on PostgreSQL reads through a
    named cursor; outside a transaction Django declares it ``WITH HOLD`` and the server materialises
    the whole result before the first row. Inside one it is read ``chunk_size`` rows at a time."""
    if connection.in_atomic_block:
        yield from rows
        return
    with transaction.atomic():
        yield from rows


def first_then(rows: Iterator) -> Iterator:
    """Read the first item now (a database that does not answer then fails the request, not a
    200 cut short), and give back an iterator over all of them."""
    first = next(rows, _END)
    if first is _END:
        return iter(())
    return _prepend(first, rows)


_END = object()


def _prepend(first, rest: Iterator) -> Iterator:
    try:
        yield first
        yield from rest
    finally:
        close = getattr(rest, "close", None)
        if close is not None:
            close()
