"""When an observation happened and who acted, read from its attributes (ARCHITECTURE.md §14).

Pure: the ingest calls it for every observation it stores, the migration for the rows stored before.

- Zeek (any log): ``ts``, epoch seconds (the parser turns ISO 8601 into epoch; FORMATS.md §4).
- HAR requests: ``started`` = ``startedDateTime``, ISO 8601 with its offset (HAR 1.2 §entries).
- PrivacySentry calls and its consent marker: ``time`` = ``MM-DD HH:MM:SS.mmm`` without a year, the
  phone's local time (FORMATS.md §8): the year is the inspection's, the zone the regulator's.
- MobSF and the other static reports carry no time: their facts stand beside the axis.

The party is the SDK whose code made a hooked call (the first frame of the stack that is neither
the platform nor the hook tool, cut to its package prefix), or the host a request or flow went to.
"""

from __future__ import annotations

import datetime
import math
import re
from typing import Any
from zoneinfo import ZoneInfo

PARTY_CHARS = 200
# Frames of the platform, the language runtimes and the hook tool itself: never the caller.
SYSTEM_PREFIXES = (
    "dalvik.",
    "java.",
    "javax.",
    "android.",
    "androidx.",
    "kotlin.",
    "kotlinx.",
    "com.android.",
    "com.google.android.",
    "sun.",
    "libcore.",
    "org.json.",
    "com.yl.lib.",  # PrivacySentry's hooks
    "de.robv.android.xposed.",
    "lsposed.",
    "top.canyie.pine.",
)
_PS_TIME = re.compile(r"^(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?$")
_PACKAGE_PART = re.compile(r"^[a-z_][a-z0-9_]*$")
UTC = datetime.UTC


def observation_time(kind: str, attributes: dict[str, Any], *, year: int | None, zone: str) -> datetime.datetime | None:
    """The moment an observation happened (aware, UTC), or None when its tool gives none."""
    ts = attributes.get("ts")
    if ts is not None and ts.__class__ is not bool:
        try:
            seconds = float(ts)
        except (TypeError, ValueError):
            seconds = math.nan
        if math.isfinite(seconds) and 0 < seconds < 32503680000:  # before year 3000
            return datetime.datetime.fromtimestamp(seconds, UTC)
    started = attributes.get("started")
    if isinstance(started, str) and started:
        try:
            moment = datetime.datetime.fromisoformat(started.replace("Z", "+00:00"))
        except ValueError:
            moment = None
        if moment is not None:
            if moment.tzinfo is None:
                moment = moment.replace(tzinfo=ZoneInfo(zone))
            return moment.astimezone(UTC)
    text = attributes.get("time")
    if year and isinstance(text, str) and kind in ("privacy_api_call", "consent_marker"):
        match = _PS_TIME.match(text.strip())
        if match:
            month, day, hour, minute, second, fraction = match.groups()
            try:
                moment = datetime.datetime(
                    year,
                    int(month),
                    int(day),
                    int(hour),
                    int(minute),
                    int(second),
                    int((fraction or "0").ljust(6, "0")),
                    tzinfo=ZoneInfo(zone),
                )
            except ValueError:
                return None
            return moment.astimezone(UTC)
    return None


def stack_sdk(stack: str) -> str:
    """The package prefix (at most three parts) of the first stack frame that is not the platform's."""
    for line in stack.splitlines():
        frame = line.strip().removesuffix("<-").strip()
        if not frame or frame.startswith(SYSTEM_PREFIXES):
            continue
        name = frame.split("(", 1)[0].split(" ", 1)[0]
        parts = []
        for part in name.split("."):
            if not _PACKAGE_PART.match(part):
                break
            parts.append(part)
        if len(parts) >= 2:
            return ".".join(parts[:3])
    return ""


def observation_party(kind: str, attributes: dict[str, Any]) -> str:
    """The SDK of a hooked call, else the host a request or flow went to; '' for neither."""
    stack = attributes.get("stack")
    if isinstance(stack, str) and stack:
        sdk = stack_sdk(stack)
        if sdk:
            return sdk[:PARTY_CHARS]
    for key in ("host", "resp_h"):
        value = attributes.get(key)
        if isinstance(value, str) and value:
            return value.lower()[:PARTY_CHARS]
    return ""
