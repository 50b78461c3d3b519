"""The guard aside: for a large HAR on a real file, the guard runs in a forked child on the other core.

While the child validates, this process parses with the fast way (the HAR parser's ``_parse_aside``);
the guard's verdict, awaited at the end or at the first difficulty, still decides, so a bad file fails
with the same reason ``guard.validate`` gives.
"""

from __future__ import annotations

import io
import json
import os
import signal
import sys
from collections.abc import Iterator
from typing import Any, BinaryIO

from cases.scanners import limits
from cases.scanners.base import ScanError
from cases.scanners.safejson.guard import JsonGuard, JsonShape, validate
from cases.scanners.safejson.streaming import _fast_then_ijson, _FastItems

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
        self._outcome: JsonShape | ScanError | None = None
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
                self._outcome = ScanError.from_dict(message)
            elif "shape" in message:
                self._outcome = JsonShape(*message["shape"])
            else:
                # The child died without an answer (killed, out of memory): validate here instead.
                position = self._stream.tell()
                self._stream.seek(self._start)
                try:
                    self._outcome = validate(self._stream)
                except ScanError as exc:
                    self._outcome = exc
                finally:
                    self._stream.seek(position)
        if isinstance(self._outcome, ScanError):
            raise ScanError.from_dict(self._outcome.as_dict())
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
        return exc.as_dict()
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
