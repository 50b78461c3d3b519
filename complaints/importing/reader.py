"""Reading a complaint export: CSV (UTF-8 with or without BOM, or GB18030 as Excel in China saves
it) or XLSX (openpyxl, read-only, after its ZIP directory is checked). Pure: bytes in, rows out.
Every cell comes out as text, dates as ISO text; bad input raises ``ExportUnreadable``.
"""

import csv
import datetime
import io
import re
from collections.abc import Iterator

from openpyxl import load_workbook

from cases.scanners.base import ScanError
from cases.scanners.privacysentry import check_xlsx_container

# Rows one file may hold (a platform exports a few thousand at a time).
MAX_ROWS = 20_000
MAX_CELL_CHARS = 20_000
XLSX_MAGIC = b"PK\x03\x04"


class ExportUnreadable(Exception):
    """The file is not a readable CSV or XLSX export; the message says why."""


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        return value.date().isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)[:MAX_CELL_CHARS].strip()


def _csv_text(data: bytes) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ExportUnreadable("the CSV file is neither UTF-8 nor GB18030 text")


def _csv_rows(data: bytes) -> Iterator[list[str]]:
    text = _csv_text(data)
    if "\x00" in text:
        raise ExportUnreadable("the file holds NUL bytes: not a CSV export")
    try:
        for row in csv.reader(io.StringIO(text, newline="")):
            yield [_cell(v) for v in row]
    except csv.Error as exc:
        raise ExportUnreadable(f"the CSV file cannot be read: {exc}") from None


def _xlsx_rows(data: bytes) -> Iterator[list[str]]:
    stream = io.BytesIO(data)
    try:
        check_xlsx_container(stream)
    except ScanError as exc:
        raise ExportUnreadable(str(exc)) from None
    try:
        book = load_workbook(stream, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged workbook
        raise ExportUnreadable(f"the XLSX workbook cannot be opened: {exc}") from None
    try:
        sheet = book.worksheets[0]
        for row in sheet.iter_rows(values_only=True):
            yield [_cell(v) for v in row]
    finally:
        book.close()


def read_rows(data: bytes) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """The header and the (row number, cells) of every row that is not blank; row 1 is the header."""
    rows = _xlsx_rows(data) if data.startswith(XLSX_MAGIC) else _csv_rows(data)
    header = next(rows, None)
    if not header or not any(header):
        raise ExportUnreadable("the file is empty: no header row")
    body = []
    for number, row in enumerate(rows, start=2):
        if not any(cell for cell in row):
            continue
        if len(body) >= MAX_ROWS:
            raise ExportUnreadable(f"the file has more than {MAX_ROWS} rows: split it")
        body.append((number, row))
    return header, body


_DATE = re.compile(r"^\s*(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})")


def parse_date(text: str) -> datetime.date | None:
    """A date as exports write it: 2025-09-12, 2025/9/12 10:31, 2025年9月12日; None if unreadable."""
    match = _DATE.match(text or "")
    if not match:
        return None
    try:
        return datetime.date(*(int(part) for part in match.groups()))
    except ValueError:
        return None
