"""The rule contract, and the small grouping helper most rules share.

Which observations fed a candidate (``Candidate.sources``, so the ingest can mark them ``mapped``):
``detect_candidates`` numbers the observations (1-based, stream order) on a ``Cursor`` every rule
shares. A candidate a rule yields from ``observe`` is the current observation's. A ``Grouper`` kept
on a rule is bound to the cursor, so each ``Group.add`` records the current position and the
group's candidate carries them. A rule that groups by other means reads ``self.seq`` while observing
and passes ``sources=`` to the ``Candidate`` it yields from ``finish``.
"""

from __future__ import annotations

from array import array
from collections.abc import Callable, Iterable, Iterator
from typing import Any, ClassVar

from cases.scanners import limits
from cases.scanners.base import Candidate, Observation, ScanContext


class Cursor:
    """The position (1-based) of the observation being read (0 before the first), and the last
    position that went into a group or a candidate (``fed``: a first guess of ``mapped``)."""

    __slots__ = ("seq", "fed")

    def __init__(self) -> None:
        self.seq = 0
        self.fed = 0


class Rule:
    """A detection rule. A fresh instance runs over each scan.

    ``observe`` may yield candidates at once; ``finish`` yields what was grouped. ``context`` (set
    by ``detect_candidates`` before the first observation) says what kind of product was scanned;
    ``seq`` is the position of the observation being observed (see the module docstring).
    """

    context: ScanContext = ScanContext()
    cursor: Cursor = Cursor()

    name: ClassVar[str]
    kinds: ClassVar[frozenset[str]]
    # The taxonomy codes this rule can produce, for documentation and tests.
    codes: ClassVar[tuple[str, ...]]

    def observe(self, observation: Observation) -> Iterable[Candidate]:
        return ()

    def finish(self) -> Iterable[Candidate]:
        return ()

    @property
    def seq(self) -> int:
        return self.cursor.seq

    def bind(self, cursor: Cursor) -> None:
        """Share ``detect_candidates``' cursor with this rule and the groupers it keeps."""
        self.cursor = cursor
        for value in vars(self).values():
            if isinstance(value, Grouper):
                value.cursor = cursor


class Group:
    """Evidence gathered under one candidate locus: a count, the first few examples and the
    positions of the observations added (4 bytes each)."""

    __slots__ = ("code", "title", "evidence", "examples", "count", "seqs", "cursor")

    def __init__(self, code: str, title: str, evidence: dict[str, Any]) -> None:
        self.code = code
        self.title = title
        self.evidence = evidence
        self.examples: list[dict[str, Any]] = []
        self.count = 0
        self.seqs = array("I")
        self.cursor: Cursor | None = None

    def add(self, example: dict[str, Any]) -> None:
        self.count += 1
        cursor = self.cursor
        if cursor is not None and cursor.seq:
            seqs = self.seqs
            if not seqs or seqs[-1] != cursor.seq:
                seqs.append(cursor.seq)
            cursor.fed = cursor.seq
        if len(self.examples) < limits.MAX_EVIDENCE_ITEMS:
            self.examples.append(example)


class Grouper:
    """Groups keyed by locus, in first-seen order."""

    def __init__(self) -> None:
        self.groups: dict[str, Group] = {}
        self.cursor: Cursor | None = None

    def get(self, locus: str, make: Callable[[], Group]) -> Group:
        group = self.groups.get(locus)
        if group is None:
            group = self.groups[locus] = make()
            group.cursor = self.cursor
        return group

    def candidates(self, rule: str) -> Iterator[Candidate]:
        for locus, group in self.groups.items():
            evidence = {**group.evidence, "count": group.count, "examples": group.examples}
            yield Candidate(
                rule=rule,
                violation_code=group.code,
                title=group.title,
                locus=locus,
                evidence=evidence,
                sources=group.seqs,
            )
