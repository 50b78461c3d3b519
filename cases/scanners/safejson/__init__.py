"""Streaming JSON that refuses hostile input before any value is built.

In front of every parse, ``JsonGuard`` scans the raw bytes once, at C speed, for what a parser would
not stop: nesting deeper than ``MAX_JSON_DEPTH``, numbers longer than ``MAX_NUMBER_DIGITS`` (they go
to ``int()``, which is quadratic and, past 4,300 digits, fails with an unhelpful error), invalid
UTF-8, a ZIP posing as JSON and truncation. Readers run the guard over the whole file first (so a bad
file fails before any observation is produced), then seek back and parse.

``items`` streams the values at a prefix the fast way, with ijson (the reference) behind it whenever
the fast way meets anything it does not read exactly like ijson, so errors are always ijson's (see
``streaming``).

For a large HAR on a real file, ``GuardAside`` runs the guard in a forked child on the other core
while the fast way parses (the HAR parser's ``_parse_aside``); the guard's verdict, awaited at the
end or at the first difficulty, still decides, so a bad file fails with the same reason.

One module per job, each importing only the ones before it (no cycle):

- ``guard``: ``JsonGuard``, ``JsonShape``, ``validate``, ``validate_bytes``;
- ``streaming``: the fast way and ijson behind it (``items``, ``ijson_items``, ``kvitems``,
  ``first``, ``load``, ``events``);
- ``aside``: ``GuardAside`` and ``AsideItems``.

The tuning knobs (``streaming.FAST_READ_BYTES``, ``streaming.FAST_WINDOW_CHARS``,
``aside.ASIDE_MIN_BYTES``) and ``aside._guard_file`` are deliberately not re-exported here: the code
reads them from its own module, so a test must patch them there; patching this package instead
fails loudly (no such attribute) rather than silently changing nothing.
"""

# The private names (``name as name``) are those tests read through the package: reading them here is
# safe, patching them here would not be.
from cases.scanners.safejson.aside import AsideItems, GuardAside
from cases.scanners.safejson.guard import _DIGIT_MAP as _DIGIT_MAP
from cases.scanners.safejson.guard import _ESCAPE as _ESCAPE
from cases.scanners.safejson.guard import WIDE_DIGITS, JsonGuard, JsonShape, validate, validate_bytes
from cases.scanners.safejson.guard import _WideRuns as _WideRuns
from cases.scanners.safejson.streaming import _FastItems as _FastItems
from cases.scanners.safejson.streaming import (
    check_syntax,
    events,
    first,
    first_byte,
    ijson_items,
    items,
    kinds_at,
    kvitems,
    load,
)

__all__ = [
    "WIDE_DIGITS",
    "AsideItems",
    "GuardAside",
    "JsonGuard",
    "JsonShape",
    "check_syntax",
    "events",
    "first",
    "first_byte",
    "ijson_items",
    "items",
    "kinds_at",
    "kvitems",
    "load",
    "validate",
    "validate_bytes",
]
