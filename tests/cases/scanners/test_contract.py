"""What the ingest service relies on, for every parser: plain JSON-able data and bounded loci."""

import io
import json
from pathlib import Path

import pytest

from cases.scanners import Candidate, Observation, ScanError, detect_candidates, parse
from cases.scanners.rules import MAX_LOCUS, MAX_TITLE, _bounded
from tests.conftest import CORPUS, corpus_path

from .conftest import FIXTURES, read

OWN_FIXTURES = sorted(p.name for p in FIXTURES.iterdir() if p.suffix != ".py")


def _round_trips(value) -> bool:
    return json.loads(json.dumps(value, ensure_ascii=False, allow_nan=False)) == value


def _check(observations: list[Observation]) -> None:
    assert observations
    for observation in observations:
        assert isinstance(observation.tool, str) and observation.tool
        assert isinstance(observation.kind, str) and observation.kind
        assert isinstance(observation.locus, str) and observation.locus
        assert _round_trips(observation.attributes), observation.locus
    for candidate in detect_candidates(observations):
        assert len(candidate.locus) <= MAX_LOCUS
        assert len(candidate.title) <= MAX_TITLE
        assert len(candidate.rule) <= 64
        assert _round_trips(candidate.evidence), candidate.locus


@pytest.mark.parametrize("name", OWN_FIXTURES)
def test_own_fixtures_give_plain_data(name):
    _check(read(FIXTURES / name))


def _corpus_files() -> list[str]:
    if not CORPUS.is_dir():
        return ["missing"]
    return sorted(str(p.relative_to(CORPUS)) for p in CORPUS.glob("*/*") if p.is_file())


@pytest.mark.corpus
@pytest.mark.parametrize("relative", _corpus_files())
def test_corpus_gives_plain_data_or_a_reason(relative):
    path = corpus_path(*Path(relative).parts)
    try:
        observations = read(path)
    except ScanError as exc:
        assert relative in {
            "exodus/mobsf-shipped_exodus_api_trackers_2025-08.json",
            "har/mitmproxy-test_brokenfile_malformed.har",
        }
        assert exc.reason
        return
    _check(observations)


def test_long_loci_stay_distinct_and_bounded():
    first = _bounded(Candidate("r", "PI-02", "t" * 400, "code:" + "a/" * 300 + "One.java", {}))
    second = _bounded(Candidate("r", "PI-02", "t", "code:" + "a/" * 300 + "Two.java", {}))
    assert len(first.locus) == MAX_LOCUS
    assert first.locus != second.locus
    assert len(first.title) == MAX_TITLE
    assert _bounded(second) == second


def test_a_json_document_of_another_tool_is_refused_by_mobsf():
    with pytest.raises(ScanError) as caught:
        list(parse(io.BytesIO(b'{"log": {"entries": []}}'), tool="mobsf"))
    assert (caught.value.code, caught.value.params) == ("wrong_tool", {"tool": "mobsf", "detected": "har"})
    assert caught.value.reason == (
        "this file is a har output, not mobsf "
        "(not a MobSF report, scorecard or mobsfscan JSON: none of their key sets is present)"
    )


def test_zeek_dhcp_json_lines_are_recognised():
    line = b'{"ts":1740790800.0,"uids":["C1"],"mac":"a4:c1:38:00:11:22","host_name":"lock","msg_types":["DISCOVER"]}\n'
    (observation,) = parse(io.BytesIO(line), filename="dhcp.log")
    assert (observation.tool, observation.kind) == ("zeek", "dhcp")
    assert observation.attributes["record"]["mac"] == "a4:c1:38:00:11:22"
