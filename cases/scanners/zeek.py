"""Zeek (Bro) logs: the TSV writer with ``#fields`` headers and the JSON-lines writer.

FORMATS.md §4. Columns are found by name from ``#fields`` (never by position), so newer Zeek
versions with extra columns and older Bro logs with fewer read alike. ``-`` (unset) becomes None,
``(empty)`` an empty list or string, sets and vectors become lists. Test baselines written by btest
mask timestamps with the letter X (ten, a dot, six): those are read as "no time" explicitly, any other
non-numeric time is refused. Lines are read one at a time and bounded in length.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterator
from datetime import datetime
from typing import Any, BinaryIO
from urllib.parse import parse_qsl

from cases.scanners import errors, limits, safejson
from cases.scanners.base import OLE2_MAGIC, Observation, ScanError, clip, looks_like_zip, register

TOOL = "zeek"
_MASKED_TIME = re.compile(r"^X+\.X+$")
_JSON_MASKED_TS = re.compile(rb'("ts"\s*:\s*)X+\.X+')
_LABEL_SPLIT = re.compile(r" {2,}")
_JSON_RECORD_START = re.compile(rb'^\{\s*"(?:ts|_path|_write_ts)"\s*:')
_INT_TYPES = frozenset({"count", "int", "port"})
_FLOAT_TYPES = frozenset({"double", "interval"})
_KINDS = {
    "conn": "connection",
    "http": "http_request",
    "dns": "dns",
    "ssl": "tls",
    "dhcp": "dhcp",
    "mqtt_connect": "mqtt",
    "mqtt_publish": "mqtt",
    "mqtt_subscribe": "mqtt",
}


class ZeekParser:
    name = TOOL
    display_name = "Zeek"  # how pages name the tool (a proper name, the same in every language)
    label = "Zeek logs (conn, http, dns, ssl, dhcp, mqtt; TSV or JSON lines)"

    def sniff(self, head: bytes) -> bool:
        lines = [line for line in head.removeprefix(b"\xef\xbb\xbf").splitlines() if line.strip()]
        lines = [line for line in lines if not line.startswith(b"###")]
        if not lines:
            return False
        first = lines[0].lstrip()
        if first.startswith(b"#separator"):
            return True
        return (
            first.startswith(b"{")
            and b'"ts"' in first
            and any(key in first for key in (b'"uid"', b'"uids"', b'"id.orig_h"'))
        )

    def parse(self, stream: BinaryIO) -> Iterator[Observation]:
        head = stream.read(8)
        stream.seek(0)
        if looks_like_zip(head) or head.startswith(OLE2_MAGIC):
            raise ScanError(
                "the file is an archive or Office document, not a Zeek log",
                code=errors.UNSUPPORTED_FORMAT,
                params={"tool": TOOL, "expected": EXPECTED, "container": "ZIP" if looks_like_zip(head) else "OLE2"},
            )
        reader = _LineReader(stream)
        header = _Header()
        saw_data = False
        for number, line in reader:
            if not line.strip() or line.startswith("###"):
                continue
            if line.startswith("#"):
                header.directive(line, number)
                continue
            first, saw_data = not saw_data, True
            if header.fields:
                record, extra = header.row(line, number)
                path = header.path or _infer_path(record)
            elif line.lstrip().startswith("{"):
                record, extra = _json_record(reader.raw, number, first=first), []
                path = str(record.pop("_path", "") or "") or _infer_path(record)
            else:
                raise ScanError(
                    f"line {number}: data before any #fields header; not a Zeek log",
                    code=errors.UNSUPPORTED_FORMAT,
                    params={"tool": TOOL, "expected": EXPECTED},
                    position={"line": number},
                )
            yield _observation(path, record, extra, number)
        if not saw_data and not header.fields:
            raise ScanError("empty file", code=errors.EMPTY_FILE)


EXPECTED = "#fields | {ts, uid, id.orig_h}"
# A Zeek JSON record has ``ts`` (or the stream's ``_path``/``_write_ts``) and at least one of the
# keys Zeek's logs identify what they describe by: the connection (uid, uids, id.orig_h/id.resp_h),
# a file (fuid, id), a host (host), a peer (peer) or the stream itself (_path). conn, http, dns,
# ssl, dhcp (uids), files (fuid), x509 (id), known_hosts and software (host), stats (peer) all do.
_JSON_TIME_KEYS = ("ts", "_path", "_write_ts")
_JSON_IDENTITY_KEYS = ("uid", "uids", "id.orig_h", "id.resp_h", "fuid", "id", "host", "peer", "_path")


class _LineReader:
    """Bounded, UTF-8-checked lines with their 1-based numbers."""

    def __init__(self, stream: BinaryIO) -> None:
        self._stream = stream
        self.raw = b""

    def __iter__(self) -> Iterator[tuple[int, str]]:
        offset = 0
        number = 0
        while True:
            raw = self._stream.readline(limits.MAX_LINE_BYTES + 1)
            if not raw:
                return
            number += 1
            if len(raw) > limits.MAX_LINE_BYTES and not raw.endswith(b"\n"):
                raise ScanError(
                    f"line {number} is longer than {limits.MAX_LINE_BYTES} bytes",
                    code=errors.TOO_LARGE,
                    params={"max_line_bytes": limits.MAX_LINE_BYTES},
                    position={"line": number},
                )
            if number == 1:
                raw = raw.removeprefix(b"\xef\xbb\xbf")
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                at = offset + exc.start
                raise ScanError(
                    f"invalid UTF-8 at byte {at} (line {number})",
                    code=errors.NOT_UTF8,
                    params={"byte": at},
                    position={"line": number, "byte": at},
                ) from None
            offset += len(raw)
            self.raw = raw
            yield number, text.rstrip("\r\n")


class _Header:
    def __init__(self) -> None:
        self.separator = "\t"
        self.set_separator = ","
        self.empty = "(empty)"
        self.unset = "-"
        self.path = ""
        self.fields: list[str] = []
        self.types: list[str] = []

    def directive(self, line: str, number: int) -> None:
        if line.startswith("#separator"):
            value = line[len("#separator") :].strip()
            # The separator is written escaped ("\x09") since it would otherwise be invisible.
            self.separator = value.encode("ascii", "replace").decode("unicode_escape") if value else "\t"
            return
        name, _, value = line[1:].partition(self.separator)
        if name == "fields":
            self.fields = _split_tail(value.split(self.separator))
        elif name == "types":
            self.types = _split_tail(value.split(self.separator))
        elif name == "path":
            self.path = value.strip()
        elif name == "set_separator":
            self.set_separator = value
        elif name == "empty_field":
            self.empty = value
        elif name == "unset_field":
            self.unset = value

    def row(self, line: str, number: int) -> tuple[dict[str, Any], list[str]]:
        values = line.split(self.separator)
        if len(values) < len(self.fields):
            values = _split_tail(values)
        record: dict[str, Any] = {}
        for index, field in enumerate(self.fields):
            raw = values[index] if index < len(values) else self.unset
            kind = self.types[index] if index < len(self.types) else "string"
            record[field] = self._value(field, raw, kind, number)
        return record, values[len(self.fields) :]

    def _value(self, field: str, raw: str, kind: str, number: int) -> Any:
        if raw == self.unset:
            return None
        container = kind.startswith(("set[", "vector[", "table["))
        if raw == self.empty:
            return [] if container else ""
        if container:
            inner = kind[kind.index("[") + 1 : -1]
            return [_scalar(field, item, inner, number) for item in raw.split(self.set_separator)]
        return _scalar(field, raw, kind, number)


def _split_tail(values: list[str]) -> list[str]:
    """IoT-23 labelled logs join their last columns with runs of spaces instead of tabs."""
    if values and _LABEL_SPLIT.search(values[-1]):
        return values[:-1] + _LABEL_SPLIT.split(values[-1].strip())
    return values


def _scalar(field: str, raw: str, kind: str, number: int) -> Any:
    try:
        if kind == "time" and _MASKED_TIME.match(raw):
            return None
        if kind in _INT_TYPES:
            return int(raw)
        if kind == "time" or kind in _FLOAT_TYPES:
            value = float(raw)
            if not math.isfinite(value):
                raise ValueError(raw)
            return value
    except ValueError:
        raise _invalid_value(field, raw, kind, number) from None
    if kind == "bool":
        if raw not in ("T", "F"):
            raise _invalid_value(field, raw, "bool", number)
        return raw == "T"
    return raw


def _invalid_value(field: str, raw: str, kind: str, number: int) -> ScanError:
    return ScanError(
        f"line {number}: field {field} has {clip(raw, 40)!r}, which is not a Zeek {kind}",
        code=errors.INVALID_VALUE,
        params={"field": field, "type": kind, "value": clip(raw, 40)},
        position={"line": number},
    )


def _json_record(raw: bytes, number: int, *, first: bool = False) -> dict[str, Any]:
    """One JSON-lines record; the first one is also the file's structure check (see EXPECTED)."""
    raw = _JSON_MASKED_TS.sub(rb"\1null", raw)
    try:
        safejson.validate_bytes(raw)
    except ScanError as exc:
        if first and exc.code == errors.DAMAGED_FILE:
            raise _not_json_lines(number, f"line {number}: {exc.reason}") from None
        raise ScanError(
            f"line {number}: {exc.reason}", code=exc.code, params=exc.params, position={"line": number}
        ) from None
    try:
        record = json.loads(raw)
    except ValueError as exc:
        reason = f"line {number}: invalid JSON ({exc.msg} at column {exc.colno})"
        if first:
            raise _not_json_lines(number, reason) from None
        raise ScanError(
            reason,
            code=errors.DAMAGED_FILE,
            params={"format": "JSON", "detail": exc.msg},
            position={"line": number, "column": exc.colno},
        ) from None
    if not isinstance(record, dict):
        if first:
            raise _not_json_lines(number, f"line {number}: a Zeek JSON log line must be an object")
        raise ScanError(
            f"line {number}: a Zeek JSON log line must be an object",
            code=errors.DAMAGED_FILE,
            params={"format": "JSON"},
            position={"line": number},
        )
    if first and not (
        any(key in record for key in _JSON_TIME_KEYS) and any(key in record for key in _JSON_IDENTITY_KEYS)
    ):
        raise _not_json_lines(number, f"line {number}: a JSON object without Zeek's ts and uid (or id.orig_h)")
    ts = record.get("ts")
    if isinstance(ts, str):
        try:
            record["ts"] = datetime.fromisoformat(ts.replace("Z", "+00:00")).timestamp()
        except ValueError:
            raise ScanError(
                f"line {number}: ts {clip(ts, 40)!r} is neither epoch seconds nor ISO 8601",
                code=errors.INVALID_VALUE,
                params={"field": "ts", "type": "time", "value": clip(ts, 40)},
                position={"line": number},
            ) from None
    elif ts is not None and (isinstance(ts, bool) or not isinstance(ts, int | float) or not math.isfinite(ts)):
        raise ScanError(
            f"line {number}: ts is not a time",
            code=errors.INVALID_VALUE,
            params={"field": "ts", "type": "time", "value": clip(ts, 40)},
            position={"line": number},
        )
    return record


def _not_json_lines(number: int, reason: str) -> ScanError:
    """The first record is not a Zeek JSON line (a pretty-printed document, another tool's JSON)."""
    return ScanError(
        f"{reason}; not a Zeek log",
        code=errors.UNSUPPORTED_FORMAT,
        params={"tool": TOOL, "expected": EXPECTED},
        position={"line": number},
    )


def _infer_path(record: dict[str, Any]) -> str:
    """Name the stream of a JSON-lines record (they carry no #path) from its fields."""
    keys = record.keys()
    if "method" in keys and "uri" in keys:
        return "http"
    if "query" in keys and ("qtype_name" in keys or "rcode" in keys or "qtype" in keys):
        return "dns"
    if "server_name" in keys or "cipher" in keys:
        return "ssl"
    if "mac" in keys and ("msg_types" in keys or "assigned_addr" in keys):
        return "dhcp"
    if "client_id" in keys and "connect_status" in keys:
        return "mqtt_connect"
    if "topic" in keys and "payload" in keys:
        return "mqtt_publish"
    if "topics" in keys:
        return "mqtt_subscribe"
    if "conn_state" in keys or "history" in keys:
        return "conn"
    return "unknown"


def _observation(path: str, record: dict[str, Any], extra: list[str], number: int) -> Observation:
    kind = _KINDS.get(path, "zeek_record")
    attributes: dict[str, Any] = {
        "stream": path,
        "line": number,
        "ts": record.get("ts"),
        "uid": record.get("uid"),
        "orig_h": record.get("id.orig_h"),
        "orig_p": record.get("id.orig_p"),
        "resp_h": record.get("id.resp_h"),
        "resp_p": record.get("id.resp_p"),
    }
    if kind == "http_request":
        host = str(record.get("host") or record.get("id.resp_h") or "")
        uri = str(record.get("uri") or "")
        attributes.update(
            method=str(record.get("method") or "").upper(),
            host=host.lower(),
            url=clip(f"http://{host}{uri}", 8000),
            path=clip(uri.split("?", 1)[0], 2000),
            user_agent=record.get("user_agent"),
            referrer=record.get("referrer"),
            status=record.get("status_code"),
            headers=[["User-Agent", str(record["user_agent"])]] if record.get("user_agent") else [],
            query=[[clip(k, 200), clip(v, 4000)] for k, v in parse_qsl(uri.partition("?")[2], keep_blank_values=True)],
            cookies=[],
            body="",
            body_params=[],
        )
    elif kind == "mqtt":
        attributes.update(message=path.removeprefix("mqtt_"), payload=clip(record.get("payload"), 64 * 1024))
    if extra:
        attributes["extra_columns"] = extra
    attributes["record"] = {key: value for key, value in record.items() if not key.startswith("id.")}
    return Observation(TOOL, kind, f"{path}:{record.get('uid') or '-'}:{number}", attributes)


register(ZeekParser())
