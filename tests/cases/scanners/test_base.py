import dataclasses
import io

import pytest

from cases.scanners import Candidate, Observation, ScanError, detect, parse, registry
from cases.scanners.base import Registry

from .conftest import FIXTURES


class _Dummy:
    name = "dummy"
    label = "Dummy"

    def sniff(self, head: bytes) -> bool:
        return head.startswith(b"DUMMY")

    def parse(self, stream):
        yield Observation("dummy", "line", "1", {"text": stream.read().decode()})


def test_registry_refuses_a_duplicate_name():
    local = Registry()
    local.register(_Dummy())
    with pytest.raises(ValueError) as caught:
        local.register(_Dummy())
    assert str(caught.value) == "a scanner parser named 'dummy' is already registered"


def test_registry_refuses_what_is_not_a_parser():
    with pytest.raises(TypeError):
        Registry().register(object())


def test_the_shipped_parsers_cannot_be_registered_twice():
    with pytest.raises(ValueError):
        registry.register(registry.get("har"))


def test_get_and_detect_in_a_registry():
    local = Registry()
    dummy = local.register(_Dummy())
    assert local.get("dummy") is dummy
    assert local.detect(b"DUMMY data", "x.txt") == "dummy"
    with pytest.raises(ScanError) as caught:
        local.detect(b"other", "x.txt")
    assert caught.value.reason == "unsupported format"
    with pytest.raises(ScanError) as caught:
        local.get("nope")
    assert caught.value.reason == "unknown scanner tool 'nope'; known tools: dummy"


def test_shipped_parsers_in_sniffing_order():
    assert registry.names() == ["privacysentry", "nmap", "zeek", "sarif", "har", "mobsf", "exodus"]


@pytest.mark.parametrize(
    ("name", "tool"),
    [
        ("mobsf_android_4x.json", "mobsf"),
        ("mobsf_ios_31.json", "mobsf"),
        ("mobsf_scorecard.json", "mobsf"),
        ("mobsfscan.json", "mobsf"),
        ("exodus_standalone.json", "exodus"),
        ("exodus_api_details.json", "exodus"),
        ("exodus_api_search.json", "exodus"),
        ("capture.har", "har"),
        ("conn.log", "zeek"),
        ("ssl.json.log", "zeek"),
        ("mqtt_publish.log", "zeek"),
        ("dns.log", "zeek"),
        ("multi_run.sarif", "sarif"),
        ("lab_scan.xml", "nmap"),
        ("privacysentry_old.xls", "privacysentry"),
        ("privacysentry_new.xlsx", "privacysentry"),
    ],
)
def test_detect_by_content(name, tool):
    head = (FIXTURES / name).read_bytes()[:65536]
    # The name plays no part: a misnamed upload is still recognised.
    assert detect(head, "upload.bin") == tool


def test_detect_refuses_an_empty_head():
    with pytest.raises(ScanError) as caught:
        detect(b"  \n", "x.har")
    assert caught.value.reason == "empty file"


def test_observations_and_candidates_are_frozen():
    observation = Observation("har", "http_request", "GET x#0", {"a": 1})
    candidate = Candidate("r", "PI-03", "t", "l", {"host": "h"})
    with pytest.raises(dataclasses.FrozenInstanceError):
        observation.kind = "other"
    with pytest.raises(dataclasses.FrozenInstanceError):
        candidate.locus = "other"
    assert dataclasses.asdict(candidate) == {
        "rule": "r",
        "violation_code": "PI-03",
        "title": "t",
        "locus": "l",
        "evidence": {"host": "h"},
        "sources": (),
    }


def test_parse_reads_a_one_way_stream():
    class OneWay(io.RawIOBase):
        def __init__(self, data: bytes):
            self._inner = io.BytesIO(data)

        def readable(self):
            return True

        def seekable(self):
            return False

        def readinto(self, buffer):
            chunk = self._inner.read(len(buffer))
            buffer[: len(chunk)] = chunk
            return len(chunk)

    data = (FIXTURES / "capture.har").read_bytes()
    observations = list(parse(io.BufferedReader(OneWay(data)), filename="capture.har"))
    assert len(observations) == 6


def test_parse_errors_are_raised_before_iterating():
    with pytest.raises(ScanError):
        parse(io.BytesIO(b""), filename="x.har")


def test_network_is_blocked_in_scanner_tests():
    import socket

    with pytest.raises(AssertionError):
        socket.create_connection(("127.0.0.1", 9))
    with pytest.raises(AssertionError):
        socket.socket().connect(("127.0.0.1", 9))
