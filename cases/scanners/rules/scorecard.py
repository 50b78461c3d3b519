"""MobSF scorecard summaries → candidates marked as coming from a summary.

A MobSF scorecard (``/api/v1/scorecard``, or the ``appsec`` section of a 3.6+ report; FORMATS.md
§1c) names trackers and permissions only in summary lines: "Application contains Privacy Trackers"
(section ``trackers``; MobSF writes it when the report lists at least one tracker) and "Found 6
critical permission(s)" (section ``permissions``; MobSF counts the permissions whose status is
"dangerous" and lists them in the description). When the file has no detailed section these lines
are the only signal, so each becomes one candidate with ``from_summary: true`` in its evidence:

- trackers present → PI-03 "违规使用个人信息" (sharing with third parties) on an app, mini program
  or terminal, SDK-01 on an SDK product, as the tracker rule decides by product kind;
- critical permissions → PM-01, with the listed permissions and the codes the permission table
  gives them; not when every listed permission is one the table leaves out (storage,
  notifications), and never on a terminal (PM codes apply to apps and SDKs).

A summary line adds nothing when the same file has the detailed section (``permission`` or
``tracker`` observations): the detailed rules judge each permission and tracker on their own, so no
summary candidate is raised for that section.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from cases.scanners.base import Candidate, Observation
from cases.scanners.rules.base import Group, Grouper, Rule
from cases.scanners.rules.permissions import classify
from cases.scanners.rules.trackers import tracker_code

_TRACKERS = re.compile(r"privacy trackers", re.IGNORECASE)
_TRACKER_COUNT = re.compile(r"has (?:more than )?(\d+) privacy trackers", re.IGNORECASE)
_CRITICAL = re.compile(r"found (\d+) critical permission", re.IGNORECASE)
_PERMISSION = re.compile(r"\b((?:android|com\.[\w.]+)\.permission\.[A-Z0-9_]+|NS\w+UsageDescription)\b")
# The detailed observation kind that makes a section's summary redundant.
_DETAILED = {"permission": "permissions", "tracker": "trackers"}


class ScorecardSummaryRule(Rule):
    name = "mobsf.scorecard_summary"
    kinds = frozenset({"scorecard_item", *_DETAILED})
    codes = ("PI-03", "SDK-01", "PM-01")

    def __init__(self) -> None:
        self._groups = Grouper()
        self._detailed: set[str] = set()

    def observe(self, observation: Observation) -> Iterable[Candidate]:
        if observation.kind in _DETAILED:
            self._detailed.add(_DETAILED[observation.kind])
            return ()
        attributes = observation.attributes
        section = str(attributes.get("section") or "")
        title = str(attributes.get("title") or "")
        level = str(attributes.get("level") or "")
        if level == "secure":
            return ()
        if section == "trackers" and _TRACKERS.search(title) and "no privacy trackers" not in title.lower():
            self._trackers(observation)
        elif section == "permissions" and _CRITICAL.search(title):
            self._permissions(observation)
        return ()

    def _common(self, observation: Observation) -> dict[str, Any]:
        attributes = observation.attributes
        return {
            "from_summary": True,
            "tool": observation.tool,
            "section": attributes.get("section"),
            "level": attributes.get("level"),
            "summary": attributes.get("title"),
            "description": str(attributes.get("description") or "")[:2000],
            "observation": observation.locus,
        }

    def _trackers(self, observation: Observation) -> None:
        found = _TRACKER_COUNT.search(str(observation.attributes.get("description") or ""))
        count = int(found.group(1)) if found else None
        code = tracker_code(self.context)
        if code == "SDK-01":
            title = "SDK集成第三方跟踪器（MobSF评分卡摘要）"
        else:
            title = "应用集成第三方跟踪器（MobSF评分卡摘要）"
        if count is not None:
            title = f"{title}：{count}个"
        evidence = {**self._common(observation), "trackers": count}
        self._groups.get("scorecard:trackers", lambda: Group(code, title, evidence)).add(
            {"observation": observation.locus}
        )

    def _permissions(self, observation: Observation) -> None:
        if self.context.product_kind == "terminal":
            return
        attributes = observation.attributes
        count = int(_CRITICAL.search(str(attributes.get("title"))).group(1))
        named = list(dict.fromkeys(_PERMISSION.findall(str(attributes.get("description") or ""))))
        codes = {name: found[0] for name in named if (found := classify(name))}
        if named and not codes:
            # Every permission the summary lists is one the permission table leaves out.
            return
        evidence = {
            **self._common(observation),
            "critical_permissions": count,
            "permissions": named,
            "codes": codes,
        }
        title = f"申请{count}项危险权限（MobSF评分卡摘要）"
        self._groups.get("scorecard:permissions", lambda: Group("PM-01", title, evidence)).add(
            {"observation": observation.locus}
        )

    def finish(self) -> Iterable[Candidate]:
        for locus in list(self._groups.groups):
            if locus.removeprefix("scorecard:") in self._detailed:
                del self._groups.groups[locus]
        return self._groups.candidates(self.name)
