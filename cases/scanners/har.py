"""HTTP Archive (HAR 1.2, also 1.1) from browsers, proxies and API clients.

FORMATS.md §3. ``log.entries`` is streamed one entry at a time; ``log.creator`` (the only tool
identity) is read first with an early stop. A UTF-8 BOM, which the HAR spec allows, is dropped.
Response bodies are not kept: what a server sends back is not personal data the app sent out.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Iterator
from typing import Any, BinaryIO
from urllib.parse import parse_qsl, urlsplit

from cases.scanners import errors, limits, safejson
from cases.scanners.base import Observation, register

TOOL = "har"
_LOG_KEY = re.compile(rb'^\s*\{\s*"log"\s*:')
_MAX_PAIRS = 200
_TEXT = limits.MAX_ATTRIBUTE_TEXT_CHARS


def _pairs(rows: Any) -> list[list[str]]:
    """HAR name/value lists (headers, cookies, queryString, params) as [[name, value], ...]."""
    if not rows or rows.__class__ is not list:
        return []
    if len(rows) > _MAX_PAIRS:
        rows = rows[:_MAX_PAIRS]
    try:
        # The spec's shape ({"name": str, "value": str}) takes the fast path.
        return [[row["name"][:200], row["value"][:4000]] for row in rows]
    except (KeyError, TypeError):
        return [
            [str(row.get("name") or "")[:200], str(row.get("value") or "")[:4000]]
            for row in rows[:_MAX_PAIRS]
            if isinstance(row, dict)
        ]


def _split_url(url: str) -> tuple[str, str, int | None, str, str]:
    """scheme, host, port, path, query of an absolute URL (urlsplit is the slow part of this parser)."""
    scheme, sep, rest = url.partition("://")
    if not sep:
        parts = urlsplit(url)
        return parts.scheme, (parts.hostname or ""), None, parts.path, parts.query
    rest, _, _fragment = rest.partition("#")
    netloc_end = len(rest)
    for mark in "/?":
        index = rest.find(mark)
        if index != -1 and index < netloc_end:
            netloc_end = index
    netloc, tail = rest[:netloc_end], rest[netloc_end:]
    path, _, query = tail.partition("?")
    netloc = netloc.rpartition("@")[2]
    port = None
    if netloc.startswith("["):
        host, _, port_text = netloc[1:].partition("]")
        port_text = port_text.removeprefix(":")
    else:
        host, _, port_text = netloc.partition(":")
    if port_text.isdigit():
        port = int(port_text)
    return scheme.lower(), host.lower(), port, path or "/", query


def _size(value: Any) -> int:
    return value if value.__class__ is int and value > 0 else 0


def request_observation(tool: str, index: int, entry: dict[str, Any]) -> Observation:
    request = entry.get("request")
    request = request if isinstance(request, dict) else {}
    response = entry.get("response")
    response = response if isinstance(response, dict) else {}
    url = request.get("url")
    url = url if isinstance(url, str) else ""
    scheme, host, port, path, raw_query = _split_url(url)
    method = str(request.get("method") or "").upper()
    query = _pairs(request.get("queryString"))
    if not query and raw_query:
        query = [[k[:200], v[:4000]] for k, v in parse_qsl(raw_query, keep_blank_values=True)[:_MAX_PAIRS]]
    post = request.get("postData")
    post = post if isinstance(post, dict) else {}
    body = post.get("text")
    body = body if isinstance(body, str) else ""
    content = response.get("content")
    content = content if isinstance(content, dict) else {}
    status = response.get("status")
    attributes = {
        "index": index,
        "started": str(entry.get("startedDateTime") or ""),
        "method": method,
        "url": url[:8000],
        "scheme": scheme,
        "host": host,
        "port": port,
        "path": path[:2000],
        "query": query,
        "http_version": str(request.get("httpVersion") or ""),
        "headers": _pairs(request.get("headers")),
        "cookies": _pairs(request.get("cookies")),
        "body": body[:_TEXT],
        "body_truncated": len(body) > _TEXT,
        "body_mime": str(post.get("mimeType") or ""),
        "body_params": _pairs(post.get("params")),
        "status": status if isinstance(status, int) else None,
        "response_mime": str(content.get("mimeType") or ""),
        "server_ip": str(entry.get("serverIPAddress") or "").strip("[]"),
        # HAR 1.2 headersSize/bodySize (-1 when unknown); the body text stands in for an unknown bodySize.
        "bytes_sent": _size(request.get("headersSize")) + (_size(request.get("bodySize")) or len(body.encode())),
        "bytes_received": _size(response.get("headersSize"))
        + (_size(response.get("bodySize")) or _size(content.get("size"))),
    }
    return Observation(tool, "http_request", f"{method} {scheme}://{host}{path[:300]}#{index}", attributes)


class HarParser:
    name = TOOL
    display_name = "HAR"  # how pages name the tool (a proper name, the same in every language)
    label = "HAR 1.2 (browser DevTools, Charles, mitmproxy, Insomnia...)"

    def sniff(self, head: bytes) -> bool:
        text = head.removeprefix(b"\xef\xbb\xbf")
        if _LOG_KEY.match(text):
            return True
        return text.lstrip().startswith(b"{") and b'"entries"' in text and b'"creator"' in text

    def parse(self, stream: BinaryIO) -> Iterator[Observation]:
        aside = safejson.GuardAside.start(stream)
        if aside is None:
            shape = safejson.validate(stream)
            check_structure(stream)
            yield from self._parse(stream, shape)
            return
        try:
            # Before the guard's verdict: a syntax error met on the way is the guard's to report.
            try:
                check_structure(stream)
            except errors.ScanError as exc:
                aside.result()
                raise exc from None
            yield from self._parse_aside(stream, aside)
        finally:
            aside.close()

    def _parse(self, stream: BinaryIO, shape: safejson.JsonShape) -> Iterator[Observation]:
        """The file validated first, then read: creator and version wherever they are, then entries."""
        creator = safejson.first(stream, "log.creator")
        version = safejson.first(stream, "log.version")
        yield _capture(creator, version)
        yield from _requests(safejson.items(stream, "log.entries.item", validated=shape))

    def _parse_aside(self, stream: BinaryIO, aside: safejson.GuardAside) -> Iterator[Observation]:
        """A large file read while a child process validates it (``safejson.GuardAside``).

        Creator and version are taken on the way to the first entry, where HAR writers put them;
        a file with either after the entries (or anything the fast way leaves to ijson before the
        first entry) is read the first way once the guard has answered, so the observations are
        the same either way.
        """
        origin = stream.tell()
        walk = safejson.AsideItems(stream, "log.entries.item", aside, collect=_HEAD)
        entries = iter(walk)
        first = next(entries, _NONE)
        head = [walk.collected.get(prefix) for prefix in _HEAD]
        if walk.gave_up or not all(prefix in walk.collected for prefix in _HEAD) or head == [None, None]:
            entries.close()
            shape = aside.result()
            stream.seek(origin)
            yield from self._parse(stream, shape)
            return
        yield _capture(walk.collected["log.creator"], walk.collected["log.version"])
        if first is not _NONE:
            yield from _requests(itertools.chain((first,), entries))


_HEAD = ("log.creator", "log.version")


def check_structure(stream: BinaryIO) -> None:
    """A HAR is an object whose ``log`` object holds an ``entries`` list (HAR 1.2 §log); refuse
    anything else before reading. The stream is rewound."""
    if safejson.first_byte(stream) != b"{":
        raise errors.unsupported(TOOL, "log.entries[]", "not a JSON object")
    kinds = safejson.kinds_at(
        stream,
        ("", "log", "log.entries"),
        enough=lambda found: found.get("", "map") != "map" or found.get("log", "map") != "map",
    )
    if kinds.get("") != "map" or kinds.get("log") != "map" or kinds.get("log.entries") != "array":
        safejson.check_syntax(stream)
        raise errors.unsupported(TOOL, "log.entries[]", "not a HAR file: it has no log object with an entries list")


_NONE = object()


def _requests(entries: Iterable[Any]) -> Iterator[Observation]:
    for index, entry in enumerate(entries):
        if isinstance(entry, dict):
            yield request_observation(TOOL, index, entry)


def _capture(creator: Any, version: Any) -> Observation:
    creator = creator if isinstance(creator, dict) else {}
    return Observation(
        TOOL,
        "capture_meta",
        "capture",
        {
            "format": "HAR",
            "har_version": str(version or ""),
            "creator": str(creator.get("name") or ""),
            "creator_version": str(creator.get("version") or ""),
        },
    )


register(HarParser())
