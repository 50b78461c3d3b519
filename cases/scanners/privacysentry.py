"""PrivacySentry workbooks: privacy-API calls of an Android app, before and after consent.

FORMATS.md §8. Legacy .xls (BIFF8, read with xlrd) and .xlsx (read with openpyxl in read-only
mode, which parses its XML with defusedxml). An XLSX is a ZIP: its central directory is checked
against the entry-count and uncompressed-size limits before openpyxl opens it, so a ZIP bomb is
refused unread.

Sheet "隐私合规": 调用时间 (``MM-DD HH:MM:SS.mmm``, no year; missing in older versions) / 别名
(``<中文说明>-<api>``) / 函数名 / 调用堆栈 (older versions add 调用次数). A row whose alias is
"点击隐私协议确认" marks the moment the user accepted the privacy policy. Despite the "倒序"
header the rows run oldest first; they are ordered by time, or kept in row order without one.
Sheet "调用次数": 别名 / 函数名 / 调用堆栈 / 调用次数.
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterator
from typing import Any, BinaryIO
from xml.etree.ElementTree import ParseError

from defusedxml import DTDForbidden, EntitiesForbidden, ExternalReferenceForbidden

from cases.scanners import errors, limits
from cases.scanners.base import OLE2_MAGIC, Observation, ScanError, clip, looks_like_zip, register

TOOL = "privacysentry"
CONSENT_MARKERS = ("点击隐私协议确认", "同意隐私协议", "同意隐私政策")
_HEADERS = {
    "time": ("调用时间",),
    "alias": ("别名",),
    "function": ("函数名",),
    "stack": ("调用堆栈",),
    "count": ("调用次数",),
}
_COUNT_SHEET = "调用次数"


class PrivacySentryParser:
    name = TOOL
    display_name = "PrivacySentry"  # how pages name the tool (a proper name, the same in every language)
    label = "PrivacySentry privacy-compliance workbook (.xls / .xlsx)"

    def sniff(self, head: bytes) -> bool:
        if head.startswith(OLE2_MAGIC):
            return True
        # An XLSX names its parts in the local headers near the start of the ZIP.
        return looks_like_zip(head) and (b"[Content_Types].xml" in head or b"xl/" in head)

    def parse(self, stream: BinaryIO) -> Iterator[Observation]:
        head = stream.read(8)
        stream.seek(0)
        if head.startswith(OLE2_MAGIC):
            sheets = _xls_sheets(stream)
        elif looks_like_zip(head):
            sheets = _xlsx_sheets(stream)
        else:
            raise errors.unsupported(TOOL, EXPECTED, "the file is neither an .xls nor an .xlsx workbook")
        found = False
        for name, rows in sheets:
            header, columns = _header(rows)
            if columns is None:
                continue
            found = True
            if name.strip() == _COUNT_SHEET:
                yield from _count_rows(name, columns, rows)
            else:
                yield from _call_rows(name, columns, rows)
        if not found:
            raise errors.unsupported(
                TOOL, EXPECTED, "the workbook has no PrivacySentry sheet (expected columns 别名 and 函数名)"
            )


EXPECTED = "隐私合规 | 调用次数: 别名, 函数名"


def _damaged(reason: str, container: str, *, sheet: str | None = None) -> ScanError:
    return ScanError(
        reason,
        code=errors.DAMAGED_FILE,
        params={"format": container},
        position={"sheet": sheet} if sheet else None,
    )


def _too_many_rows(sheet: str) -> ScanError:
    return ScanError(
        f"sheet {sheet} has more than {limits.MAX_SHEET_ROWS} rows",
        code=errors.TOO_LARGE,
        params={"max_rows": limits.MAX_SHEET_ROWS},
        position={"sheet": sheet, "row": limits.MAX_SHEET_ROWS + 1},
    )


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _header(rows: Iterator[list[str]]) -> tuple[list[str], dict[str, int] | None]:
    """Find the header within the first rows; map our column names to indexes."""
    for _ in range(10):
        row = next(rows, None)
        if row is None:
            return [], None
        columns = {}
        for index, title in enumerate(row):
            for key, names in _HEADERS.items():
                if key not in columns and any(title.startswith(name) for name in names):
                    columns[key] = index
        if "alias" in columns and "function" in columns:
            return row, columns
    return [], None


def _get(row: list[str], columns: dict[str, int], key: str) -> str:
    index = columns.get(key)
    return row[index] if index is not None and index < len(row) else ""


def _is_marker(alias: str, function: str) -> bool:
    return any(marker in alias or marker in function for marker in CONSENT_MARKERS)


def _call_rows(sheet: str, columns: dict[str, int], rows: Iterator[list[str]]) -> Iterator[Observation]:
    calls = []
    for number, row in enumerate(rows):
        if not any(row):
            continue
        calls.append((_get(row, columns, "time"), number, row))
    # "MM-DD HH:MM:SS.mmm" is zero-padded, so text order is time order (within one year).
    if "time" in columns:
        calls.sort(key=lambda call: (call[0], call[1]))
    consent_at = next(
        (position for position, (_, _, row) in enumerate(calls) if _is_marker(*_alias_function(row, columns))),
        None,
    )
    for position, (time, _, row) in enumerate(calls):
        alias, function = _alias_function(row, columns)
        if position == consent_at:
            yield Observation(
                TOOL, "consent_marker", f"consent:{sheet}", {"sheet": sheet, "sequence": position, "time": time}
            )
            continue
        description, _, api = alias.partition("-")
        count = _get(row, columns, "count")
        yield Observation(
            TOOL,
            "privacy_api_call",
            f"call:{sheet}:{position}:{function}",
            {
                "sheet": sheet,
                "sequence": position,
                "time": time or None,
                "alias": alias,
                "description": description,
                "api": api or function,
                "function": function,
                "stack": clip(_get(row, columns, "stack"), 4000),
                "count": int(count) if count.isdigit() else None,
                "consent_marker_seen": consent_at is not None,
                "before_consent": None if consent_at is None else position < consent_at,
                "consent_time": (calls[consent_at][0] or None) if consent_at is not None else None,
            },
        )


def _alias_function(row: list[str], columns: dict[str, int]) -> tuple[str, str]:
    return _get(row, columns, "alias"), _get(row, columns, "function")


def _count_rows(sheet: str, columns: dict[str, int], rows: Iterator[list[str]]) -> Iterator[Observation]:
    for row in rows:
        alias, function = _alias_function(row, columns)
        if not alias and not function:
            continue
        count = _get(row, columns, "count")
        yield Observation(
            TOOL,
            "privacy_api_count",
            f"count:{function}:{alias}",
            {"alias": alias, "function": function, "count": int(count) if count.isdigit() else None},
        )


def _xls_sheets(stream: BinaryIO) -> Iterator[tuple[str, Iterator[list[str]]]]:
    import xlrd

    try:
        book = xlrd.open_workbook(file_contents=stream.read(), on_demand=True)
    except xlrd.XLRDError as exc:
        raise _damaged(f"damaged or unsupported .xls workbook: {exc}", "XLS") from None
    except (ValueError, IndexError, AssertionError) as exc:
        raise _damaged(f"damaged .xls workbook: {exc}", "XLS") from None
    try:
        for index in range(book.nsheets):
            sheet = book.sheet_by_index(index)
            if sheet.nrows > limits.MAX_SHEET_ROWS:
                raise _too_many_rows(sheet.name)
            yield sheet.name, ([_cell(v) for v in sheet.row_values(r)] for r in range(sheet.nrows))
            book.unload_sheet(index)
    finally:
        book.release_resources()


def check_xlsx_container(stream: BinaryIO) -> None:
    """Refuse an XLSX whose ZIP directory promises too many entries or too many bytes.

    Python's zipfile never inflates an entry past the size its directory declares, so bounding the
    declared sizes bounds what openpyxl can be made to read.
    """
    try:
        with zipfile.ZipFile(stream) as archive:
            entries = archive.infolist()
    except zipfile.BadZipFile as exc:
        raise _damaged(f"damaged XLSX (not a readable ZIP archive): {exc}", "ZIP") from None
    finally:
        stream.seek(0)
    if len(entries) > limits.MAX_XLSX_ENTRIES:
        raise ScanError(
            f"XLSX has more than {limits.MAX_XLSX_ENTRIES} entries",
            code=errors.TOO_LARGE,
            params={"max_entries": limits.MAX_XLSX_ENTRIES},
        )
    total = sum(entry.file_size for entry in entries)
    if total > limits.MAX_XLSX_UNCOMPRESSED_BYTES:
        max_mb = limits.MAX_XLSX_UNCOMPRESSED_BYTES // (1024 * 1024)
        raise ScanError(f"XLSX expands beyond {max_mb} MB", code=errors.TOO_LARGE, params={"max_mb": max_mb})
    if not any(entry.filename == "xl/workbook.xml" for entry in entries):
        raise ScanError(
            "the ZIP archive is not an XLSX workbook (no xl/workbook.xml)",
            code=errors.UNSUPPORTED_FORMAT,
            params={"tool": TOOL, "expected": EXPECTED, "container": "ZIP"},
        )


_ENTITIES = "XML entities or external references are not allowed inside an XLSX"


def _caused_by_entities(exc: BaseException) -> bool:
    """openpyxl re-raises defusedxml's refusal as a generic "invalid XML" ValueError."""
    seen: BaseException | None = exc
    for _ in range(20):
        if seen is None:
            return False
        if isinstance(seen, EntitiesForbidden | ExternalReferenceForbidden | DTDForbidden):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def _xlsx_sheets(stream: BinaryIO) -> Iterator[tuple[str, Iterator[list[str]]]]:
    from openpyxl import load_workbook

    check_xlsx_container(stream)
    try:
        book = load_workbook(stream, read_only=True, data_only=True)
    except (EntitiesForbidden, ExternalReferenceForbidden, DTDForbidden):
        raise ScanError(_ENTITIES, code=errors.XML_FORBIDDEN) from None
    except (zipfile.BadZipFile, KeyError, ValueError, OSError, ParseError) as exc:
        if _caused_by_entities(exc):
            raise ScanError(_ENTITIES, code=errors.XML_FORBIDDEN) from None
        raise _damaged(f"damaged XLSX workbook: {str(exc).splitlines()[0]}", "XLSX") from None
    try:
        for sheet in book.worksheets:
            yield sheet.title, _xlsx_rows(sheet)
    finally:
        book.close()


def _xlsx_rows(sheet: Any) -> Iterator[list[str]]:
    try:
        for number, row in enumerate(sheet.iter_rows(values_only=True)):
            if number >= limits.MAX_SHEET_ROWS:
                raise _too_many_rows(sheet.title)
            yield [_cell(value) for value in row]
    except (EntitiesForbidden, ExternalReferenceForbidden, DTDForbidden):
        raise ScanError(_ENTITIES, code=errors.XML_FORBIDDEN) from None
    except ParseError as exc:
        raise _damaged(f"damaged XLSX sheet {sheet.title}: {exc}", "XLSX", sheet=sheet.title) from None


register(PrivacySentryParser())
