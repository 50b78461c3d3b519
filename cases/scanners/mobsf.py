"""MobSF static reports (Android and iOS, 3.x and 4.x shapes), MobSF scorecards and mobsfscan JSON.

FORMATS.md §1. The three documents are told apart by their keys, never by the version string, and
every section is read by its shape (a 3.1.x list or a 3.6+ wrapped dict). The root is streamed one
top-level key at a time, so memory follows the largest section, not the file.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any, BinaryIO

from cases.scanners import errors, limits, safejson, trackerdb
from cases.scanners.base import Observation, clip, register

TOOL = "mobsf"
_TAG = re.compile(r"<[^>]+>")
_SPACE = re.compile(r"\s+")
_POLICY_URL = re.compile(r"privacy|yinsi|隐私|/policy", re.IGNORECASE)
_IDENTITY_KEYS = (
    "version",
    "title",
    "file_name",
    "app_name",
    "app_type",
    "size",
    "md5",
    "sha1",
    "sha256",
    "package_name",
    "version_name",
    "version_code",
    "min_sdk",
    "target_sdk",
    "max_sdk",
    "bundle_id",
    "app_version",
    "build",
    "platform",
    "sdk_name",
    "min_os_version",
    "timestamp",
    "security_score",
    "average_cvss",
    "hash",
)
_SCORECARD_LEVELS = ("high", "warning", "info", "secure", "hotspot")
_MAX_FILES = 50


def _text(value: Any) -> str:
    """MobSF titles carry HTML (<br>, <strong>); keep the words."""
    return _SPACE.sub(" ", _TAG.sub(" ", str(value or ""))).strip()


def _files(value: Any) -> list[dict[str, str]]:
    """``{path: "12,40"}`` (MobSF) as a short list of {path, lines}."""
    if isinstance(value, dict):
        return [{"path": str(path), "lines": str(lines)} for path, lines in list(value.items())[:_MAX_FILES]]
    if isinstance(value, list):
        return [{"path": str(path), "lines": ""} for path in value[:_MAX_FILES]]
    return []


class MobSFParser:
    name = TOOL
    display_name = "MobSF"  # how pages name the tool (a proper name, the same in every language)
    label = "MobSF static analysis / scorecard / mobsfscan (JSON)"

    def sniff(self, head: bytes) -> bool:
        text = head.removeprefix(b"\xef\xbb\xbf").lstrip()
        if not text.startswith(b"{"):
            return False
        if b'"mobsfscan_version"' in text:
            return True
        if b'"AppSec Scorecard"' in text or (b'"security_score"' in text and b'"hotspot"' in text):
            return True
        return b'"app_type"' in text and b'"md5"' in text

    def parse(self, stream: BinaryIO) -> Iterator[Observation]:
        safejson.validate(stream)
        check_structure(stream)
        state = _ReportState()
        for key, value in safejson.kvitems(stream, "", validated=True):
            handler = _SECTIONS.get(key)
            if handler is not None:
                yield from handler(value, state)
            elif key in _IDENTITY_KEYS and not isinstance(value, dict | list):
                state.identity[key] = value
            elif key in _SCORECARD_LEVELS and isinstance(value, list):
                state.scorecard = True
                yield from _scorecard_items(key, value)
            elif key == "playstore_details" or key == "appstore_details":
                state.read_store(value)
        yield state.summary()


# The keys that make a document one of MobSF's three (looked for at the root, by kind of value).
_REPORT_HASHES = ("md5", "sha1", "sha256", "hash")
_REPORT_NAMES = ("app_type", "package_name", "bundle_id", "app_name", "file_name")
_SIGNATURE_KEYS = (
    *_REPORT_HASHES,
    *_REPORT_NAMES,
    *_SCORECARD_LEVELS,
    "security_score",
    "results",
    "mobsfscan_version",
    "errors",
)
EXPECTED = "app_type+md5 | security_score+high/warning/info | results+mobsfscan_version"


def _signature(found: dict[str, str]) -> str | None:
    """Which MobSF document the root keys found so far make, or None."""
    if any(key in found for key in _REPORT_HASHES) and any(key in found for key in _REPORT_NAMES):
        return "report"
    levels = sum(found.get(key) == "array" for key in _SCORECARD_LEVELS)
    if levels >= 2 or (levels and "security_score" in found):
        return "scorecard"
    if "results" in found and ("mobsfscan_version" in found or found.get("errors") == "array"):
        return "mobsfscan"
    return None


def check_structure(stream: BinaryIO) -> None:
    """A static report (a hash and the app's name or type), a scorecard (its level lists) or a
    mobsfscan result (``results`` with ``mobsfscan_version`` or ``errors``); refuse anything else
    before reading. A validated stream; it is rewound."""
    prefixes = ("", *_SIGNATURE_KEYS)
    if safejson.first_byte(stream) != b"{":
        raise errors.unsupported(TOOL, EXPECTED, "not a JSON object")
    kinds = safejson.kinds_at(
        stream, prefixes, enough=lambda found: found.get("", "map") != "map" or _signature(found) is not None
    )
    if kinds.get("") != "map" or _signature(kinds) is None:
        safejson.check_syntax(stream)
        raise errors.unsupported(
            TOOL, EXPECTED, "not a MobSF report, scorecard or mobsfscan JSON: none of their key sets is present"
        )


class _ReportState:
    """What the sections leave for the closing app_meta observation."""

    def __init__(self) -> None:
        self.identity: dict[str, Any] = {}
        self.mobsfscan = False
        self.scorecard = False
        self.url_count = 0
        self.policy_url: str | None = None
        self.policy_sources: list[str] = []
        self.store_policy: str | None = None

    def read_store(self, value: Any) -> None:
        if isinstance(value, dict) and not value.get("error"):
            self.policy_sources.append("store listing")
            policy = value.get("privacyPolicy") or value.get("privacy_policy")
            if isinstance(policy, str) and policy.strip():
                self.store_policy = policy.strip()

    def note_url(self, url: str) -> None:
        self.url_count += 1
        if self.policy_url is None and _POLICY_URL.search(url):
            self.policy_url = url

    def summary(self) -> Observation:
        identity = self.identity
        if self.mobsfscan:
            return Observation(
                TOOL,
                "scan_meta",
                "scan",
                {"scanner": "mobsfscan", "scanner_version": identity.get("mobsfscan_version")},
            )
        platform = "ios" if identity.get("bundle_id") else "android" if identity.get("package_name") else ""
        policy = self.store_policy or self.policy_url
        source = "store listing" if self.store_policy else "app URLs" if self.policy_url else None
        attributes = {
            "scanner": "mobsf scorecard" if self.scorecard and "md5" not in identity else "mobsf",
            "scanner_version": identity.get("version"),
            "platform": platform,
            "app_name": identity.get("app_name"),
            "package": identity.get("package_name") or identity.get("bundle_id"),
            "version_name": identity.get("version_name") or identity.get("app_version"),
            "version_code": identity.get("version_code") or identity.get("build"),
            "file_name": identity.get("file_name"),
            "sha256": identity.get("sha256"),
            "md5": identity.get("md5") or identity.get("hash"),
            "target_sdk": identity.get("target_sdk"),
            "min_sdk": identity.get("min_sdk") or identity.get("min_os_version"),
            "security_score": identity.get("security_score"),
            "timestamp": identity.get("timestamp"),
            "url_count": self.url_count,
            "privacy_policy_url": policy,
            "privacy_policy_source": source,
            # Where a policy link could have shown up; empty means the report cannot tell.
            "privacy_policy_searched": self.policy_sources + (["app URLs"] if self.url_count else []),
        }
        return Observation(TOOL, "app_meta", "app", attributes)


def _permissions(value: Any, state: _ReportState) -> Iterator[Observation]:
    if isinstance(value, dict):
        for name, info in value.items():
            info = info if isinstance(info, dict) else {}
            yield Observation(
                TOOL,
                "permission",
                f"permission:{name}",
                {
                    "name": str(name),
                    "status": str(info.get("status") or ""),
                    "info": clip(info.get("info"), 500),
                    "description": clip(info.get("description"), 1000),
                },
            )
    elif isinstance(value, list):
        # iOS 3.1.x: [{name: NS...UsageDescription, status, description, reason}]
        for item in value:
            if isinstance(item, dict) and item.get("name"):
                yield Observation(
                    TOOL,
                    "permission",
                    f"permission:{item['name']}",
                    {
                        "name": str(item["name"]),
                        "status": str(item.get("status") or ""),
                        "info": clip(item.get("reason"), 500),
                        "description": clip(item.get("description"), 1000),
                    },
                )


def _tracker_items(value: Any) -> Iterator[tuple[str, str, list[str] | None]]:
    items = value.get("trackers") if isinstance(value, dict) else value
    if not isinstance(items, list):
        # The scorecard's "trackers" is a count, not a list.
        return
    for item in items:
        if not isinstance(item, dict):
            continue
        if "name" in item:
            categories = item.get("categories")
            if isinstance(categories, str):
                categories = [part.strip() for part in categories.split(",") if part.strip()]
            yield str(item["name"]), str(item.get("url") or ""), categories
        else:
            # 3.1.x: one-key objects {"<tracker name>": "<εxodus tracker URL>"}
            for name, url in item.items():
                yield str(name), str(url or ""), None


def _trackers(value: Any, state: _ReportState) -> Iterator[Observation]:
    for name, url, categories in _tracker_items(value):
        known = trackerdb.by_id(trackerdb.id_from_url(url)) or trackerdb.by_name(name)
        if categories is None:
            categories = list(known.categories) if known else []
        yield Observation(
            TOOL,
            "tracker",
            f"tracker:{known.id if known else name}",
            {
                "name": name,
                "exodus_id": known.id if known else trackerdb.id_from_url(url),
                "url": url,
                "categories": categories,
                "website": known.website if known else "",
            },
        )


def _domains(value: Any, state: _ReportState) -> Iterator[Observation]:
    if not isinstance(value, dict):
        return
    for host, info in value.items():
        info = info if isinstance(info, dict) else {}
        geo = info.get("geolocation") if isinstance(info.get("geolocation"), dict) else {}
        yield Observation(
            TOOL,
            "domain",
            f"domain:{host}",
            {
                "host": str(host),
                "bad": str(info.get("bad") or "") == "yes",
                "ip": geo.get("ip"),
                "country": geo.get("country_short"),
                "region": geo.get("region"),
                "city": geo.get("city"),
            },
        )


def _urls(value: Any, state: _ReportState) -> Iterator[Observation]:
    for group in value if isinstance(value, list) else []:
        if not isinstance(group, dict):
            continue
        path = str(group.get("path") or "")
        for url in group.get("urls") or []:
            url = str(url)
            state.note_url(url)
            yield Observation(
                TOOL, "url", f"url:{clip(url, 300)}@{clip(path, 150)}", {"url": clip(url, 2000), "path": path}
            )


def _firebase(value: Any, state: _ReportState) -> Iterator[Observation]:
    for item in value if isinstance(value, list) else []:
        if isinstance(item, dict) and item.get("url"):
            yield Observation(
                TOOL,
                "firebase_url",
                f"firebase:{item['url']}",
                {"url": str(item["url"]), "open": bool(item.get("open"))},
            )


def _manifest(value: Any, state: _ReportState) -> Iterator[Observation]:
    if isinstance(value, dict):
        items = value.get("manifest_findings") or []
    else:
        items = value if isinstance(value, list) else []
    for item in items:
        if not isinstance(item, dict):
            continue
        title = _text(item.get("title"))
        rule = str(item.get("rule") or item.get("name") or title)
        component = item.get("component")
        yield Observation(
            TOOL,
            "manifest_finding",
            f"manifest:{clip(_text(rule), 200)}:{clip(title, 200)}",
            {
                "rule": clip(_text(rule), 300),
                "title": clip(title, 500),
                "severity": str(item.get("severity") or item.get("stat") or ""),
                "description": clip(_text(item.get("description") or item.get("desc")), 2000),
                "component": component if isinstance(component, list) else [],
            },
        )


def _rule_findings(kind: str, prefix: str):
    def handler(value: Any, state: _ReportState) -> Iterator[Observation]:
        if not isinstance(value, dict):
            return
        findings = value.get("findings") if isinstance(value.get("findings"), dict) else value
        for rule, body in findings.items():
            if not isinstance(body, dict) or not isinstance(body.get("metadata", {}), dict):
                continue
            meta = body.get("metadata") or {}
            files = body.get("files")
            yield Observation(
                TOOL,
                kind,
                f"{prefix}:{rule}",
                {
                    "rule": str(rule),
                    "description": clip(meta.get("description"), 2000),
                    "severity": str(meta.get("severity") or ""),
                    "cwe": str(meta.get("cwe") or ""),
                    "masvs": str(meta.get("masvs") or ""),
                    "owasp_mobile": str(meta.get("owasp-mobile") or ""),
                    "files": _files(files),
                    "file_count": len(files) if isinstance(files, dict | list) else 0,
                },
            )

    return handler


def _certificates(value: Any, state: _ReportState) -> Iterator[Observation]:
    if not isinstance(value, dict):
        return
    for item in value.get("certificate_findings") or []:
        if isinstance(item, list) and len(item) >= 2:
            severity, description = str(item[0]), str(item[1])
            title = str(item[2]) if len(item) > 2 else description
            yield Observation(
                TOOL,
                "certificate_finding",
                f"certificate:{clip(title, 200)}",
                {"severity": severity, "description": clip(description, 2000), "title": clip(title, 500)},
            )


def _mobsfscan_results(value: Any, state: _ReportState) -> Iterator[Observation]:
    state.mobsfscan = True
    if not isinstance(value, dict):
        return
    for rule, body in value.items():
        if not isinstance(body, dict):
            continue
        meta = body.get("metadata") if isinstance(body.get("metadata"), dict) else {}
        common = {
            "rule": str(rule),
            "description": clip(meta.get("description"), 2000),
            "severity": str(meta.get("severity") or ""),
            "cwe": str(meta.get("cwe") or ""),
            "masvs": str(meta.get("masvs") or ""),
            "owasp_mobile": str(meta.get("owasp-mobile") or ""),
            "reference": str(meta.get("reference") or ""),
        }
        files = body.get("files") or []
        if not files:
            # "Missing best practice" rules (no SSL pinning, no root detection...) have no files.
            yield Observation(TOOL, "code_finding", f"code:{rule}", {**common, "file": None, "lines": None})
            continue
        for item in files:
            if not isinstance(item, dict):
                continue
            lines = item.get("match_lines") or []
            yield Observation(
                TOOL,
                "code_finding",
                f"code:{rule}:{item.get('file_path')}:{lines[0] if lines else ''}",
                {
                    **common,
                    "file": str(item.get("file_path") or ""),
                    "lines": [int(n) for n in lines if isinstance(n, int)],
                    "match": clip(item.get("match_string"), 1000),
                },
            )


def _mobsfscan_version(value: Any, state: _ReportState) -> Iterator[Observation]:
    state.mobsfscan = True
    state.identity["mobsfscan_version"] = value
    return iter(())


def _scorecard_items(level: str, items: list[Any]) -> Iterator[Observation]:
    for item in items:
        if isinstance(item, dict):
            title = _text(item.get("title"))
            yield Observation(
                TOOL,
                "scorecard_item",
                f"scorecard:{item.get('section') or ''}:{clip(title, 200)}",
                {
                    "level": level,
                    "title": clip(title, 500),
                    "description": clip(_text(item.get("description")), limits.MAX_ATTRIBUTE_TEXT_CHARS),
                    "section": str(item.get("section") or ""),
                },
            )


def _appsec(value: Any, state: _ReportState) -> Iterator[Observation]:
    """The scorecard that MobSF 3.6+ embeds in a full report (the same shape as FORMATS.md §1c)."""
    if not isinstance(value, dict):
        return
    for level in _SCORECARD_LEVELS:
        if isinstance(value.get(level), list):
            yield from _scorecard_items(level, value[level])


_SECTIONS = {
    "permissions": _permissions,
    "trackers": _trackers,
    "domains": _domains,
    "urls": _urls,
    "firebase_urls": _firebase,
    "manifest_analysis": _manifest,
    "code_analysis": _rule_findings("code_finding", "code"),
    "android_api": _rule_findings("api_usage", "api"),
    "ios_api": _rule_findings("api_usage", "api"),
    "certificate_analysis": _certificates,
    "appsec": _appsec,
    "results": _mobsfscan_results,
    "mobsfscan_version": _mobsfscan_version,
}

register(MobSFParser())
