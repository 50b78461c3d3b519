"""Static-analysis results that name the collection of device identifiers → PI-02.

Android Lint's ``HardwareIds`` check reports code that reads hardware identifiers (ANDROID_ID,
IMEI, MAC, serial); PI-02 "超范围收集个人信息" (GB/T 41391-2022 §6.1–6.2) is the question a
reviewer must then answer. Other SARIF rules are security findings with no taxonomy code, and
produce no candidate.
"""

from __future__ import annotations

from collections.abc import Iterable

from cases.scanners.base import Candidate, Observation
from cases.scanners.rules.base import Group, Grouper, Rule

_RULES = {"HardwareIds": "读取设备硬件标识"}


class HardwareIdsRule(Rule):
    name = "static.hardware_ids"
    kinds = frozenset({"sarif_result"})
    codes = ("PI-02",)

    def __init__(self) -> None:
        self._groups = Grouper()

    def observe(self, observation: Observation) -> Iterable[Candidate]:
        attributes = observation.attributes
        rule_id = str(attributes.get("rule_id") or "")
        if rule_id not in _RULES or attributes.get("suppressed") or attributes.get("kind") != "fail":
            return ()
        uri = str(attributes.get("uri") or "")
        group = self._groups.get(
            f"code:{rule_id}:{uri}",
            lambda: Group(
                "PI-02",
                f"{_RULES[rule_id]}（{rule_id}）：{uri.rsplit('/', 1)[-1] or '源代码'}",
                {"rule_id": rule_id, "tool": attributes.get("tool"), "file": uri},
            ),
        )
        group.add(
            {
                "line": attributes.get("line"),
                "message": attributes.get("message"),
                "snippet": attributes.get("snippet"),
                "observation": observation.locus,
            }
        )
        return ()

    def finish(self) -> Iterable[Candidate]:
        return self._groups.candidates(self.name)
