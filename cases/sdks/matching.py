"""Match a scan's observations against SDK signatures: pure, no database (ARCHITECTURE.md, "SDK fan-out").

Three kinds of evidence make a link, each named in ``via``:
- ``tracker``: a tracker observation (MobSF, εxodus) whose εxodus id is the SDK's;
- ``package``: a Java package prefix of the SDK in a stack (PrivacySentry) or a code path (MobSF);
- ``host``: a host the SDK is known to call, or one of its subdomains, in traffic (HAR, Zeek, MobSF domains).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from cases.scanners import trackerdb

# Observations whose attributes can show an SDK, and the attributes read (the selector reads only these).
TRACKER_KINDS = frozenset({"tracker"})
HOST_KINDS = frozenset({"domain", "http_request", "dns", "tls", "connection"})
CODE_KINDS = frozenset({"privacy_api_call", "code_finding"})
KINDS = TRACKER_KINDS | HOST_KINDS | CODE_KINDS
# The evidence kept on a link: the first items seen (the job and position lead to the rest).
MAX_EVIDENCE = 20
# Static reports list every tracker of the package: a re-test by one of them that no longer shows
# an SDK is a reason to propose removing the link (a person confirms).
STATIC_TOOLS = frozenset({"mobsf", "exodus"})

_PREFIX = re.compile(r"^[A-Za-z_][\w]*(\.[A-Za-z_][\w]*)+$")
_HOST = re.compile(r"^[a-z0-9-]+(\.[a-z0-9-]+)+$")


@dataclass(frozen=True, slots=True)
class Signature:
    sdk_id: int
    exodus_id: int | None
    package_prefixes: tuple[str, ...]
    hosts: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Fact:
    """What the selector reads of one stored observation."""

    seq: int
    kind: str
    exodus_id: int | None = None
    host: str = ""
    code: str = ""


@dataclass(frozen=True, slots=True)
class Match:
    sdk_id: int
    seq: int
    via: str
    detail: str


def clean_prefixes(values: Iterable[str]) -> list[str]:
    """Keep well-formed Java package prefixes (``com.example.sdk``), deduplicated, in order."""
    seen: dict[str, None] = {}
    for value in values:
        value = str(value).strip().strip(".")
        if _PREFIX.match(value):
            seen.setdefault(value, None)
    return list(seen)


def clean_hosts(values: Iterable[str]) -> list[str]:
    """Keep host names (``api.example.com``), lower-cased, without a leading dot or wildcard."""
    seen: dict[str, None] = {}
    for value in values:
        value = str(value).strip().lower().lstrip("*").strip(".")
        if _HOST.match(value):
            seen.setdefault(value, None)
    return list(seen)


def exodus_seed(exodus_id: int) -> dict | None:
    """Prefixes and hosts from the shipped εxodus entry, where its regexes are plain enough to read.

    εxodus code signatures are regexes such as ``com.umeng.|com.umeng.analytics``; a part that is a
    dotted name once its escapes are removed is a prefix. Network signatures like ``umeng\\.com``
    give hosts the same way; a regex with alternatives or classes is left out rather than guessed.
    """
    tracker = trackerdb.by_id(exodus_id)
    if tracker is None:
        return None

    def literal(part: str) -> str:
        part = re.sub(r"^\^?(\.\*)?", "", part.strip()).rstrip("$")
        return part.replace("\\.", ".").rstrip(".")

    prefixes = clean_prefixes(literal(p) for p in tracker.code_signature.split("|"))
    hosts = clean_hosts(literal(p) for p in tracker.network_signature.split("|"))
    return {"name": tracker.name, "package_prefixes": prefixes, "hosts": hosts, "website": tracker.website}


class Matcher:
    """The signatures compiled once: an εxodus id map, one regex of prefixes, a suffix map of hosts."""

    def __init__(self, signatures: Iterable[Signature]) -> None:
        self.by_exodus: dict[int, list[int]] = {}
        self.by_prefix: dict[str, list[int]] = {}
        self.by_host: dict[str, list[int]] = {}
        for signature in signatures:
            if signature.exodus_id is not None:
                self.by_exodus.setdefault(signature.exodus_id, []).append(signature.sdk_id)
            for prefix in signature.package_prefixes:
                self.by_prefix.setdefault(prefix, []).append(signature.sdk_id)
            for host in signature.hosts:
                self.by_host.setdefault(host, []).append(signature.sdk_id)
        # Longest first, so that com.example.sdk.push is named before com.example.sdk.
        prefixes = sorted(self.by_prefix, key=len, reverse=True)
        self._prefix_re = (
            re.compile(r"(?<![\w.])(" + "|".join(re.escape(p) for p in prefixes) + r")(?=[./$]|\b)")
            if prefixes
            else None
        )

    def __bool__(self) -> bool:
        return bool(self.by_exodus or self.by_prefix or self.by_host)

    def _host_sdks(self, host: str) -> Iterator[tuple[int, str]]:
        host = host.strip().lower().rstrip(".")
        labels = host.split(".")
        for start in range(len(labels) - 1):
            suffix = ".".join(labels[start:])
            for sdk_id in self.by_host.get(suffix, ()):
                yield sdk_id, host

    def matches(self, fact: Fact) -> Iterator[Match]:
        if fact.kind in TRACKER_KINDS and fact.exodus_id is not None:
            for sdk_id in self.by_exodus.get(fact.exodus_id, ()):
                yield Match(sdk_id, fact.seq, "tracker", f"εxodus {fact.exodus_id}")
        if fact.host and self.by_host:
            for sdk_id, host in self._host_sdks(fact.host):
                yield Match(sdk_id, fact.seq, "host", host)
        if fact.code and self._prefix_re is not None:
            # Code paths come with slashes (com/example/sdk/Foo.java); stacks with dots.
            text = fact.code.replace("/", ".")
            found: set[str] = set()
            for hit in self._prefix_re.finditer(text):
                found.add(hit.group(1))
            for prefix in sorted(found):
                for sdk_id in self.by_prefix[prefix]:
                    yield Match(sdk_id, fact.seq, "package", prefix)


def match_all(matcher: Matcher, facts: Iterable[Fact]) -> dict[int, list[Match]]:
    """Every SDK seen, with its matches in observation order (at most ``MAX_EVIDENCE`` kept each)."""
    found: dict[int, list[Match]] = {}
    for fact in facts:
        for match in matcher.matches(fact):
            kept = found.setdefault(match.sdk_id, [])
            if len(kept) < MAX_EVIDENCE and match not in kept:
                kept.append(match)
    return found
