"""Hostile and broken uploads: each fails with a reason a person can act on.

The package conftest fails any test whose parser opens a network connection.
"""

import io
import json
import zipfile

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cases.scanners import ScanError, limits, parse, safejson


def reason(data: bytes, **options) -> str:
    with pytest.raises(ScanError) as caught:
        list(parse(io.BytesIO(data), **options))
    return caught.value.reason


@pytest.mark.parametrize("tool", [None, "har", "sarif", "mobsf", "zeek"])
def test_empty_file(tool):
    assert reason(b"", tool=tool) == "empty file"


def test_whitespace_and_bom_only_is_empty():
    assert reason(b"\xef\xbb\xbf  \n", filename="x.har") == "empty file"


def test_unsupported_format():
    assert reason(b"Hello, this is a plain text file.\n", filename="notes.txt") == "unsupported format"
    assert reason(b'{"some": "json"}', filename="x.json") == "unsupported format"


def test_truncated_json():
    document = b'{"log": {"version": "1.2", "entries": [{"request": {"url": "https://a.example/"'
    assert reason(document, filename="cut.har") == f"truncated JSON at byte {len(document)}"


def test_truncated_json_inside_a_string():
    document = b'{"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "Sem'
    assert reason(document) == f"truncated JSON at byte {len(document)}"


def test_deep_nesting_is_refused_before_parsing():
    document = b'{"log": {"entries": ' + b"[" * 100_000 + b"]" * 100_000 + b"}}"
    assert reason(document, tool="har") == f"nesting deeper than {limits.MAX_JSON_DEPTH} levels near byte 0"


def test_nesting_at_the_limit_is_accepted():
    # The root object and "log" are two levels; the entries array and its nested arrays make 200.
    inner = "[" * (limits.MAX_JSON_DEPTH - 2) + "]" * (limits.MAX_JSON_DEPTH - 2)
    document = '{"log": {"entries": ' + inner + "}}"
    assert [o.kind for o in parse(io.BytesIO(document.encode()), tool="har")] == ["capture_meta"]
    deeper = '{"log": {"entries": [' + inner + "]}}"
    assert reason(deeper.encode(), tool="har").startswith("nesting deeper than 200 levels")


def test_brackets_inside_strings_do_not_count():
    noise = "[[[[{{{{" * 100 + '\\"' + "]]]]" * 50
    document = json.dumps({"log": {"creator": {"name": noise}, "entries": []}}).encode()
    (meta,) = parse(io.BytesIO(document), tool="har")
    assert meta.attributes["creator"] == json.loads(document)["log"]["creator"]["name"]


def test_number_with_5000_digits_is_refused_before_conversion():
    document = b'{"log": {"version": 1' + b"0" * 4999 + b"}}"
    assert reason(document, tool="har") == f"number with more than {limits.MAX_NUMBER_DIGITS} digits near byte 0"


def test_number_split_across_chunks_is_still_counted(monkeypatch):
    monkeypatch.setattr(limits, "CHUNK_BYTES", 16)
    document = b'{"log": {"version": ' + b"7" * 150 + b"}}"
    assert reason(document, tool="har").startswith("number with more than 100 digits")


def test_long_digit_strings_are_fine():
    document = json.dumps({"log": {"creator": {"name": "1" * 5000}, "entries": []}}).encode()
    (meta,) = parse(io.BytesIO(document), tool="har")
    assert meta.attributes["creator"] == "1" * 5000


def test_invalid_utf8():
    document = b'{"log": {"creator": {"name": "caf\xe9"}, "entries": []}}'
    assert document.index(b"\xe9") == 33
    assert reason(document, tool="har") == "invalid UTF-8 at byte 33"


def test_invalid_utf8_at_the_very_end():
    document = b'{"log": {"entries": []}}\xe4\xb8'
    assert reason(document, tool="har") == f"invalid UTF-8 at byte {len(document) - 2}"


def _zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("report.json", '{"log": {}}')
    return buffer.getvalue()


def test_json_name_on_a_zip():
    assert reason(_zip(), filename="report.json") == (
        "report.json is a ZIP archive, not the text format its name suggests"
    )


def test_zip_given_to_a_json_parser():
    assert reason(_zip(), tool="sarif") == "the file is a ZIP archive, not JSON"


def test_zip_without_a_telling_name_is_unsupported():
    assert reason(_zip(), filename="upload.bin") == "unsupported format"


def test_unknown_tool():
    assert reason(b"{}", tool="burp") == (
        "unknown scanner tool 'burp'; known tools: exodus, har, mobsf, nmap, privacysentry, sarif, zeek"
    )


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=30,
)


def _depth(value) -> int:
    if isinstance(value, dict):
        return 1 + max((_depth(v) for v in value.values()), default=0)
    if isinstance(value, list):
        return 1 + max((_depth(v) for v in value), default=0)
    return 0


@settings(max_examples=300, deadline=None)
@given(value=json_values, cuts=st.lists(st.integers(min_value=1, max_value=9), max_size=40), ascii_only=st.booleans())
def test_guard_accepts_any_valid_json_whatever_the_chunking(value, cuts, ascii_only):
    data = json.dumps(value, ensure_ascii=ascii_only).encode()
    guard = safejson.JsonGuard()
    position, deepest = 0, 0
    for cut in cuts + [len(data)]:
        guard.feed(data[position : position + cut])
        deepest = max(deepest, guard.depth)
        position += cut
        if position >= len(data):
            break
    if position < len(data):
        guard.feed(data[position:])
    guard.finish()
    assert guard.depth == 0
    assert deepest <= _depth(value)


class _ExactGuard(safejson.JsonGuard):
    """The guard with its shortcuts off: every chunk cut into its strings, every bracket walked."""

    def _scan_structure(self, chunk: bytes, start: int) -> None:
        if self._dangling_backslash:
            chunk = chunk[1:]
            self._dangling_backslash = False
        if b"\\" in chunk:
            chunk = safejson._ESCAPE.sub(b"", chunk)
            if chunk.endswith(b"\\"):
                self._dangling_backslash = True
                chunk = chunk[:-1]
        ends_in_string = self._in_string ^ (chunk.count(b'"') % 2 == 1)
        self._scan_exactly(chunk, start, ends_in_string)

    def _within_depth(self, brackets: bytes) -> bool:
        return False


def _guard_run(guard: safejson.JsonGuard, data: bytes, cuts: list[int]) -> tuple:
    states = []
    position = 0
    try:
        for cut in [*cuts, len(data)]:
            guard.feed(data[position : position + cut])
            position += cut
            states.append((guard.depth, guard._digit_run, guard._in_string, guard._dangling_backslash))
        shape = guard.finish()
    except ScanError as exc:
        return states, exc.reason
    return states, (shape.size, shape.second_level_array_objects)


_JSON_BYTES = st.lists(
    st.sampled_from([b'"', b"\\", b"[", b"]", b"{", b"}", b"0", b"7", b" ", b"a", b":", b",", "é".encode()]),
    max_size=300,
).map(b"".join)


@settings(max_examples=500, deadline=None)
@given(
    data=_JSON_BYTES,
    runs=st.lists(st.sampled_from([b"[" * 199, b"]" * 60, b"9" * 101, b"5" * 50]), max_size=3),
    cuts=st.lists(st.integers(min_value=0, max_value=120), max_size=8),
    track_shape=st.booleans(),
)
def test_guard_shortcuts_agree_with_the_exact_scan(data, runs, cuts, track_shape):
    # Any bytes, valid JSON or not, chunked anywhere: same verdict and same state after each chunk.
    data = b"".join(runs) + data if runs else data
    fast = _guard_run(safejson.JsonGuard(track_shape=track_shape), data, cuts)
    assert fast == _guard_run(_ExactGuard(track_shape=track_shape), data, cuts)
