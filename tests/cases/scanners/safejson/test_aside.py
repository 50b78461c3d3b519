"""GuardAside: large files are validated by a child process while this one parses.

Whatever the file, the observations read and the reason a bad file fails with are those of the
sequential way (the guard first, then the parse); no child is left behind.
"""

import io
import json
import os

import pytest

from cases.scanners import ScanError, parse, safejson
from cases.scanners.safejson import aside as aside_module

from .shared import har, outcome


def _observations(path, *, aside: bool):
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(aside_module, "ASIDE_MIN_BYTES", 1 if aside else 10**15)
        forks = []
        real = safejson.GuardAside.__init__

        def spy(self, *args, **kwargs):
            real(self, *args, **kwargs)
            forks.append(self)

        patch.setattr(safejson.GuardAside, "__init__", spy)
        with open(path, "rb") as stream:
            observed = outcome(lambda: parse(stream, filename=path.name))
        assert len(forks) == (1 if aside else 0)
        for guard in forks:
            assert guard._pid == 0  # the child was waited for
        return observed


def _entries(count: int, extra: bytes = b"") -> list[bytes]:
    rows = [
        json.dumps(
            {"request": {"method": "GET", "url": f"https://a.example/{i}?imei=864332181960016"}, "time": 1.5}
        ).encode()
        for i in range(count)
    ]
    return rows + ([extra] if extra else [])


HOSTILE_HARS = {
    "valid": har(_entries(300)),
    "creator after the entries": b'{"log": {"entries": [' + b",".join(_entries(3)) + b'], "creator": {"name": "x"}}}',
    "no creator nor version": b'{"log": {"entries": [' + b",".join(_entries(3)) + b"]}}",
    "deep nesting at the end": har(_entries(300, b"[" * 100_000 + b"]" * 100_000)),
    "nesting of 500": har(_entries(300, b"[" * 500 + b"]" * 500)),
    "5000 digits at the end": har(_entries(300, b"1" * 5000)),
    "a wide integer": har(_entries(300, b'{"size": 18446744073709551616}')),
    "invalid UTF-8 at the end": har(_entries(300, b'"\xff\xfe"')),
    "truncated": har(_entries(300))[:-40],
    "a syntax error late": har(_entries(300, b'{"a" 1}')),
    "NaN late": har(_entries(300, b'{"a": NaN}')),
    "trailing garbage": har(_entries(300)) + b"{}",
}


@pytest.mark.parametrize("name", list(HOSTILE_HARS))
def test_the_guard_aside_changes_nothing_of_what_is_read_or_said(tmp_path, name):
    path = tmp_path / "capture.har"
    path.write_bytes(HOSTILE_HARS[name])
    sequential = _observations(path, aside=False)
    aside = _observations(path, aside=True)
    assert aside[1] == sequential[1]
    if sequential[1] is None:
        assert aside[0] == sequential[0]
    if name == "valid":
        assert len(aside[0]) == 301 and aside[1] is None


def test_a_parse_abandoned_half_way_leaves_no_child(tmp_path, monkeypatch):
    path = tmp_path / "capture.har"
    path.write_bytes(har(_entries(2000)))
    monkeypatch.setattr(aside_module, "ASIDE_MIN_BYTES", 1)
    started = []
    real = safejson.GuardAside.start.__func__

    def spy(cls, stream):
        started.append(real(cls, stream))
        return started[-1]

    monkeypatch.setattr(safejson.GuardAside, "start", classmethod(spy))
    with open(path, "rb") as stream:
        observations = parse(stream, filename="capture.har")
        next(observations)
        next(observations)
        observations.close()
    [aside] = started
    assert aside._pid == 0


def test_a_child_that_dies_silently_is_replaced_by_validating_here(tmp_path, monkeypatch):
    path = tmp_path / "capture.har"
    path.write_bytes(har(_entries(300, b"1" * 5000)))
    monkeypatch.setattr(aside_module, "ASIDE_MIN_BYTES", 1)
    monkeypatch.setattr(aside_module, "_guard_file", lambda fd, start: os._exit(1))
    with open(path, "rb") as stream, pytest.raises(ScanError, match="number with more than 100 digits"):
        list(parse(stream, filename="capture.har"))


def test_streams_without_a_file_descriptor_are_validated_first(monkeypatch):
    monkeypatch.setattr(aside_module, "ASIDE_MIN_BYTES", 1)
    assert safejson.GuardAside.start(io.BytesIO(har(_entries(3)))) is None
