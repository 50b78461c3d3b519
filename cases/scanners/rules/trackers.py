"""Third-party tracker SDKs that collect identifiers: whose violation it is depends on what was inspected.

- In an app, a mini program or a terminal, the tracker is the product's own sharing of personal
  information with a third party: PI-03 "违规使用个人信息" (PIPL art. 23), the SDK named in the
  evidence. This is also the answer when the product kind is unknown: PI-03 applies to every kind.
- In an SDK product, the SDK itself collects device information: SDK-01 "SDK违规收集用户设备信息",
  whose ``applies_to`` is ``sdk`` only.

A tracker is identifying when its εxodus categories include advertising, analytics, identification,
location or profiling; a tracker listed only for crash reporting is not. Categories missing from
the observation (MobSF 3.1.x) are looked up in the shipped εxodus list.
"""

from __future__ import annotations

from collections.abc import Iterable

from cases.scanners import trackerdb
from cases.scanners.base import Candidate, Observation, ScanContext
from cases.scanners.rules.base import Rule


def tracker_code(context: ScanContext) -> str:
    """Whose violation a third-party tracker is: the SDK's own (SDK-01) in an SDK product, else the
    product's sharing with a third party (PI-03). The one home of that choice (the scorecard rule too)."""
    return "SDK-01" if context.product_kind == "sdk" else "PI-03"


class IdentifyingTrackerRule(Rule):
    name = "tracker.identifying"
    kinds = frozenset({"tracker"})
    codes = ("PI-03", "SDK-01")

    def __init__(self) -> None:
        self._seen: set[str] = set()

    def observe(self, observation: Observation) -> Iterable[Candidate]:
        attributes = observation.attributes
        known = trackerdb.by_id(attributes.get("exodus_id"))
        categories = tuple(attributes.get("categories") or (known.categories if known else ()))
        if categories and not trackerdb.IDENTIFYING_CATEGORIES.intersection(categories):
            return ()
        if not categories and known is None and attributes.get("exodus_id") is None:
            # Neither the tool nor the εxodus list says what this SDK does.
            return ()
        name = str(attributes.get("name") or (known.name if known else ""))
        locus = f"tracker:{attributes.get('exodus_id') if attributes.get('exodus_id') is not None else name}"
        if locus in self._seen:
            return ()
        self._seen.add(locus)
        code = tracker_code(self.context)
        if code == "SDK-01":
            title = f"集成收集设备信息的第三方SDK：{name}"
        else:
            title = f"通过第三方SDK向第三方提供个人信息：{name}"
        return (
            Candidate(
                rule=self.name,
                violation_code=code,
                title=title,
                locus=locus,
                evidence={
                    "sdk": name,
                    "tracker": name,
                    "exodus_id": attributes.get("exodus_id"),
                    "categories": list(categories),
                    "url": attributes.get("url"),
                    "tool": observation.tool,
                    "observation": observation.locus,
                },
            ),
        )
