import socket
from pathlib import Path

import pytest

from cases.scanners import Observation, detect_candidates, parse

FIXTURES = Path(__file__).resolve().parent / "fixtures"


def read(path: Path, **options) -> list[Observation]:
    with path.open("rb") as stream:
        return list(parse(stream, filename=path.name, **options))


def of_kind(observations: list[Observation], kind: str) -> list[Observation]:
    return [observation for observation in observations if observation.kind == kind]


def codes(observations: list[Observation]) -> dict[str, int]:
    counted: dict[str, int] = {}
    for candidate in detect_candidates(observations):
        counted[candidate.violation_code] = counted.get(candidate.violation_code, 0) + 1
    return counted


@pytest.fixture
def fixture():
    """Path of one of this package's own small fixtures."""
    return lambda name: FIXTURES / name


@pytest.fixture(autouse=True)
def no_network(monkeypatch):
    """Parsers are pure: any attempt to connect anywhere fails the test."""

    def refuse(*args, **kwargs):
        raise AssertionError("a scanner parser tried to open a network connection")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)


# One file of each format: the wrong-tool matrices at upload (tests/cases/ingest/test_api.py), at read
# (test_structure.py) and through the ingest (tests/cases/ingest/test_failures.py) use the same files.
SAMPLES = {
    "har": "capture.har",
    "zeek": "conn.log",
    "exodus": "exodus_api_details.json",
    "mobsf": "mobsf_android_4x.json",
    "nmap": "lab_scan.xml",
    "privacysentry": "privacysentry_new.xlsx",
    "sarif": "multi_run.sarif",
}
