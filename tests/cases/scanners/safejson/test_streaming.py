"""safejson.items: the fast way (C decoder over a window of text) against the reference (ijson).

Whatever the document, valid or not, and wherever the reads cut it, both ways must produce the same
values in the same order, or the same error, word for word. Before an error the two may have produced
different numbers of values (ijson parses a whole buffer before it hands any out); a file that fails
produces no findings, so only the reason matters there.
"""

import io
import json

import ijson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cases.scanners import safejson
from cases.scanners.safejson import streaming

from .shared import har, outcome

PREFIXES = ["log.entries.item", "runs.item.results.item", "", "log", "a.item", "item", "log.entries"]


def _both(data: bytes, prefix: str) -> tuple[tuple, tuple]:
    fast = outcome(lambda: safejson.items(io.BytesIO(data), prefix))

    def reference():
        stream = io.BytesIO(data)
        safejson.validate(stream)
        return safejson.ijson_items(stream, prefix)

    return fast, outcome(reference)


def _agree(fast: tuple, reference: tuple) -> bool:
    (fast_values, fast_error), (reference_values, reference_error) = fast, reference
    if fast_error != reference_error:
        return False
    if fast_error is None:
        return fast_values == reference_values
    shorter = min(len(fast_values), len(reference_values))
    return fast_values[:shorter] == reference_values[:shorter]


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=12),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=6), children, max_size=4),
    max_leaves=25,
)

# Pieces that make the fast way give up, or that a careless walker would read differently.
_AWKWARD = [
    b"NaN",
    b"-Infinity",
    b'"\\ud83d\\ude00"',
    b'"\\udc00"',
    b'{"a.b": 1}',
    b'{"item": [1]}',
    b'{"entries": {"item": 2}}',
    b"1234567890",
    b"  \n\t ",
    b",",
    b"]",
    b"}",
    b'"',
    b"\x01",
    b"{}",
    b"[]",
]


@st.composite
def documents(draw) -> bytes:
    entries = draw(st.lists(json_values, max_size=6))
    shape = draw(st.sampled_from(["har", "sarif", "plain"]))
    if shape == "har":
        log = {"version": "1.2", **draw(st.dictionaries(st.sampled_from(["pages", "creator", "x"]), json_values))}
        log["entries"] = entries
        document = {"log": log}
    elif shape == "sarif":
        document = {"runs": [{"tool": {"driver": {}}, "results": entries} for _ in range(draw(st.integers(0, 3)))]}
    else:
        document = draw(json_values)
    data = json.dumps(document, ensure_ascii=draw(st.booleans()), indent=draw(st.sampled_from([None, 1]))).encode()
    for _ in range(draw(st.integers(0, 2))):
        at = draw(st.integers(0, len(data)))
        if draw(st.booleans()):
            data = data[:at] + draw(st.sampled_from(_AWKWARD)) + data[at:]
        else:
            data = data[:at] + data[at + draw(st.integers(1, 4)) :]
    return data


@settings(max_examples=600, deadline=None)
@given(data=documents(), prefix=st.sampled_from(PREFIXES), read=st.integers(1, 64), bom=st.booleans())
def test_the_fast_way_agrees_with_ijson(data, prefix, read, bom):
    if bom:
        data = b"\xef\xbb\xbf" + data
    with pytest.MonkeyPatch.context() as patch:
        # Tiny reads: values, keys, numbers and separators cut by the end of the window.
        patch.setattr(streaming, "FAST_READ_BYTES", read)
        fast, reference = _both(data, prefix)
    assert _agree(fast, reference)


def test_a_float_out_of_range_fails_as_ijson_says():
    """Found by Hypothesis: the standard library reads it as inf, ijson refuses it."""
    data = b"[15965907498032149e+293]"
    fast, reference = _both(data, "item")
    assert _agree(fast, reference)


def test_a_value_followed_by_digits_at_the_end_of_the_file_fails_as_ijson_says(monkeypatch):
    """Found by Hypothesis: the window moved under a value glued to a number, and the bad byte was skipped."""
    monkeypatch.setattr(streaming, "FAST_READ_BYTES", 25)
    fast, reference = _both(b'{\n "runs": []1234567890\n}', "log.entries.item")
    assert reference[1] is not None
    assert _agree(fast, reference)
    assert fast[1] is not None


def test_ordinary_files_never_reach_ijson(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("ijson was asked to parse")

    monkeypatch.setattr(ijson, "items", refuse)
    data = har([json.dumps({"request": {"url": f"https://a.example/{i}"}, "time": 1.5}).encode() for i in range(500)])
    values = list(safejson.items(io.BytesIO(data), "log.entries.item"))
    assert [value["request"]["url"] for value in values] == [f"https://a.example/{i}" for i in range(500)]
    assert values[0]["time"] == 1.5


@pytest.mark.parametrize(
    ("awkward", "why"),
    [
        (b'{"n": NaN}', "the standard library accepts NaN, ijson refuses it"),
        (b'{"s": "\\ud800"}', "yajl turns an unpaired surrogate into '?'"),
        (b'{"a.b": 1}', "ijson joins keys with dots"),
    ],
)
def test_giving_up_half_way_loses_and_repeats_nothing(awkward, why):
    entries = [json.dumps({"i": i}).encode() for i in range(300)]
    entries[250] = awkward
    fast, reference = _both(har(entries), "log.entries.item")
    assert _agree(fast, reference), why
    assert [value.get("i") for value in fast[0][:250]] == list(range(250))


def test_a_value_larger_than_the_window_goes_to_ijson(monkeypatch):
    monkeypatch.setattr(streaming, "FAST_WINDOW_CHARS", 1000)
    calls = []
    real = ijson.items
    monkeypatch.setattr(ijson, "items", lambda *a, **k: calls.append(a) or real(*a, **k))
    entries = [json.dumps({"i": i}).encode() for i in range(100)]
    entries[50] = json.dumps({"body": "x" * 5000}).encode()
    values = list(safejson.items(io.BytesIO(har(entries)), "log.entries.item"))
    assert len(values) == 100 and values[50] == {"body": "x" * 5000} and values[99] == {"i": 99}
    assert len(calls) == 1


def test_errors_are_ijsons_word_for_word():
    # Balanced brackets, so the guard lets it through; the fast way produces the first entry first.
    data = har([b'{"i": 1}', b'{"i" 2}', b'{"i": 3}'])
    fast, reference = _both(data, "log.entries.item")
    assert _agree(fast, reference)
    assert fast[0] == [{"i": 1}]
    assert fast[1] == (
        "invalid JSON at line 1, column 55 (byte 54): object key and value must be separated by a colon (':')"
    )


def test_wide_integers_are_left_to_ijson(monkeypatch):
    # yajl refuses integers beyond 64 bits; the guard notices 19-digit runs and ijson reads the file.
    data = har([b'{"i": 1}', b'{"size": 9223372036854775808}'])
    fast, reference = _both(data, "log.entries.item")
    assert fast == reference
    assert fast[1].endswith("integer overflow")
    assert safejson.validate(io.BytesIO(data)).wide_digit_runs
    assert not safejson.validate(io.BytesIO(har([b'{"size": 922337203685477580}']))).wide_digit_runs
