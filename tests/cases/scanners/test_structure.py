"""Each parser checks the structure its tool writes before it reads (issue 12, deliverable 1).

A named tool never "succeeds" with another tool's file or with junk: the structure check refuses it
with ``unsupported_format``, which becomes ``wrong_tool`` (naming both) when another tool's
signature matches the file. Every refusal carries a code, language-neutral parameters and, where
it applies, a position.
"""

import io
import json

import pytest

from cases.scanners import ScanError, errors, parse
from tests.cases.scanners.conftest import FIXTURES, SAMPLES

# One file of each format (the same samples as the upload matrix in tests/cases/ingest/test_api.py).
MATRIX = [(fmt, tool) for fmt in SAMPLES for tool in SAMPLES]


def refusal(content: bytes, tool: str | None = None, filename: str = "") -> ScanError:
    with pytest.raises(ScanError) as caught:
        list(parse(io.BytesIO(content), tool=tool, filename=filename))
    return caught.value


@pytest.mark.parametrize(("fmt", "tool"), MATRIX, ids=[f"{f}-read-as-{t}" for f, t in MATRIX])
def test_read_time_matrix_a_named_tool_refuses_another_tools_file(fmt, tool):
    """What the upload check lets through is caught again when the named parser reads."""
    content = (FIXTURES / SAMPLES[fmt]).read_bytes()
    if fmt == tool:
        assert len(list(parse(io.BytesIO(content), tool=tool))) > 0
        return
    error = refusal(content, tool=tool)
    assert (error.code, error.params) == (errors.WRONG_TOOL, {"tool": tool, "detected": fmt})
    assert error.reason.startswith(f"this file is a {fmt} output, not {tool} (")


# Junk no signature recognises: the upload lets a named tool through, the read refuses it.
JUNK = {
    "object without runs": b'{"version": "2.1.0", "results": []}',
    "object with a version key": b'{"version": "1.0", "name": "x"}',
    "one-line JSON": b'{"a": 1, "b": [1, 2]}\n',
    "JSON list": b'[{"id": 1}, {"id": 2}]',
    "JSON list of strings": b'["a", "b"]',
    "empty JSON list": b"[]",
    "plain text": b"Dear inspector, please find the results attached.\n",
    "XML of another kind": b'<?xml version="1.0"?><report><item/></report>',
}
JUNK_MATRIX = [(junk, tool) for junk in JUNK for tool in SAMPLES]


@pytest.mark.parametrize(("junk", "tool"), JUNK_MATRIX, ids=[f"{j}-as-{t}" for j, t in JUNK_MATRIX])
def test_junk_never_succeeds_under_a_named_tool(junk, tool):
    error = refusal(JUNK[junk], tool=tool)
    assert error.code == errors.UNSUPPORTED_FORMAT, error.reason
    assert error.params["tool"] == tool


@pytest.mark.parametrize(
    ("tool", "content"),
    [
        # Each passes its tool's sniff (so the upload check agrees) but not the structure check.
        ("sarif", b'{"$schema": "https://json.schemastore.org/sarif-2.1.0.json", "version": "2.1.0", "runs": {}}'),
        ("sarif", b'{"$schema": "https://json.schemastore.org/sarif-2.1.0.json", "runs": []}'),
        ("har", b'{"log": {"version": "1.2", "entries": {}}}'),
        ("mobsf", b'{"app_type": "apk", "version": "v4.0", "title": "x"}'),
        ("exodus", b'{"application": {"handle": "a"}, "apk": 1, "trackers": 2}'),
        ("zeek", b'{"ts": 1.0, "name": "x"}\n'),
    ],
)
def test_a_structure_that_only_looks_right_is_refused(tool, content):
    error = refusal(content, tool=tool)
    assert (error.code, error.params["tool"]) == (errors.UNSUPPORTED_FORMAT, tool)
    assert error.params["expected"]


def test_sarif_needs_version_and_a_runs_list_wherever_they_are():
    at_the_end = b'{"runs": [{"tool": {"driver": {"name": "x"}}, "results": []}], "version": "2.1.0"}'
    assert [o.kind for o in parse(io.BytesIO(at_the_end), tool="sarif")] == ["tool_run"]


@pytest.mark.parametrize(
    "record",
    [
        {"ts": 1.0, "uid": "C1", "id.orig_h": "10.0.0.1"},  # conn, http, dns, ssl...
        {"ts": 1.0, "uids": ["C1"], "mac": "a4:c1:38:00:11:22"},  # dhcp
        {"ts": 1.0, "fuid": "F1", "source": "HTTP"},  # files
        {"ts": 1.0, "id": "F1", "certificate.version": 3},  # x509
        {"ts": 1.0, "host": "10.0.0.1"},  # known_hosts, software
        {"ts": 1.0, "peer": "zeek", "mem": 100},  # stats
        {"_path": "weird", "_write_ts": "2025-03-01T01:00:00Z", "name": "bad_TCP_checksum"},  # _path streams
    ],
)
def test_zeek_json_lines_of_other_logs_than_conn_are_read(record):
    assert len(list(parse(io.BytesIO(json.dumps(record).encode() + b"\n"), tool="zeek"))) == 1


def test_a_pretty_printed_json_document_is_not_a_zeek_log():
    error = refusal(b'{\n  "log": {"entries": []}\n}\n', tool="zeek")
    assert (error.code, error.params) == (errors.WRONG_TOOL, {"tool": "zeek", "detected": "har"})
    assert error.position == {"line": 1}


def test_the_exodus_tracker_list_is_reference_data():
    document = {"trackers": {"1": {"id": 1, "name": "x", "code_signature": "com.x", "network_signature": ""}}}
    error = refusal(json.dumps(document).encode(), tool="exodus")
    assert (error.code, error.params, error.position) == (errors.REFERENCE_DATA, {}, None)


@pytest.mark.parametrize(
    ("content", "tool", "code", "params", "position"),
    [
        (b"", None, errors.EMPTY_FILE, {}, None),
        (b'{"log": {"entries": [', "har", errors.DAMAGED_FILE, {"format": "JSON", "truncated": True}, {"byte": 21}),
        (
            b'{"log": {"entries": [}]}}',
            "har",
            errors.DAMAGED_FILE,
            {"format": "JSON"},
            {"line": 1, "column": 22, "byte": 21},
        ),
        (b"<nmaprun><host></nmaprun>", "nmap", errors.DAMAGED_FILE, {"format": "XML"}, {"line": 1, "column": 18}),
        (
            b'{"log": {"entries": []}, "x": "\xff"}',
            "har",
            errors.NOT_UTF8,
            {"byte": 31},
            {"byte": 31},
        ),
        (
            b"#separator \\x09\n#fields\tts\tuid\n#types\ttime\tstring\nyesterday\tC1\n",
            "zeek",
            errors.INVALID_VALUE,
            {"field": "ts", "type": "time", "value": "yesterday"},
            {"line": 4},
        ),
    ],
    ids=["empty", "truncated", "malformed JSON", "malformed XML", "not UTF-8", "invalid value"],
)
def test_refusals_carry_a_code_parameters_and_a_position(content, tool, code, params, position):
    error = refusal(content, tool=tool, filename="x")
    assert error.code == code
    assert {k: v for k, v in error.params.items() if k != "detail"} == params
    assert error.position == position


def test_a_workbook_without_privacysentry_sheets_is_refused_before_any_row():
    from openpyxl import Workbook

    book = Workbook()
    book.active.append(["name", "value"])
    buffer = io.BytesIO()
    book.save(buffer)
    error = refusal(buffer.getvalue(), tool="privacysentry")
    assert (error.code, error.params["tool"]) == (errors.UNSUPPORTED_FORMAT, "privacysentry")


def test_a_scan_error_crosses_a_process_boundary_whole():
    error = ScanError("x", code=errors.TOO_DEEP, params={"max_depth": 200}, position={"byte": 5})
    again = ScanError.from_dict(json.loads(json.dumps(error.as_dict())))
    assert (again.reason, again.code, again.params) == ("x", "too_deep", {"max_depth": 200})
    assert again.position == {"byte": 5}
