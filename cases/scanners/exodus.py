"""εxodus results: exodus-standalone JSON, exodus-core based reports and εxodus web API answers.

FORMATS.md §2. Tracker ids are resolved against the εxodus list shipped in ``data/``. The tracker
list itself (``/api/trackers``) is reference data, not a test of an app, and is refused with a reason
that says so.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any, BinaryIO

from cases.scanners import errors, safejson, trackerdb
from cases.scanners.base import Observation, ScanError, clip, register

TOOL = "exodus"
TRACKER_URL = "https://reports.exodus-privacy.eu.org/trackers/{id}/"
_STANDALONE_APP = re.compile(rb'"application"\s*:\s*\{')
_STANDALONE_APK = re.compile(rb'"apk"\s*:\s*\{')


class ExodusParser:
    name = TOOL
    display_name = "εxodus"  # how pages name the tool (a proper name, the same in every language)
    label = "εxodus / exodus-core analysis (JSON)"

    def sniff(self, head: bytes) -> bool:
        text = head.removeprefix(b"\xef\xbb\xbf").lstrip()
        if not text.startswith((b"{", b"[")):
            return False
        if b'"code_signature"' in text and b'"network_signature"' in text:
            return True
        if _STANDALONE_APP.search(text) and _STANDALONE_APK.search(text):
            return True
        if b'"hash_sha256"' in text and (b'"UID"' in text or b'"package"' in text):
            return True
        if b'"handle"' in text and (b'"apk_hash"' in text or b'"uaid"' in text):
            return True
        return b'"reports"' in text and b'"version_code"' in text and b'"trackers"' in text

    def parse(self, stream: BinaryIO) -> Iterator[Observation]:
        if safejson.first_byte(stream) not in (b"{", b"["):
            raise errors.unsupported(TOOL, EXPECTED, "not a JSON document")
        document = safejson.load(stream)
        if _is_tracker_list(document):
            raise ScanError(
                "this is the εxodus tracker list (reference data), not an analysis of an app; "
                "upload the analysis result of the app instead",
                code=errors.REFERENCE_DATA,
            )
        shape = _shape(document)
        if shape == "standalone":
            yield from _standalone(document)
        elif shape == "core":
            yield from _core_report(document)
        elif shape == "api":
            for report in document:
                yield from _api_report(report, handle=report.get("handle"))
        else:
            for handle, body in document.items():
                for report in body["reports"]:
                    if isinstance(report, dict):
                        yield from _api_report({**report, "app_name": body.get("name")}, handle=handle)


EXPECTED = "application+apk | package/UID+trackers | [handle+trackers] | {handle: {reports[]}}"


def _shape(document: Any) -> str:
    """Which εxodus analysis the document is, checked before anything is read; refuse the rest.

    - ``standalone``: exodus_analyze.py -j, ``application`` object with ``apk`` or ``trackers``;
    - ``core``: an exodus-core report, ``package`` or ``UID`` with ``trackers`` or ``hash_sha256``;
    - ``api``: the web API's report details, a non-empty list of objects with ``trackers`` and one of
      ``handle``, ``apk_hash``, ``uaid``, ``version_code``;
    - ``search``: the web API's search, ``{handle: {name, reports: [...]}}``.
    """
    if isinstance(document, dict) and isinstance(document.get("application"), dict):
        if isinstance(document.get("apk"), dict) or isinstance(document.get("trackers"), list):
            return "standalone"
    elif isinstance(document, dict) and ("package" in document or "UID" in document):
        if "trackers" in document or "hash_sha256" in document:
            return "core"
    elif isinstance(document, list) and document:
        if all(
            isinstance(report, dict)
            and "trackers" in report
            and any(key in report for key in ("handle", "apk_hash", "uaid", "version_code"))
            for report in document
        ):
            return "api"
    elif isinstance(document, dict) and document:
        if all(isinstance(body, dict) and isinstance(body.get("reports"), list) for body in document.values()):
            return "search"
    raise errors.unsupported(TOOL, EXPECTED, "not an εxodus analysis: none of its document shapes")


def _is_tracker_list(document: Any) -> bool:
    rows = document.get("trackers") if isinstance(document, dict) else document
    if isinstance(rows, dict):
        rows = list(rows.values())
    return (
        isinstance(rows, list)
        and bool(rows)
        and all(isinstance(row, dict) and "code_signature" in row for row in rows[:5])
    )


def _app_meta(**attributes: Any) -> Observation:
    attributes.setdefault("platform", "android")
    # εxodus results carry no URLs or store listing, so they cannot tell whether a policy exists.
    attributes.update(privacy_policy_url=None, privacy_policy_source=None, privacy_policy_searched=[])
    return Observation(TOOL, "app_meta", "app", attributes)


def _permission(name: str, **extra: Any) -> Observation:
    return Observation(TOOL, "permission", f"permission:{name}", {"name": name, **extra})


def _tracker(tracker_id: Any, name: str | None = None) -> Observation:
    known = trackerdb.by_id(tracker_id) or (trackerdb.by_name(name) if name else None)
    exodus_id = known.id if known else _int_or_none(tracker_id)
    return Observation(
        TOOL,
        "tracker",
        f"tracker:{exodus_id if exodus_id is not None else name}",
        {
            "name": known.name if known else (name or f"εxodus tracker {tracker_id}"),
            "exodus_id": exodus_id,
            "url": TRACKER_URL.format(id=exodus_id) if exodus_id is not None else "",
            "categories": list(known.categories) if known else [],
            "website": known.website if known else "",
        },
    )


def _int_or_none(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _trackers(rows: Any) -> Iterator[Observation]:
    for row in rows if isinstance(rows, list) else []:
        if isinstance(row, dict):
            yield _tracker(row.get("id"), row.get("name"))
        elif isinstance(row, int | str):
            # The web API lists bare ids; exodus-core custom scripts sometimes list names.
            yield _tracker(row, None if _int_or_none(row) is not None else str(row))


def _standalone(document: dict[str, Any]) -> Iterator[Observation]:
    """``exodus_analyze.py -j``: {application: {...}, apk: {path, checksum}, trackers: [{id, name}]}."""
    app = document["application"]
    apk = document.get("apk") if isinstance(document.get("apk"), dict) else {}
    for name in app.get("permissions") or []:
        yield _permission(str(name), status="")
    yield from _trackers(document.get("trackers"))
    yield _app_meta(
        scanner="exodus-standalone",
        app_name=app.get("name"),
        package=app.get("handle"),
        version_name=app.get("version_name"),
        version_code=_str_or_none(app.get("version_code")),
        sha256=apk.get("checksum"),
        exodus_uid=app.get("uaid"),
        libraries=[str(lib) for lib in app.get("libraries") or []][:100],
    )


def _core_report(document: dict[str, Any]) -> Iterator[Observation]:
    """A report written with exodus-core's StaticAnalysis (name, package, permissions with AOSP labels)."""
    for row in document.get("permissions") or []:
        if isinstance(row, dict) and row.get("name"):
            level = str(row.get("protection_level") or "")
            yield _permission(
                str(row["name"]),
                status=level.split("|", 1)[0],
                protection_level=level,
                label=clip(row.get("label"), 300),
                description=clip(row.get("description"), 1000),
                group=str(row.get("permission_group") or ""),
            )
        elif isinstance(row, str):
            yield _permission(row, status="")
    yield from _trackers(document.get("trackers"))
    yield _app_meta(
        scanner="exodus-core",
        app_name=document.get("name"),
        package=document.get("package"),
        version_name=_str_or_none(document.get("version")),
        version_code=_str_or_none(document.get("version_code")),
        sha256=document.get("hash_sha256"),
        exodus_uid=document.get("UID"),
        certificates=len(document.get("certificates") or []),
        libraries=[str(lib) for lib in document.get("libraries") or []][:100],
    )


def _api_report(report: dict[str, Any], *, handle: Any) -> Iterator[Observation]:
    """One report of the εxodus web API (search details, or the reports of a search by handle)."""
    for name in report.get("permissions") or []:
        yield _permission(str(name), status="")
    yield from _trackers(report.get("trackers"))
    yield _app_meta(
        scanner="exodus-api",
        app_name=report.get("app_name"),
        package=handle,
        version_name=_str_or_none(report.get("version_name") or report.get("version")),
        version_code=_str_or_none(report.get("version_code")),
        sha256=report.get("apk_hash"),
        exodus_uid=report.get("uaid"),
        exodus_report=report.get("report") or report.get("id"),
        source=report.get("source"),
    )


def _str_or_none(value: Any) -> str | None:
    return None if value is None else str(value)


register(ExodusParser())
