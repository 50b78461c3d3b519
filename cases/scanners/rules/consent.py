"""Personal-information APIs in a hook tool's call log: read before consent → PI-01, read over and over
after it → PI-02.

PI-01 "违规收集个人信息" (PIPL arts. 13, 14, 17; 认定方法 三: collecting before consent). The
PrivacySentry parser marks each call as before or after the consent marker; ``BeforeConsentRule``
keeps the calls that read personal information and ignores writes such as setting the clipboard.
One candidate per API function, as the tool names it.

PI-02 "超范围收集个人信息" (PIPL art. 6; GB/T 41391-2022 §6.1–6.2; 认定方法 四 names collection "at a
frequency beyond what the business function needs"). ``FrequentReadRule`` counts, per item (IMEI,
clipboard, location...) and per session (one uploaded call log), the reads made after consent; an item
read at least ``FREQUENT_READS`` times is one candidate, with the count, the first and last time and the
busiest minute in the evidence. Neither the law nor the standards give a number; five reads of one item
in one test session is a screening threshold for a reviewer, not a legal line (FORMATS.md §8).

What a call reads comes from ``data/privacy_apis.json`` (its ``source`` names the Android SDK reference
and the framework-internal names hook tools record): the function name first (``getImeiForSlot`` is
the IMEI), then the public API the alias names (``获取设备id-getImei``), then the argument for generic
names (``Settings.Secure.getString`` of ``android_id``, ``ContentResolver.query`` of a contacts, SMS
or call-log URI), then words of the tool's Chinese description.
"""

from __future__ import annotations

import json
import re
from collections import Counter, deque
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from cases.scanners.base import Candidate, Observation
from cases.scanners.rules.base import Group, Grouper, Rule

_TABLE = json.loads((Path(__file__).resolve().parent.parent / "data" / "privacy_apis.json").read_text("utf-8"))
ITEMS: dict[str, dict[str, str]] = _TABLE["items"]
METHODS: dict[str, dict[str, Any]] = {entry["name"]: entry for entry in _TABLE["methods"]}
_ARGUMENTS: dict[str, list[dict[str, Any]]] = {}
for _rule in _TABLE["arguments"]:
    for _method in _rule["methods"]:
        _ARGUMENTS.setdefault(_method, []).append(_rule)
_ALIAS_WORDS: dict[str, str] = _TABLE["alias_words"]

# Reads of one item after consent, in one session, from which a PI-02 candidate is raised.
FREQUENT_READS = 5
# The evidence also gives the most reads of the item within any window of this many seconds.
WINDOW_SECONDS = 60
_NAME = re.compile(r"[A-Za-z_$<][\w$<>.]*")


@dataclass(frozen=True, slots=True)
class Read:
    """What one call reads: the item, the public API it stands for, and how it was recognised."""

    item: str
    public: str
    matched: str
    # Probes (hasPrimaryClip, getPrimaryClipDescription) tell whether there is something to read,
    # not what it is: they count before consent, not towards frequent reading.
    probe: bool = False

    @property
    def label(self) -> str:
        return ITEMS[self.item]["zh"]


def _bare(name: str) -> str:
    """``getDeviceId(I)`` → ``getDeviceId``; ``TelephonyManager.getImei`` → ``getImei``."""
    match = _NAME.match(name.strip())
    return match.group(0).rsplit(".", 1)[-1] if match else ""


def _from_entry(entry: dict[str, Any], matched: str) -> Read:
    return Read(entry["item"], entry["public"], matched, bool(entry.get("probe")))


def read_of(function: str, alias: str) -> Read | None:
    """What personal information a call reads, or None for calls that read none (or write)."""
    description, _, api = alias.partition("-")
    name = _bare(function)
    if name in METHODS:
        return _from_entry(METHODS[name], "function")
    if name.startswith("set") or description.startswith("设置"):
        return None
    api_name = _bare(api)
    if api_name in METHODS:
        return _from_entry(METHODS[api_name], "alias")
    lowered = alias.lower()
    for rule in _ARGUMENTS.get(name, []) + _ARGUMENTS.get(api_name, []):
        if any(word in lowered for word in rule["words"]):
            return Read(rule["item"], rule["public"], "argument")
    for word, item in _ALIAS_WORDS.items():
        if word in lowered:
            return Read(item, "", "description")
    return None


def category(function: str, alias: str) -> str | None:
    """The item (a key of ``ITEMS``) a call reads, or None."""
    read = read_of(function, alias)
    return read.item if read else None


def seconds(time: Any) -> float | None:
    """PrivacySentry's ``MM-DD HH:MM:SS.mmm`` (no year) as seconds from the start of a leap year."""
    if not isinstance(time, str) or not time:
        return None
    try:
        moment = datetime.strptime(f"2000-{time.strip()}", "%Y-%m-%d %H:%M:%S.%f")
    except ValueError:
        try:
            moment = datetime.strptime(f"2000-{time.strip()}", "%Y-%m-%d %H:%M:%S")
        except ValueError:
            return None
    return (moment - datetime(2000, 1, 1)).total_seconds()


class BeforeConsentRule(Rule):
    name = "consent.before_policy"
    kinds = frozenset({"privacy_api_call"})
    codes = ("PI-01",)

    def __init__(self) -> None:
        self._groups = Grouper()

    def observe(self, observation: Observation) -> Iterable[Candidate]:
        attributes = observation.attributes
        if attributes.get("before_consent") is not True:
            return ()
        function = str(attributes.get("function") or "")
        alias = str(attributes.get("alias") or "")
        read = read_of(function, alias)
        if read is None:
            return ()
        description = str(attributes.get("description") or read.label)
        group = self._groups.get(
            f"before-consent:{function}",
            lambda: Group(
                "PI-01",
                f"同意隐私政策前调用{description}（{function}）",
                {
                    "function": function,
                    "category": read.label,
                    "item": read.item,
                    "public_api": read.public,
                    "consent_time": attributes.get("consent_time"),
                    "tool": observation.tool,
                },
            ),
        )
        group.add(
            {
                "alias": alias,
                "time": attributes.get("time"),
                "sequence": attributes.get("sequence"),
                "observation": observation.locus,
            }
        )
        return ()

    def finish(self) -> Iterable[Candidate]:
        return self._groups.candidates(self.name)


class _Tally:
    """Reads of one item: how many, when, by which functions, and the busiest window."""

    __slots__ = ("reads", "first", "last", "recent", "busiest", "functions")

    def __init__(self) -> None:
        self.reads = 0
        self.first: str | None = None
        self.last: str | None = None
        self.recent: deque[float] = deque()
        self.busiest = 0
        self.functions: Counter[str] = Counter()

    def add(self, function: str, time: Any, reads: int) -> None:
        self.reads += reads
        self.functions[function] += reads
        if isinstance(time, str) and time:
            self.first = self.first or time
            self.last = time
        moment = seconds(time)
        if moment is not None:
            # Rows come ordered by time (the parser sorts them), so a sliding window suffices.
            self.recent.append(moment)
            while moment - self.recent[0] > WINDOW_SECONDS:
                self.recent.popleft()
            self.busiest = max(self.busiest, len(self.recent))


class FrequentReadRule(Rule):
    name = "consent.frequent_reads"
    kinds = frozenset({"privacy_api_call"})
    codes = ("PI-02",)

    def __init__(self) -> None:
        self._groups = Grouper()
        self._tallies: dict[str, _Tally] = {}

    def observe(self, observation: Observation) -> Iterable[Candidate]:
        attributes = observation.attributes
        before = attributes.get("before_consent")
        if before is True:
            return ()
        function = str(attributes.get("function") or "")
        read = read_of(function, str(attributes.get("alias") or ""))
        if read is None or read.probe:
            return ()
        count = attributes.get("count")
        reads = count if isinstance(count, int) and count > 0 else 1
        locus = f"frequent-read:{read.item}"
        group = self._groups.get(
            locus,
            lambda: Group(
                "PI-02",
                "",
                {
                    "item": read.item,
                    "category": read.label,
                    # None: the log has no consent marker, so every read is counted.
                    "after_consent": True if before is False else None,
                    "consent_time": attributes.get("consent_time"),
                    "threshold": FREQUENT_READS,
                    "tool": observation.tool,
                },
            ),
        )
        group.add(
            {
                "function": function,
                "time": attributes.get("time"),
                "sequence": attributes.get("sequence"),
                "observation": observation.locus,
            }
        )
        self._tallies.setdefault(locus, _Tally()).add(function, attributes.get("time"), reads)
        return ()

    def finish(self) -> Iterable[Candidate]:
        for locus, group in list(self._groups.groups.items()):
            tally = self._tallies[locus]
            if tally.reads < FREQUENT_READS:
                del self._groups.groups[locus]
                continue
            start, end = seconds(tally.first), seconds(tally.last)
            window = round(end - start, 3) if start is not None and end is not None else None
            group.evidence.update(
                {
                    "reads": tally.reads,
                    "first_time": tally.first,
                    "last_time": tally.last,
                    "window_seconds": window,
                    f"max_reads_in_{WINDOW_SECONDS}s": tally.busiest or None,
                    "functions": dict(tally.functions.most_common()),
                }
            )
            when = "同意隐私政策后" if group.evidence["after_consent"] else ""
            span = f"，{window:g}秒内" if window is not None else ""
            group.title = f"{when}频繁读取{group.evidence['category']}：{tally.reads}次{span}"
        return self._groups.candidates(self.name)
