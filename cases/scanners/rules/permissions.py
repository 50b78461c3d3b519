"""Sensitive permissions requested by an app → PM-02 (contacts, location) or PM-01 (the rest).

PM-02 "违规调用通信录和地理位置权限" names contacts and location; the other permissions Android
protects as "dangerous" (phone, SMS, call log, camera, microphone, calendar, body sensors, physical
activity, nearby devices, photos and media, and the account and profile permissions of API ≤ 22) are
PM-01 "强制、频繁、过度索取权限" candidates. The table, ``data/permissions.json``, follows the
platform's own protection levels (its ``source`` says where they come from); the tool's status is
not trusted: MobSF 3.1.x marks INTERNET as "dangerous" and labels unknown permissions "dangerous" too.
A few protected permissions are left out on purpose (``counted: false`` with a note): storage, which
nearly every app requested before API 33 (its READ_MEDIA_* successors count), and notifications,
which read nothing personal. PM codes apply to apps and SDKs, never to a terminal (the taxonomy's
``applies_to``): a terminal's permissions raise nothing here.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from cases.scanners.base import Candidate, Observation
from cases.scanners.rules.base import Rule

_TABLE = json.loads((Path(__file__).resolve().parent.parent / "data" / "permissions.json").read_text("utf-8"))
# Full Android name → (short name, entry)
ANDROID: dict[str, tuple[str, dict[str, Any]]] = {
    entry["prefix"] + short: (short, entry) for short, entry in _TABLE["android"].items()
}
IOS: dict[str, dict[str, Any]] = _TABLE["ios"]


def entry(name: str) -> tuple[str, dict[str, Any]] | None:
    """(short name, table entry) for a permission the platform protects, counted or not."""
    if name in IOS:
        return name, IOS[name]
    return ANDROID.get(name)


def classify(name: str) -> tuple[str, str, str] | None:
    """(code, label, short name) for a sensitive permission, else None."""
    found = entry(name)
    if found is None or found[1].get("counted") is False:
        return None
    short, item = found
    return item["code"], item["label"], short


class SensitivePermissionRule(Rule):
    name = "permission.sensitive"
    kinds = frozenset({"permission"})
    codes = ("PM-01", "PM-02")

    def __init__(self) -> None:
        self._seen: set[str] = set()

    def observe(self, observation: Observation) -> Iterable[Candidate]:
        if self.context.product_kind == "terminal":
            return ()
        name = str(observation.attributes.get("name") or "")
        found = classify(name)
        if found is None or name in self._seen:
            return ()
        self._seen.add(name)
        code, label, short = found
        item = entry(name)[1]
        return (
            Candidate(
                rule=self.name,
                violation_code=code,
                title=f"申请{label}权限：{short}",
                locus=f"permission:{name}",
                evidence={
                    "permission": name,
                    "protection": item.get("protection", "iOS protected resource"),
                    "group": item.get("group"),
                    "since_api": item.get("since_api"),
                    "until_api": item.get("until_api"),
                    "tool": observation.tool,
                    "tool_status": observation.attributes.get("status"),
                    "description": observation.attributes.get("description") or observation.attributes.get("info"),
                    "observation": observation.locus,
                },
            ),
        )
