"""safejson's guard: what it learns of a document while it validates it."""

from hypothesis import given, settings
from hypothesis import strategies as st

from cases.scanners import safejson


@settings(max_examples=300, deadline=None)
@given(runs=st.lists(st.integers(0, 25), min_size=1, max_size=6), cuts=st.lists(st.integers(1, 30), max_size=6))
def test_the_wide_digit_flag_sees_runs_across_chunks(runs, cuts):
    data = b" ".join(b"7" * run for run in runs)
    wide = safejson._WideRuns()
    position = 0
    for cut in [*cuts, len(data)]:
        wide.feed(data[position : position + cut].translate(safejson._DIGIT_MAP))
        position += cut
    assert wide.seen == (max(runs) >= safejson.WIDE_DIGITS)
