"""No privacy-policy link where the report could have shown one → PI-05.

PI-05 "未明示个人信息处理规则" (PIPL arts. 7, 17). Only formats that carry app metadata say where
they looked (``privacy_policy_searched``: the store listing, the URLs found in the app); a report
that cannot tell (εxodus, for instance) gives no candidate rather than a guess.
"""

from __future__ import annotations

from collections.abc import Iterable

from cases.scanners.base import Candidate, Observation
from cases.scanners.rules.base import Rule


class MissingPrivacyPolicyRule(Rule):
    name = "privacy_policy.missing"
    kinds = frozenset({"app_meta"})
    codes = ("PI-05",)

    def __init__(self) -> None:
        self._done = False

    def observe(self, observation: Observation) -> Iterable[Candidate]:
        attributes = observation.attributes
        searched = attributes.get("privacy_policy_searched") or []
        if self._done or attributes.get("privacy_policy_url") or not searched:
            return ()
        self._done = True
        return (
            Candidate(
                rule=self.name,
                violation_code="PI-05",
                title="未发现隐私政策链接",
                locus="privacy-policy:missing",
                evidence={
                    "searched": list(searched),
                    "urls_examined": attributes.get("url_count"),
                    "app": attributes.get("package"),
                    "version": attributes.get("version_name"),
                    "tool": observation.tool,
                    "observation": observation.locus,
                },
            ),
        )
