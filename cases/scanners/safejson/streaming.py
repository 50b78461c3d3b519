"""Streaming the values of a guarded document: the fast way, with ijson (the reference) behind it.

``items`` streams the values at a prefix in two ways that give the same values in the same order:

- the fast way (``_FastItems``) walks the path itself over a sliding window of text and builds each
  value with the standard library's C decoder, several times faster than building it from ijson's
  events;
- ijson (yajl, C), the reference. Whenever the fast way meets anything it does not handle exactly
  like ijson (a syntax error, NaN, a surrogate escape, a key with a dot, an object where the path
  wants an array, a value larger than its window), it gives up and ijson re-reads the file from the
  start, skipping the values already produced. Errors are therefore always ijson's, word for word.

``kvitems``, ``first``, ``load`` and ``events`` are the other ways in, all over a guarded stream
(``guard.validate``). ``GuardAside`` (``aside``) reuses the fast way while a child runs the guard.
"""

from __future__ import annotations

import codecs
import json
import re
from collections.abc import Callable, Iterable, Iterator
from itertools import islice
from typing import Any, BinaryIO

import ijson

from cases.scanners import errors
from cases.scanners.base import UTF8_BOM, ScanError
from cases.scanners.safejson.guard import _DIGIT_MAP, JsonShape, _read_chunks, _WideRuns, validate


class _Reader:
    """What ijson reads from: the validated stream with its BOM removed and its position known."""

    def __init__(self, stream: BinaryIO) -> None:
        self._stream = stream
        self._origin = stream.tell()
        self._first = True

    def read(self, size: int = -1) -> bytes:
        if size == 0:
            # ijson probes with read(0) to tell bytes from text; that must not consume the BOM check.
            return b""
        data = self._stream.read(size)
        if self._first:
            self._first = False
            if data.startswith(UTF8_BOM):
                self._origin += len(UTF8_BOM)
                data = data[len(UTF8_BOM) :]
        return data


class _Discard:
    def send(self, value: Any) -> None:
        return None


def _syntax_error(stream: BinaryIO, origin: int, exc: Exception) -> ScanError:
    """Turn a yajl syntax error into a reason with the line, column and byte where it was seen."""
    detail = str(exc).split("\n", 1)[0]
    for prefix in ("parse error: ", "lexical error: "):
        detail = detail.removeprefix(prefix)
    if "premature EOF" in detail:
        stream.seek(0, 2)
        size = stream.tell()
        return ScanError(
            f"truncated JSON at byte {size}",
            code=errors.DAMAGED_FILE,
            params={"format": "JSON", "truncated": True, "detail": detail},
            position={"byte": size},
        )
    found = _locate(stream, origin)
    if found is None:
        return ScanError(
            f"invalid JSON: {detail}", code=errors.DAMAGED_FILE, params={"format": "JSON", "detail": detail}
        )
    line, column, at = found
    return ScanError(
        f"invalid JSON at line {line}, column {column} (byte {at}): {detail}",
        code=errors.DAMAGED_FILE,
        params={"format": "JSON", "detail": detail},
        position={"line": line, "column": column, "byte": at},
    )


def _locate(stream: BinaryIO, origin: int) -> tuple[int, int, int] | None:
    """Find the byte yajl stops at: one pass to find the chunk, a second feeding it byte by byte.

    Only runs on the error path; a fresh parser is needed because a failed one cannot resume.
    """
    stream.seek(origin)
    coro = ijson.basic_parse_coro(_Discard(), use_float=True)
    failing = None
    for index, chunk in enumerate(_read_chunks(stream)):
        try:
            coro.send(chunk)
        except ijson.JSONError:
            failing = index
            break
    if failing is None:
        return None
    stream.seek(origin)
    coro = ijson.basic_parse_coro(_Discard(), use_float=True)
    position, lines, last_newline = origin, 0, origin - 1
    for index, chunk in enumerate(_read_chunks(stream)):
        if index < failing:
            coro.send(chunk)
        else:
            for offset in range(len(chunk)):
                try:
                    coro.send(chunk[offset : offset + 1])
                except ijson.JSONError:
                    head = chunk[:offset]
                    lines += head.count(b"\n")
                    if b"\n" in head:
                        last_newline = position + head.rindex(b"\n")
                    at = position + offset
                    return lines + 1, at - last_newline, at
            return None
        lines += chunk.count(b"\n")
        if b"\n" in chunk:
            last_newline = position + chunk.rindex(b"\n")
        position += len(chunk)
    return None


def _wrap_errors(stream: BinaryIO, reader: _Reader, iterator: Iterator[Any]) -> Iterator[Any]:
    try:
        yield from iterator
    except ijson.JSONError as exc:
        raise _syntax_error(stream, reader._origin, exc) from None
    except ScanError:
        raise
    except (ValueError, SystemError) as exc:
        # Numbers are bounded by the guard; anything yajl still cannot convert is reported plainly.
        raise ScanError(
            f"invalid JSON value: {exc}", code=errors.DAMAGED_FILE, params={"format": "JSON", "detail": str(exc)[:300]}
        ) from None


# The fast way's window of text: read this much at a time, give up on a value larger than the cap.
FAST_READ_BYTES = 256 * 1024
FAST_WINDOW_CHARS = 32 * 1024 * 1024
# Read on before decoding a value when less than this is left in the window: a value cut by the end
# of the window costs a failed decode (and the decoder's error counts lines from the window's start).
FAST_LOOKAHEAD_CHARS = 64 * 1024
_WHITESPACE = re.compile(r"[ \t\n\r]*")
# yajl turns an unpaired surrogate escape into "?", the standard library keeps it: leave those to ijson.
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")
# The longest text that can hide a cut surrogate escape at the end of one read: a backslash, "u", two.
_SURROGATE_OVERLAP = 3
# What may follow the part of a number the window holds (a cut "1" of "1e+16", say).
_NUMBER_CHARS = frozenset("+-.0123456789eE")
ITEM = "item"


def _has_surrogate_escape(text: str) -> bool:
    # Plain substring tests first: the regex is slow on text full of other escapes (\").
    return ("\\ud" in text or "\\uD" in text) and _SURROGATE_ESCAPE.search(text) is not None


class _GiveUp(Exception):
    """The fast way met something it does not read exactly like ijson; ijson takes over."""


def _refuse_constant(name: str) -> Any:
    raise _GiveUp(name)


def _finite_float(text: str) -> float:
    # The standard library reads 1e400 as inf; yajl refuses it as out of range. ijson decides.
    value = float(text)
    if value in (_INF, -_INF):
        raise _GiveUp("number out of range")
    return value


_INF = float("inf")
_DECODER = json.JSONDecoder(parse_constant=_refuse_constant, parse_float=_finite_float)


class _FastItems:
    """The values at an ijson prefix, walked over a window of decoded text (see the module doc)."""

    def __init__(self, stream: BinaryIO, prefix: str, *, check_wide: bool = False, collect: tuple = ()) -> None:
        self._reader = _Reader(stream)
        self._decoder = codecs.getincrementaldecoder("utf-8")()
        self._steps = tuple(prefix.split(".")) if prefix else ()
        self._text = ""
        self._pos = 0
        self._eof = False
        # When no guard has read the file yet (``GuardAside``), look for wide digit runs here.
        self._wide_runs = _WideRuns() if check_wide else None
        # Values met on the way at these prefixes (siblings of the path), the first of each.
        self._collect = frozenset(collect)
        self.collected: dict[str, Any] = {}

    def __iter__(self) -> Iterator[Any]:
        yield from self._walk(0)
        if self._next_char():
            raise _GiveUp("content after the document")

    def _more(self) -> bool:
        """Append the next read to the window (at least as much as is pending, so retries stay linear)."""
        if self._eof:
            return False
        pending = self._text[self._pos :]
        data = self._reader.read(max(FAST_READ_BYTES, len(pending)))
        if not data:
            self._eof = True
            self._text = pending + self._decoder.decode(b"", final=True)
            self._pos = 0
            return False
        if self._wide_runs is not None and self._wide_runs.feed(data.translate(_DIGIT_MAP)):
            raise _GiveUp("wide digit run")
        try:
            text = self._decoder.decode(data)
        except UnicodeDecodeError:
            raise _GiveUp("invalid UTF-8") from None
        edge = pending[-_SURROGATE_OVERLAP:] + text[:_SURROGATE_OVERLAP]
        if _has_surrogate_escape(text) or _has_surrogate_escape(edge):
            raise _GiveUp("surrogate escape")
        self._text = pending + text
        self._pos = 0
        if len(self._text) > FAST_WINDOW_CHARS:
            raise _GiveUp("value larger than the window")
        return True

    def _next_char(self) -> str:
        """The next character that is not whitespace ("" at the end), without consuming it."""
        while True:
            self._pos = _WHITESPACE.match(self._text, self._pos).end()
            if self._pos < len(self._text):
                return self._text[self._pos]
            if not self._more():
                return ""

    def _value(self) -> Any:
        self._next_char()
        while True:
            try:
                value, end = _DECODER.raw_decode(self._text, self._pos)
            except json.JSONDecodeError:
                # Cut by the end of the window, or not JSON at all: read on, give up at the end.
                if not self._more():
                    raise _GiveUp("invalid JSON") from None
                continue
            except (RecursionError, ValueError):
                # Nesting or a number no guard has measured yet (GuardAside): the guard will tell.
                raise _GiveUp("value the decoder refuses") from None
            # A number that ends the window may go on in the next read.
            length = end - self._pos
            if (end == len(self._text) or self._text[end] in _NUMBER_CHARS) and self._more():
                continue
            # _more() may have moved the window to start at this value (at the end of the file):
            # the value's end is counted from where it starts, not from the old window.
            self._pos += length
            return value

    def _expect(self, char: str) -> None:
        if self._next_char() != char:
            raise _GiveUp(f"expected {char!r}")
        self._pos += 1

    def _walk(self, step: int) -> Iterator[Any]:
        if step == len(self._steps):
            yield self._value()
            return
        char = self._next_char()
        if self._steps[step] == ITEM:
            if char == "{":
                # ijson would match a key named "item" inside this object.
                raise _GiveUp("object where the path has an array")
            if char != "[":
                self._value()
                return
            self._pos += 1
            if self._next_char() == "]":
                self._pos += 1
                return
            if step + 1 == len(self._steps):
                yield from self._elements()
                return
            while True:
                yield from self._walk(step + 1)
                self._expect_separator("]")
                if self._closed:
                    return
        else:
            if char != "{":
                # Elements of an array have the prefix "...item", never this key: nothing here.
                self._value()
                return
            self._pos += 1
            if self._next_char() == "}":
                self._pos += 1
                return
            while True:
                if self._next_char() != '"':
                    raise _GiveUp("expected a key")
                key = self._value()
                if "." in key:
                    raise _GiveUp("a key with a dot")
                self._expect(":")
                if key == self._steps[step]:
                    yield from self._walk(step + 1)
                elif self._collect:
                    value = self._value()
                    path = ".".join((*self._steps[:step], key))
                    if path in self._collect:
                        self.collected.setdefault(path, value)
                else:
                    self._value()
                self._expect_separator("}")
                if self._closed:
                    return

    def _elements(self) -> Iterator[Any]:
        """The values of the array just opened, when they are what the path asks for (the hot loop).

        ``_value`` and ``_expect_separator`` inlined: the common case is a whole value and its
        separator inside the window; anything else goes the general way.
        """
        skip_whitespace, decode = _WHITESPACE.match, _DECODER.raw_decode
        while True:
            text = self._text
            pos = skip_whitespace(text, self._pos).end()
            if len(text) - pos < FAST_LOOKAHEAD_CHARS and not self._eof:
                self._pos = pos
                self._more()
                text, pos = self._text, self._pos
            try:
                value, end = decode(text, pos)
            except json.JSONDecodeError:
                end = len(text)
            except (RecursionError, ValueError):
                raise _GiveUp("value the decoder refuses") from None
            if end < len(text) and text[end] not in _NUMBER_CHARS:
                self._pos = end
            else:
                self._pos = pos
                value = self._value()
            yield value
            text = self._text
            pos = skip_whitespace(text, self._pos).end()
            char = text[pos] if pos < len(text) else ""
            if char == ",":
                self._pos = pos + 1
                continue
            if char == "]":
                self._pos = pos + 1
                return
            self._pos = pos
            self._expect_separator("]")
            if self._closed:
                return

    _closed = False

    def _expect_separator(self, closing: str) -> None:
        """After a member: "," (another follows) or the closing bracket (sets ``_closed``)."""
        char = self._next_char()
        if char == ",":
            self._pos += 1
            self._closed = False
        elif char == closing:
            self._pos += 1
            self._closed = True
        else:
            raise _GiveUp(f"expected ',' or {closing!r}")


def items(stream: BinaryIO, prefix: str, *, validated: bool | JsonShape = False) -> Iterator[Any]:
    """Stream the values at ``prefix`` (ijson syntax, e.g. ``log.entries.item``).

    ``validated``: what ``validate`` answered for this stream (the fast way needs to know the file
    has no wide digit runs), or True when it was validated but its shape is unknown (ijson reads it).
    """
    shape = validate(stream) if validated is False else validated
    if shape is True or shape.wide_digit_runs:
        yield from ijson_items(stream, prefix)
        return
    yield from _fast_then_ijson(stream, prefix, _FastItems(stream, prefix))


def _fast_then_ijson(
    stream: BinaryIO, prefix: str, walker: _FastItems, before_ijson: Callable[[], Any] = lambda: None
) -> Iterator[Any]:
    """The walker's values; where it gives up, ijson's from the start, less the values already produced."""
    origin = stream.tell()
    produced = 0
    try:
        for value in walker:
            yield value
            produced += 1
    except _GiveUp:
        before_ijson()
        stream.seek(origin)
        yield from ijson_items(stream, prefix, skip=produced)


def ijson_items(stream: BinaryIO, prefix: str, *, skip: int = 0) -> Iterator[Any]:
    """The reference way of ``items`` (ijson over a validated stream), after ``skip`` values."""
    reader = _Reader(stream)
    iterator = ijson.items(reader, prefix, use_float=True)
    yield from _wrap_errors(stream, reader, islice(iterator, skip, None) if skip else iterator)


def kvitems(stream: BinaryIO, prefix: str, *, validated: bool = False) -> Iterator[tuple[str, Any]]:
    """Stream the (key, value) pairs of the object at ``prefix``, one built value at a time."""
    if not validated:
        validate(stream)
    reader = _Reader(stream)
    yield from _wrap_errors(stream, reader, ijson.kvitems(reader, prefix, use_float=True))


def first(stream: BinaryIO, prefix: str) -> Any | None:
    """The first value at ``prefix``, parsing no further than needed; the stream is rewound."""
    start = stream.tell()
    try:
        for value in items(stream, prefix, validated=True):
            return value
        return None
    finally:
        stream.seek(start)


def load(stream: BinaryIO) -> Any:
    """Validate and build a whole (small) document."""
    for value in items(stream, ""):
        return value
    raise ScanError("empty file", code=errors.EMPTY_FILE)


_VALUE_EVENTS = {"start_map": "map", "start_array": "array"}


def first_byte(stream: BinaryIO) -> bytes:
    """The first byte of the document after a BOM and white space (b"" when none); rewound.

    A structure check asks it first: what does not start with ``{`` or ``[`` is not JSON at all
    (another tool's text or XML), which is a format question, not a damaged file.
    """
    start = stream.tell()
    try:
        return stream.read(64 * 1024).removeprefix(UTF8_BOM).lstrip()[:1]
    finally:
        stream.seek(start)


def check_syntax(stream: BinaryIO) -> None:
    """Parse the validated document to its end, raising its syntax error if it has one; rewound.

    For the refusal path of a structure check: a document that is malformed further on is a
    damaged file, whatever its first keys said.
    """
    start = stream.tell()
    reader = _Reader(stream)
    try:
        for _event in _wrap_errors(stream, reader, ijson.basic_parse(reader, use_float=True)):
            pass
    finally:
        stream.seek(start)


def kinds_at(stream: BinaryIO, prefixes: Iterable[str], *, enough: Callable[[dict[str, str]], bool]) -> dict[str, str]:
    """What kind of value (``map``, ``array``, ``string``, ``number``, ``boolean``, ``null``) the
    validated document holds first at each of ``prefixes`` (ijson syntax; ``""`` is the root).

    Reads no further than ``enough(found)`` needs, so a structure check costs the head of the file
    when the keys it looks for come first (as writers put them); the stream is rewound.
    """
    wanted = set(prefixes)
    found: dict[str, str] = {}
    start = stream.tell()
    reader = _Reader(stream)
    try:
        for prefix, event, _value in _wrap_errors(stream, reader, ijson.parse(reader, use_float=True)):
            if prefix in wanted and prefix not in found and event not in ("map_key", "end_map", "end_array"):
                found[prefix] = _VALUE_EVENTS.get(event, event)
                if enough(found) or len(found) == len(wanted):
                    break
    finally:
        stream.seek(start)
    return found


def events(stream: BinaryIO, *, validated: bool = False) -> Iterator[tuple[str, str, Any]]:
    """ijson (prefix, event, value) triples, for the rare layouts that need exact positions."""
    if not validated:
        validate(stream)
    reader = _Reader(stream)
    yield from _wrap_errors(stream, reader, ijson.parse(reader, use_float=True))
