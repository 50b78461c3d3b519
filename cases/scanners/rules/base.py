"""The rule contract, and the small grouping helper most rules share."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any, ClassVar

from cases.scanners import limits
from cases.scanners.base import Candidate, Observation, ScanContext


class Rule:
    """A detection rule. A fresh instance runs over each scan.

    ``observe`` may yield candidates at once; ``finish`` yields what was grouped. ``context`` (set
    by ``detect_candidates`` before the first observation) says what kind of product was scanned.
    """

    context: ScanContext = ScanContext()

    name: ClassVar[str]
    kinds: ClassVar[frozenset[str]]
    # The taxonomy codes this rule can produce, for documentation and tests.
    codes: ClassVar[tuple[str, ...]]

    def observe(self, observation: Observation) -> Iterable[Candidate]:
        return ()

    def finish(self) -> Iterable[Candidate]:
        return ()


class Group:
    """Evidence gathered under one candidate locus: a count and the first few examples."""

    __slots__ = ("code", "title", "evidence", "examples", "count")

    def __init__(self, code: str, title: str, evidence: dict[str, Any]) -> None:
        self.code = code
        self.title = title
        self.evidence = evidence
        self.examples: list[dict[str, Any]] = []
        self.count = 0

    def add(self, example: dict[str, Any]) -> None:
        self.count += 1
        if len(self.examples) < limits.MAX_EVIDENCE_ITEMS:
            self.examples.append(example)


class Grouper:
    """Groups keyed by locus, in first-seen order."""

    def __init__(self) -> None:
        self.groups: dict[str, Group] = {}

    def get(self, locus: str, make: Callable[[], Group]) -> Group:
        group = self.groups.get(locus)
        if group is None:
            group = self.groups[locus] = make()
        return group

    def candidates(self, rule: str) -> Iterator[Candidate]:
        for locus, group in self.groups.items():
            evidence = {**group.evidence, "count": group.count, "examples": group.examples}
            yield Candidate(rule=rule, violation_code=group.code, title=group.title, locus=locus, evidence=evidence)
