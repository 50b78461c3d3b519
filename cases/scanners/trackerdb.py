"""The εxodus tracker list shipped with the package, and lookups by id, name, host and class name.

The data file ``data/exodus_trackers.json`` is derived from the εxodus ``/api/trackers`` answer as
shipped by MobSF (see ``data/README.md`` for provenance). Regenerate it with
``python -m cases.scanners.trackerdb <exodus_trackers.json>``.
"""

from __future__ import annotations

import json
import re
import sys
from collections import defaultdict
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path
from re import _constants as _sre_constants
from re import _parser as _sre_parser
from typing import Any

DATA_FILE = Path(__file__).resolve().parent / "data" / "exodus_trackers.json"
SOURCE = {
    "name": "εxodus tracker list (reports.exodus-privacy.eu.org /api/trackers)",
    "retrieved_from": "MobSF/Mobile-Security-Framework-MobSF mobsf/signatures/exodus_trackers "
    "at de7bf03656020bec3fb19dc4f8e4fc140da1e548 (2025-08-30)",
    "licence": "εxodus data; shipped by MobSF (GPL-3.0 repository)",
    "fields_kept": ["id", "name", "categories", "code_signature", "network_signature", "website"],
}
# Categories whose SDKs collect identifiers or profile users; crash reporting alone does not.
IDENTIFYING_CATEGORIES = frozenset({"Advertisement", "Analytics", "Identification", "Location", "Profiling"})
_TRACKER_URL_ID = re.compile(r"/trackers/(\d+)/?\s*$")


@dataclass(frozen=True, slots=True)
class Tracker:
    id: int
    name: str
    categories: tuple[str, ...]
    code_signature: str
    network_signature: str
    website: str

    @property
    def collects_identifiers(self) -> bool:
        # Some entries (Google DoubleClick, Google Ads...) carry no category; a listed tracker with
        # no stated purpose is treated as identifying, only crash reporting alone is not.
        return not self.categories or bool(IDENTIFYING_CATEGORIES.intersection(self.categories))


def build_reference(payload: dict[str, Any]) -> dict[str, Any]:
    """Reduce an ``/api/trackers`` answer to the fields the rules use, ordered by id."""
    trackers = payload.get("trackers")
    if isinstance(trackers, dict):
        rows = list(trackers.values())
    elif isinstance(trackers, list):
        rows = trackers
    elif isinstance(payload, list):
        rows = payload
    else:
        raise ValueError("not an εxodus tracker list: no 'trackers'")
    kept = {}
    for row in sorted(rows, key=lambda r: int(r["id"])):
        kept[str(int(row["id"]))] = {
            "id": int(row["id"]),
            "name": row.get("name") or "",
            "categories": list(row.get("categories") or []),
            "code_signature": row.get("code_signature") or "",
            "network_signature": row.get("network_signature") or "",
            "website": row.get("website") or "",
        }
    return {"source": SOURCE, "trackers": kept}


@cache
def _all() -> dict[int, Tracker]:
    data = json.loads(DATA_FILE.read_text(encoding="utf-8"))
    return {
        int(key): Tracker(
            id=int(row["id"]),
            name=row["name"],
            categories=tuple(row["categories"]),
            code_signature=row["code_signature"],
            network_signature=row["network_signature"],
            website=row["website"],
        )
        for key, row in data["trackers"].items()
    }


def all_trackers() -> dict[int, Tracker]:
    return _all()


def by_id(tracker_id: int | str | None) -> Tracker | None:
    if tracker_id is None:
        return None
    try:
        return _all().get(int(tracker_id))
    except (TypeError, ValueError):
        return None


@cache
def _by_name() -> dict[str, Tracker]:
    return {tracker.name.casefold(): tracker for tracker in _all().values()}


def by_name(name: str) -> Tracker | None:
    return _by_name().get(name.strip().casefold())


def id_from_url(url: str) -> int | None:
    """MobSF's tracker URLs end with the εxodus id (``.../trackers/49``)."""
    match = _TRACKER_URL_ID.search(url or "")
    return int(match.group(1)) if match else None


def _compile_signatures(field: str) -> list[tuple[re.Pattern[str], Tracker]]:
    compiled = []
    for tracker in _all().values():
        signature = getattr(tracker, field)
        for part in signature.split("|"):
            part = part.strip()
            if not part:
                continue
            try:
                compiled.append((re.compile(part, re.IGNORECASE), tracker))
            except re.error:
                # εxodus signatures are regexes written by hand; a broken one must not break parsing.
                continue
    return compiled


@cache
def _network_signatures() -> list[tuple[re.Pattern[str], Tracker]]:
    return _compile_signatures("network_signature")


@cache
def _code_signatures() -> list[tuple[re.Pattern[str], Tracker]]:
    return _compile_signatures("code_signature")


def _required_literal(pattern: re.Pattern[str]) -> str:
    """The longest run of plain ASCII characters every match must contain, lower-cased ("" if none).

    The re module's own parser (``re._parser`` in Python 3.11) reads the pattern; only its top level
    is used, whose literals every match contains whatever the groups, classes and repeats between do.
    """
    runs, current = [], []
    for op, argument in _sre_parser.parse(pattern.pattern, pattern.flags):
        if op is _sre_constants.LITERAL and argument < 128:
            current.append(chr(argument).lower())
        elif current:
            runs.append("".join(current))
            current = []
    if current:
        runs.append("".join(current))
    return max(runs, key=len, default="")


@dataclass(frozen=True, slots=True)
class _HostIndex:
    """Network signatures indexed by one three-character piece of the text each one requires.

    Trying ~630 regexes on every new host name was most of the time of a capture with many hosts;
    a host is now tried only against the signatures whose required text it contains, in list order,
    so the first match is the same tracker as before.
    """

    signatures: tuple[tuple[re.Pattern[str], Tracker, str], ...]
    by_trigram: dict[str, tuple[int, ...]]
    always: tuple[int, ...]


@cache
def _host_index() -> _HostIndex:
    signatures = tuple((pattern, tracker, _required_literal(pattern)) for pattern, tracker in _network_signatures())
    counts: dict[str, int] = defaultdict(int)
    for _, _, literal in signatures:
        for start in range(len(literal) - 2):
            counts[literal[start : start + 3]] += 1
    by_trigram: dict[str, list[int]] = defaultdict(list)
    always = []
    for position, (_, _, literal) in enumerate(signatures):
        if len(literal) < 3:
            always.append(position)
            continue
        # The rarest piece keeps the candidate lists short.
        trigram = min((literal[i : i + 3] for i in range(len(literal) - 2)), key=counts.__getitem__)
        by_trigram[trigram].append(position)
    return _HostIndex(signatures, {key: tuple(value) for key, value in by_trigram.items()}, tuple(always))


# Large enough that a capture of tens of thousands of hosts does not cycle through it.
@lru_cache(maxsize=65536)
def for_host(host: str) -> Tracker | None:
    """The tracker whose εxodus network signature matches this host name, if any (the first in list order)."""
    if not host:
        return None
    index = _host_index()
    if not host.isascii():
        # Case-insensitive matching of non-ASCII text (the Kelvin sign matches "k") is left to re.
        return next((tracker for pattern, tracker, _ in index.signatures if pattern.search(host)), None)
    folded = host.lower()
    found = set(index.always)
    by_trigram = index.by_trigram
    for start in range(len(folded) - 2):
        positions = by_trigram.get(folded[start : start + 3])
        if positions:
            found.update(positions)
    for position in sorted(found):
        pattern, tracker, literal = index.signatures[position]
        if literal in folded and pattern.search(host):
            return tracker
    return None


def for_class_name(name: str) -> Tracker | None:
    """The tracker whose εxodus code signature (Java package prefix) matches a class or package."""
    for pattern, tracker in _code_signatures():
        if pattern.match(name):
            return tracker
    return None


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("usage: python -m cases.scanners.trackerdb <exodus /api/trackers JSON>", file=sys.stderr)
        return 2
    payload = json.loads(Path(argv[1]).read_text(encoding="utf-8"))
    reference = build_reference(payload)
    DATA_FILE.parent.mkdir(parents=True, exist_ok=True)
    DATA_FILE.write_text(json.dumps(reference, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {len(reference['trackers'])} trackers to {DATA_FILE}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
