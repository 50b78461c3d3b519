"""Streaming JSON that refuses hostile input before any value is built.

In front of every parse, ``JsonGuard`` scans the raw bytes once, at C speed, for what a parser would
not stop: nesting deeper than ``MAX_JSON_DEPTH``, numbers longer than ``MAX_NUMBER_DIGITS`` (they go
to ``int()``, which is quadratic and, past 4,300 digits, fails with an unhelpful error), invalid
UTF-8, a ZIP posing as JSON and truncation. Readers run the guard over the whole file first (so a bad
file fails before any observation is produced), then seek back and parse.

``items`` streams the values at a prefix in two ways that give the same values in the same order:

- the fast way (``_FastItems``) walks the path itself over a sliding window of text and builds each
  value with the standard library's C decoder, several times faster than building it from ijson's
  events;
- ijson (yajl, C), the reference. Whenever the fast way meets anything it does not handle exactly
  like ijson (a syntax error, NaN, a surrogate escape, a key with a dot, an object where the path
  wants an array, a value larger than its window), it gives up and ijson re-reads the file from the
  start, skipping the values already produced. Errors are therefore always ijson's, word for word.

For a large HAR on a real file, ``GuardAside`` runs the guard in a forked child on the other core
while the fast way parses (the HAR parser's ``_parse_aside``); the guard's verdict, awaited at the
end or at the first difficulty, still decides, so a bad file fails with the same reason.
"""

from __future__ import annotations

import codecs
import io
import json
import os
import re
import signal
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from itertools import accumulate, islice
from typing import Any, BinaryIO

import ijson

from cases.scanners import limits
from cases.scanners.base import OLE2_MAGIC, UTF8_BOM, ScanError, looks_like_zip

_ESCAPE = re.compile(rb"\\.", re.S)
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")
_NOT_QUOTES_OR_BRACKETS = bytes(b for b in range(256) if b not in b'"[]{}')
# Digits become "0", everything else a space, so a long number is a plain substring search.
_DIGIT_MAP = bytes(0x30 if 0x30 <= b <= 0x39 else 0x20 for b in range(256))
_LONG_NUMBER = b"0" * (limits.MAX_NUMBER_DIGITS + 1)
# yajl (ijson) refuses integers beyond 64 bits ("integer overflow"), which have 19 digits or more.
WIDE_DIGITS = 19
_WIDE_RUN = b"0" * WIDE_DIGITS
# Opening brackets become "(", closing ones ")": depth does not tell objects from arrays.
_LEVELS = bytes(0x28 if b in b"[{" else 0x29 if b in b"]}" else b for b in range(256))
_DELTA = {0x5B: 1, 0x7B: 1, 0x5D: -1, 0x7D: -1}
_OPEN_OBJECT = 0x7B
_OPEN_ARRAY = 0x5B


@dataclass
class JsonShape:
    """What the guard learned about a document while validating it."""

    size: int
    # Objects that are elements of an array at the second level, e.g. the runs of a SARIF log.
    second_level_array_objects: int
    # Some run of WIDE_DIGITS digits or more, in a number or a string (strings are not told apart:
    # the flag errs on the side of True). Such a file may hold an integer ijson refuses.
    wide_digit_runs: bool = False


class _WideRuns:
    """Whether bytes fed chunk by chunk hold a run of WIDE_DIGITS digits (strings included), cut or not."""

    __slots__ = ("seen", "_carried")

    def __init__(self) -> None:
        self.seen = False
        self._carried = 0  # digits ending the previous chunk

    def feed(self, digits: bytes) -> bool:
        """``digits``: a chunk translated by ``_DIGIT_MAP``. Answers ``seen``."""
        lead = len(digits) - len(digits.lstrip(b"0"))
        if _WIDE_RUN in digits or self._carried + lead >= WIDE_DIGITS:
            self.seen = True
        trail = len(digits) - len(digits.rstrip(b"0"))
        self._carried = self._carried + trail if trail == len(digits) else trail
        return self.seen


class JsonGuard:
    """Validate JSON bytes chunk by chunk without building values.

    String contents are cut out (escapes first, then the quote-delimited parts) so brackets and
    digits inside strings do not count. State carried between chunks: inside-string flag, a dangling
    backslash, current depth, length of a number cut by the chunk boundary, and a UTF-8 decoder.
    """

    def __init__(self, *, track_shape: bool = False) -> None:
        self.offset = 0
        self._track_shape = track_shape
        self.depth = 0
        self._in_string = False
        self._dangling_backslash = False
        self._digit_run = 0
        self._decoder = codecs.getincrementaldecoder("utf-8")()
        self._started = False
        self._saw_content = False
        # Container kinds opened at depth 1 and 2, to count objects inside a second-level array.
        self._stack_kinds: list[int] = []
        self.second_level_array_objects = 0
        self._wide_runs = _WideRuns()

    def feed(self, chunk: bytes) -> bytes:
        """Check one chunk; return it (without a leading BOM) or raise ScanError."""
        if not self._started:
            self._started = True
            if chunk.startswith(UTF8_BOM):
                chunk = chunk[len(UTF8_BOM) :]
                self.offset += len(UTF8_BOM)
            if looks_like_zip(chunk):
                raise ScanError("the file is a ZIP archive, not JSON")
            if chunk.startswith(OLE2_MAGIC):
                raise ScanError("the file is an Office (OLE2) document, not JSON")
        start = self.offset
        self.offset += len(chunk)
        try:
            self._decoder.decode(chunk)
        except UnicodeDecodeError as exc:
            pending = len(self._decoder.getstate()[0])
            raise ScanError(f"invalid UTF-8 at byte {start - pending + exc.start}") from None
        if not self._saw_content and chunk.strip():
            self._saw_content = True
        self._scan_structure(chunk, start)
        return chunk

    def _scan_structure(self, chunk: bytes, start: int) -> None:
        if self._dangling_backslash:
            chunk = chunk[1:]
            self._dangling_backslash = False
        if b"\\" in chunk:
            chunk = _ESCAPE.sub(b"", chunk)
            if chunk.endswith(b"\\"):
                self._dangling_backslash = True
                chunk = chunk[:-1]
        was_in_string = self._in_string
        quotes = chunk.count(b'"')
        ends_in_string = self._in_string ^ (quotes % 2 == 1)
        digits = chunk.translate(_DIGIT_MAP)
        if not self._wide_runs.seen:
            self._wide_runs.feed(digits)
        # Fast path: a chunk without a long digit run anywhere (strings included) can only fail the
        # number check through a run carried over from the previous chunk.
        if _LONG_NUMBER in digits:
            self._scan_exactly(chunk, start, ends_in_string)
            return
        self._check_carried_digits(chunk, start, quotes, ends_in_string)
        self._in_string = ends_in_string
        # Brackets outside strings, without cutting the chunk into its strings: keep only quotes and
        # brackets, then drop adjacent quote pairs (which moves no bracket in or out of a string).
        skeleton = chunk.translate(None, _NOT_QUOTES_OR_BRACKETS).replace(b'""', b"")
        if was_in_string or b'"' in skeleton:
            pieces = skeleton.split(b'"')
            skeleton = b"".join(pieces[1::2] if was_in_string else pieces[0::2])
        self._check_depth(skeleton, start)

    @property
    def wide_digit_runs(self) -> bool:
        return self._wide_runs.seen

    def _check_carried_digits(self, chunk: bytes, start: int, quotes: int, ends_in_string: bool) -> None:
        """The number check across chunk boundaries: digits leading this chunk, digits trailing it."""
        was_in_string = self._in_string
        if self._digit_run and not was_in_string:
            head = chunk[: chunk.find(b'"')] if quotes else chunk
            lead = len(head) - len(head.translate(_DIGIT_MAP).lstrip(b"0"))
            if self._digit_run + lead > limits.MAX_NUMBER_DIGITS:
                raise ScanError(f"number with more than {limits.MAX_NUMBER_DIGITS} digits near byte {start}")
        if ends_in_string:
            self._digit_run = 0
            return
        tail = chunk[chunk.rfind(b'"') + 1 :] if quotes else chunk
        digits = tail.translate(_DIGIT_MAP)
        trail = len(digits) - len(digits.rstrip(b"0"))
        # Only an outside part that is the whole residue continues the previous run.
        whole = quotes == (1 if was_in_string else 0)
        self._digit_run = self._digit_run + trail if whole and trail == len(digits) else trail

    def _scan_exactly(self, chunk: bytes, start: int, ends_in_string: bool) -> None:
        """The chunk cut into its strings: the reference for what the fast path must match."""
        parts = chunk.split(b'"')
        outside = parts[1::2] if self._in_string else parts[0::2]
        residue = b" ".join(outside)

        digits = residue.translate(_DIGIT_MAP)
        if self._digit_run and not self._in_string:
            lead = len(digits) - len(digits.lstrip(b"0"))
            if self._digit_run + lead > limits.MAX_NUMBER_DIGITS:
                raise ScanError(f"number with more than {limits.MAX_NUMBER_DIGITS} digits near byte {start}")
        if _LONG_NUMBER in digits:
            raise ScanError(f"number with more than {limits.MAX_NUMBER_DIGITS} digits near byte {start}")
        if ends_in_string:
            self._digit_run = 0
        else:
            trail = len(digits) - len(digits.rstrip(b"0"))
            self._digit_run = self._digit_run + trail if trail == len(digits) else trail
        self._in_string = ends_in_string
        self._check_depth(residue.translate(None, _NOT_BRACKETS), start)

    def _check_depth(self, brackets: bytes, start: int) -> None:
        if not brackets:
            return
        if not self._track_shape and self._within_depth(brackets):
            return
        depths = list(accumulate(map(_DELTA.__getitem__, brackets), initial=self.depth))
        if max(depths) > limits.MAX_JSON_DEPTH:
            raise ScanError(f"nesting deeper than {limits.MAX_JSON_DEPTH} levels near byte {start}")
        if self._track_shape and min(depths) <= 3:
            self._track_shallow(brackets, depths)
        self.depth = depths[-1]

    def _within_depth(self, brackets: bytes) -> bool:
        """Bound the deepest point of the chunk without walking it bracket by bracket.

        Removing "()" pairs pass after pass leaves ")" * closes + "(" * opens; the number of passes
        is how deep the matched pairs nest. No point is deeper than the start + opens + passes, so
        under the limit that bound settles the chunk (and the depth at its end) at C speed.
        """
        level, passes = brackets.translate(_LEVELS), 0
        while b"()" in level:
            passes += 1
            if passes > limits.MAX_JSON_DEPTH:
                return False
            level = level.replace(b"()", b"")
        closes = len(level) - len(level.lstrip(b")"))
        opens = len(level) - closes
        if self.depth + opens + passes > limits.MAX_JSON_DEPTH:
            return False
        self.depth += opens - closes
        return True

    def _track_shallow(self, brackets: bytes, depths: list[int]) -> None:
        """Count objects opened directly inside an array that is itself at the second level."""
        stack = self._stack_kinds
        for kind, after in zip(brackets, depths[1:], strict=True):
            if after > 3 and kind in (_OPEN_OBJECT, _OPEN_ARRAY):
                continue
            if kind in (_OPEN_OBJECT, _OPEN_ARRAY):
                del stack[after - 1 :]
                stack.append(kind)
                if after == 3 and kind == _OPEN_OBJECT and len(stack) == 3 and stack[1] == _OPEN_ARRAY:
                    self.second_level_array_objects += 1
            elif after < 3:
                del stack[after:]

    def finish(self) -> JsonShape:
        """Check the end of the document."""
        try:
            self._decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            raise ScanError(f"invalid UTF-8 at byte {self.offset - len(self._decoder.getstate()[0])}") from None
        if not self._saw_content:
            raise ScanError("empty file")
        if self._in_string or self.depth > 0 or self._dangling_backslash:
            raise ScanError(f"truncated JSON at byte {self.offset}")
        return JsonShape(
            size=self.offset,
            second_level_array_objects=self.second_level_array_objects,
            wide_digit_runs=self.wide_digit_runs,
        )


def _read_chunks(stream: BinaryIO) -> Iterator[bytes]:
    while chunk := stream.read(limits.CHUNK_BYTES):
        yield chunk


def validate(stream: BinaryIO, *, track_shape: bool = False) -> JsonShape:
    """Run the guard over the rest of ``stream``, then seek back to where it started."""
    start = stream.tell()
    guard = JsonGuard(track_shape=track_shape)
    for chunk in _read_chunks(stream):
        guard.feed(chunk)
    shape = guard.finish()
    stream.seek(start)
    return shape


def validate_bytes(data: bytes) -> None:
    """Guard a small, already-read document (one Zeek JSON line, for instance)."""
    guard = JsonGuard()
    guard.feed(data)
    guard.finish()


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
        return ScanError(f"truncated JSON at byte {stream.tell()}")
    found = _locate(stream, origin)
    if found is None:
        return ScanError(f"invalid JSON: {detail}")
    line, column, at = found
    return ScanError(f"invalid JSON at line {line}, column {column} (byte {at}): {detail}")


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
        raise ScanError(f"invalid JSON value: {exc}") from None


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


_DECODER = json.JSONDecoder(parse_constant=_refuse_constant)


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
            if (end == len(self._text) or self._text[end] in _NUMBER_CHARS) and self._more():
                continue
            self._pos = end
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


# A file at least this large is validated by a child process while this one parses it (the
# environment variable lowers it, so that a test worker takes that way with small files too).
ASIDE_MIN_BYTES = int(os.environ.get("RECTIFY_GUARD_ASIDE_MIN_BYTES") or 8 * 1024 * 1024)


class GuardAside:
    """The guard over a real file, run by a forked child on another core while this process parses.

    Parsing starts before the verdict. ``AsideItems`` checks itself what the fast way needs from
    the guard (no wide digit runs) and waits for the verdict at the end or at its first difficulty;
    the verdict wins over any error of its own. A bad file therefore fails with the reason
    ``validate`` gives, only later, and what was parsed meanwhile goes with the failed scan. Used on
    Linux only (where fork is the way processes start) and for streams with a file descriptor.
    """

    def __init__(self, stream: BinaryIO, fd: int, start: int) -> None:
        self._stream, self._start = stream, start
        self._outcome: JsonShape | str | None = None
        read_end, write_end = os.pipe()
        self._pid = os.fork()
        if self._pid == 0:  # the child: validate, answer, leave without running any cleanup
            try:
                os.close(read_end)
                os.write(write_end, json.dumps(_guard_file(fd, start)).encode())
            finally:
                os._exit(0)
        os.close(write_end)
        self._pipe = read_end

    @classmethod
    def start(cls, stream: BinaryIO) -> GuardAside | None:
        if not sys.platform.startswith("linux"):
            return None
        try:
            fd, start = stream.fileno(), stream.tell()
            size = os.fstat(fd).st_size
        except (AttributeError, OSError, ValueError, io.UnsupportedOperation):
            return None
        return cls(stream, fd, start) if size - start >= ASIDE_MIN_BYTES else None

    def result(self) -> JsonShape:
        """The guard's shape of the file (waiting for it), or its ScanError."""
        if self._outcome is None:
            answer = bytearray()
            while chunk := os.read(self._pipe, 65536):
                answer += chunk
            self._close_child(kill=False)
            try:
                message = json.loads(answer)
            except ValueError:
                message = {}
            if "error" in message:
                self._outcome = str(message["error"])
            elif "shape" in message:
                self._outcome = JsonShape(*message["shape"])
            else:
                # The child died without an answer (killed, out of memory): validate here instead.
                position = self._stream.tell()
                self._stream.seek(self._start)
                try:
                    self._outcome = validate(self._stream)
                except ScanError as exc:
                    self._outcome = exc.reason
                finally:
                    self._stream.seek(position)
        if isinstance(self._outcome, str):
            raise ScanError(self._outcome)
        return self._outcome

    def close(self) -> None:
        """Stop the child if nobody waited for it (a parse abandoned half way)."""
        self._close_child(kill=True)

    def _close_child(self, *, kill: bool) -> None:
        if self._pid:
            if kill:
                try:
                    os.kill(self._pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            try:
                os.waitpid(self._pid, 0)
            except ChildProcessError:
                pass  # already reaped (SIGCHLD ignored by a worker pool)
            os.close(self._pipe)
            self._pid = 0


def _guard_file(fd: int, start: int) -> dict:
    """What ``validate`` says of the file from ``start``, read through ``fd`` without moving it."""
    guard = JsonGuard()
    offset = start
    try:
        while chunk := os.pread(fd, limits.CHUNK_BYTES, offset):
            guard.feed(chunk)
            offset += len(chunk)
        shape = guard.finish()
    except ScanError as exc:
        return {"error": exc.reason}
    return {"shape": [shape.size, shape.second_level_array_objects, shape.wide_digit_runs]}


class AsideItems:
    """``items`` while a ``GuardAside`` validates the file, with the ``collect`` values met on the way."""

    def __init__(self, stream: BinaryIO, prefix: str, aside: GuardAside, *, collect: tuple = ()) -> None:
        self._stream, self._prefix, self._aside = stream, prefix, aside
        self._walker = _FastItems(stream, prefix, check_wide=True, collect=collect)
        self.collected = self._walker.collected
        self.gave_up = False

    def __iter__(self) -> Iterator[Any]:
        yield from _fast_then_ijson(self._stream, self._prefix, self._walker, self._give_up)
        self._aside.result()

    def _give_up(self) -> None:
        self.gave_up = True
        self._aside.result()  # a bad file fails with the guard's reason


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
    raise ScanError("empty file")


def events(stream: BinaryIO, *, validated: bool = False) -> Iterator[tuple[str, str, Any]]:
    """ijson (prefix, event, value) triples, for the rare layouts that need exact positions."""
    if not validated:
        validate(stream)
    reader = _Reader(stream)
    yield from _wrap_errors(stream, reader, ijson.parse(reader, use_float=True))
