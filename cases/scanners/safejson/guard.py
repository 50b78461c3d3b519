"""The raw-bytes guard: one pass over a JSON document that refuses hostile input before any value is built.

In front of every parse, ``JsonGuard`` scans the raw bytes once, at C speed, for what a parser would
not stop: nesting deeper than ``MAX_JSON_DEPTH``, numbers longer than ``MAX_NUMBER_DIGITS`` (they go
to ``int()``, which is quadratic and, past 4,300 digits, fails with an unhelpful error), invalid
UTF-8, a ZIP posing as JSON and truncation. Readers run the guard over the whole file first (so a bad
file fails before any observation is produced), then seek back and parse (``streaming``).

It imports nothing else of the package: the streaming ways and ``GuardAside`` are built on it.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import accumulate
from typing import BinaryIO

from cases.scanners import errors, limits
from cases.scanners.base import OLE2_MAGIC, UTF8_BOM, ScanError, looks_like_zip


def _not_utf8(at: int) -> ScanError:
    return ScanError(f"invalid UTF-8 at byte {at}", code=errors.NOT_UTF8, params={"byte": at}, position={"byte": at})


def _long_number(near: int) -> ScanError:
    return ScanError(
        f"number with more than {limits.MAX_NUMBER_DIGITS} digits near byte {near}",
        code=errors.NUMBER_TOO_LONG,
        params={"max_digits": limits.MAX_NUMBER_DIGITS},
        position={"byte": near},
    )


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
                raise ScanError(
                    "the file is a ZIP archive, not JSON", code=errors.UNSUPPORTED_FORMAT, params={"container": "ZIP"}
                )
            if chunk.startswith(OLE2_MAGIC):
                raise ScanError(
                    "the file is an Office (OLE2) document, not JSON",
                    code=errors.UNSUPPORTED_FORMAT,
                    params={"container": "OLE2"},
                )
        start = self.offset
        self.offset += len(chunk)
        try:
            self._decoder.decode(chunk)
        except UnicodeDecodeError as exc:
            pending = len(self._decoder.getstate()[0])
            raise _not_utf8(start - pending + exc.start) from None
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
                raise _long_number(start)
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
                raise _long_number(start)
        if _LONG_NUMBER in digits:
            raise _long_number(start)
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
            raise ScanError(
                f"nesting deeper than {limits.MAX_JSON_DEPTH} levels near byte {start}",
                code=errors.TOO_DEEP,
                params={"max_depth": limits.MAX_JSON_DEPTH},
                position={"byte": start},
            )
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
            raise _not_utf8(self.offset - len(self._decoder.getstate()[0])) from None
        if not self._saw_content:
            raise ScanError("empty file", code=errors.EMPTY_FILE)
        if self._in_string or self.depth > 0 or self._dangling_backslash:
            raise ScanError(
                f"truncated JSON at byte {self.offset}",
                code=errors.DAMAGED_FILE,
                params={"format": "JSON", "truncated": True},
                position={"byte": self.offset},
            )
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
