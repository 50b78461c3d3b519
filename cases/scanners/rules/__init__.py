"""Detection rules: observations in, candidate violations (taxonomy codes) out.

Each rule names its violation code (the taxonomy seeded by
``cases/migrations/0002_seed_violation_types.py``), keeps the evidence that triggered it and gives
each candidate a locus that stays the same when the same product is scanned again, so the ingest
service can fingerprint (product version, rule, locus).
Rules that summarise many observations (one candidate per host, per API...) emit when the
observation stream ends; memory grows with the number of distinct candidates, not observations.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections import defaultdict
from collections.abc import Iterable, Iterator

from cases.scanners.base import Candidate, Observation, ScanContext
from cases.scanners.rules.base import Cursor, Rule
from cases.scanners.rules.cloud import CloudConnectionRule
from cases.scanners.rules.consent import BeforeConsentRule, FrequentReadRule
from cases.scanners.rules.permissions import SensitivePermissionRule
from cases.scanners.rules.personal_data import PersonalDataRule
from cases.scanners.rules.privacy_policy import MissingPrivacyPolicyRule
from cases.scanners.rules.scorecard import ScorecardSummaryRule
from cases.scanners.rules.security import CleartextIdentifierRule, ExposedServiceRule
from cases.scanners.rules.static_code import HardwareIdsRule
from cases.scanners.rules.trackers import IdentifyingTrackerRule

RULE_TYPES: tuple[type[Rule], ...] = (
    SensitivePermissionRule,
    IdentifyingTrackerRule,
    PersonalDataRule,
    BeforeConsentRule,
    MissingPrivacyPolicyRule,
    CloudConnectionRule,
    HardwareIdsRule,
    FrequentReadRule,
    ScorecardSummaryRule,
    ExposedServiceRule,
    CleartextIdentifierRule,
)

__all__ = ["RULE_TYPES", "Rule", "detect_candidates"]

# Finding.locus and Finding.title are bounded columns; loci built from file content can be longer.
MAX_LOCUS = 500
MAX_TITLE = 300


def _bounded(candidate: Candidate, **changes) -> Candidate:
    """Keep long loci distinct (a digest of the whole replaces the tail) and titles within bounds."""
    if changes.get("sources") is candidate.sources:
        del changes["sources"]
    if len(candidate.locus) > MAX_LOCUS:
        digest = hashlib.sha256(candidate.locus.encode("utf-8")).hexdigest()
        changes["locus"] = f"{candidate.locus[: MAX_LOCUS - 65]}#{digest}"
    if len(candidate.title) > MAX_TITLE:
        changes["title"] = candidate.title[: MAX_TITLE - 1] + "…"
    return dataclasses.replace(candidate, **changes) if changes else candidate


def detect_candidates(
    observations: Iterable[Observation], *, context: ScanContext | None = None, cursor: Cursor | None = None
) -> Iterator[Candidate]:
    """Run every rule over one scan's observations (consumed once, in order).

    Each candidate's ``sources`` are the positions (1-based) of the observations that fed it;
    ``cursor``, when given, shows the caller the position being read and the last one that fed a
    group or a candidate.
    """
    rules = [rule_type() for rule_type in RULE_TYPES]
    cursor = cursor or Cursor()
    for rule in rules:
        rule.context = context or ScanContext()
        rule.bind(cursor)
    by_kind: dict[str, list[Rule]] = defaultdict(list)
    for rule in rules:
        for kind in rule.kinds:
            by_kind[kind].append(rule)
    for seq, observation in enumerate(observations, 1):
        cursor.seq = seq
        for rule in by_kind.get(observation.kind, ()):
            for candidate in rule.observe(observation):
                # Yielded while observing: made from the observation just read.
                cursor.fed = seq
                yield _bounded(candidate, sources=candidate.sources or (seq,))
    for rule in rules:
        for candidate in rule.finish():
            yield _bounded(candidate)
