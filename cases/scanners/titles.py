"""Finding titles in the reader's language, from a template with parameters (issue 15: one language
per page).

The detection rules store a Chinese title on each finding: the record, and the text the official
documents quote. Pages show the title again from a template and the parameters the rule kept in the
finding's evidence, in the page's language. The template is chosen by rendering each of the rule's
templates in Chinese and keeping the one that gives the stored title, so the two never disagree; a
finding whose rule has no template here, whose evidence lacks a parameter or whose stored title was
written otherwise (older wording, clipped) shows its stored title.
"""

from __future__ import annotations

from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

from django.utils import translation
from django.utils.translation import gettext_lazy as _

from cases.scanners.rules import cloud, consent, permissions

T_PERMISSION = _("Requests the %(label)s permission: %(permission)s")
T_SDK_COLLECTS = _("Integrates a third-party SDK that collects device information: %(sdk)s")
T_SDK_SHARES = _("Provides personal information to a third party through an SDK: %(sdk)s")
T_NO_PRIVACY_POLICY = _("No privacy policy link found")
T_EXPOSED_SERVICE = _("Terminal %(host)s exposes %(label)s on port %(protocol)s/%(port)s")
T_SCORECARD_SDK = _("The SDK integrates third-party trackers (MobSF scorecard summary)")
T_SCORECARD_SDK_N = _("The SDK integrates third-party trackers (MobSF scorecard summary): %(count)s")
T_SCORECARD_APP = _("The app integrates third-party trackers (MobSF scorecard summary)")
T_SCORECARD_APP_N = _("The app integrates third-party trackers (MobSF scorecard summary): %(count)s")
T_SCORECARD_PERMISSIONS = _("Requests %(count)s dangerous permissions (MobSF scorecard summary)")
T_DATA_TO_THIRD_PARTY = _("Sends %(data)s to the third party %(tracker)s (%(host)s)")
T_DATA_TO_SERVER = _("Transmits %(data)s to the remote server %(host)s")
T_HARDWARE_IDS = _("Reads device hardware identifiers (%(rule)s): %(file)s")
T_CLEARTEXT_DEVICE = _("Device %(device)s sends %(data)s in cleartext HTTP to %(host)s")
T_BEFORE_CONSENT = _("Calls %(description)s before the privacy policy is accepted (%(function)s)")
T_FREQUENT = _("Reads %(category)s frequently: %(reads)s times")
T_FREQUENT_WINDOW = _("Reads %(category)s frequently: %(reads)s times within %(window)s s")
T_FREQUENT_AFTER = _("After the privacy policy is accepted, reads %(category)s frequently: %(reads)s times")
T_FREQUENT_AFTER_WINDOW = _(
    "After the privacy policy is accepted, reads %(category)s frequently: %(reads)s times within %(window)s s"
)
T_BEFORE_CONSENT_CALL = _("Calls %(function)s before the privacy policy is accepted")
T_CLOUD_DEVICE = _("Device %(device)s")
T_CLOUD_TERMINAL = _("The terminal under test")
T_CLOUD_ADDRESS = _("address %(address)s")
T_CLOUD_ABROAD = _(" (abroad: %(countries)s)")
T_CLOUD_VOLUME = _("sent %(sent)s, received %(received)s")
T_CLOUD_UNMEASURED = _("data transferred (the log recorded no byte counts)")
T_CLOUD_DATED = _("; ownership data of %(date)s")
T_CLOUD = _(
    "%(device)s to %(owner)s%(abroad)s: %(volume)s (%(connections)s connections, %(addresses)s addresses; "
    "rank %(rank)s by bytes sent%(dated)s)"
)
T_CLEARTEXT_PRODUCT = _("The product under test sends %(data)s in cleartext HTTP to %(host)s")

# The identifiers' names in English (rules/identifiers.py keeps the Chinese ones).
DATA_NAMES_EN = {
    "imei": "IMEI",
    "meid": "MEID",
    "imsi": "IMSI",
    "android_id": "Android ID",
    "mac": "MAC address",
    "phone": "phone number",
    "id_number": "ID card number",
    "coordinates": "precise location",
}

# The exposed services' names in English (the rule keeps the Chinese one in the evidence).
SERVICE_NAMES_EN = {
    "telnet": "Telnet remote login",
    "adb": "ADB debugging",
    "rtsp": "RTSP video stream",
    "vnc": "VNC remote desktop",
    "rdp": "RDP remote desktop",
    "upnp": "UPnP",
    "mqtt": "unencrypted MQTT",
}


def _permission(evidence: dict[str, Any], chinese: bool) -> dict[str, Any]:
    short, item = permissions.entry(str(evidence["permission"]))
    if chinese:
        label = item["label"]
    else:
        words = str(item.get("group") or short).split("_")
        label = " ".join(word if len(word) <= 3 else word.lower() for word in words)  # SMS, location
    return {"label": label, "permission": short}


def _sdk(evidence: dict[str, Any], chinese: bool) -> dict[str, Any]:
    return {"sdk": evidence["sdk"]}


def _nothing(evidence: dict[str, Any], chinese: bool) -> dict[str, Any]:
    return {}


def _service(evidence: dict[str, Any], chinese: bool) -> dict[str, Any]:
    label = evidence["service_label"] if chinese else SERVICE_NAMES_EN[evidence["service"]]
    return {"host": evidence["host"], "label": label, "protocol": evidence["protocol"], "port": evidence["port"]}


def _count(evidence: dict[str, Any], chinese: bool) -> dict[str, Any]:
    return {"count": evidence["trackers"] if "trackers" in evidence else evidence["critical_permissions"]}


def _data(evidence: dict[str, Any], chinese: bool) -> dict[str, Any]:
    data = evidence["data_label"] if chinese else DATA_NAMES_EN[evidence["data"]]
    return {"data": data, "host": evidence["host"], "tracker": evidence.get("tracker") or ""}


def _hardware_ids(evidence: dict[str, Any], chinese: bool) -> dict[str, Any]:
    file = str(evidence["file"]).rsplit("/", 1)[-1] or ("源代码" if chinese else "source code")
    return {"rule": evidence["rule_id"], "file": file}


def _cleartext(evidence: dict[str, Any], chinese: bool) -> dict[str, Any]:
    if chinese:
        data = "、".join(evidence["data_labels"])
    else:
        data = ", ".join(DATA_NAMES_EN[kind] for kind in evidence["data"])
    return {"device": evidence.get("device") or "", "data": data, "host": evidence["host"]}


def _category(evidence: dict[str, Any], chinese: bool) -> str:
    return evidence["category"] if chinese else consent.ITEMS[evidence["item"]]["en"]


def _before_consent(evidence: dict[str, Any], chinese: bool) -> dict[str, Any]:
    # The tool's own description, when it gave one, is not kept: such titles show as stored.
    return {"description": _category(evidence, chinese), "function": evidence["function"]}


def _frequent(evidence: dict[str, Any], chinese: bool) -> dict[str, Any]:
    window = evidence.get("window_seconds")
    return {
        "category": _category(evidence, chinese),
        "reads": evidence["reads"],
        "window": f"{window:g}" if window is not None else None,
    }


# rule name → (its templates, the parameters from the evidence in Chinese or in another language)
RULE_TITLES: dict[str, tuple[tuple[Any, ...], Callable[[dict[str, Any], bool], dict[str, Any]]]] = {
    "permission.sensitive": ((T_PERMISSION,), _permission),
    "tracker.identifying": ((T_SDK_COLLECTS, T_SDK_SHARES), _sdk),
    "privacy_policy.missing": ((T_NO_PRIVACY_POLICY,), _nothing),
    "security.exposed_service": ((T_EXPOSED_SERVICE,), _service),
    "mobsf.scorecard_summary": (
        (T_SCORECARD_SDK_N, T_SCORECARD_SDK, T_SCORECARD_APP_N, T_SCORECARD_APP, T_SCORECARD_PERMISSIONS),
        _count,
    ),
    "personal_data.transmitted": ((T_DATA_TO_THIRD_PARTY, T_DATA_TO_SERVER), _data),
    "static.hardware_ids": ((T_HARDWARE_IDS,), _hardware_ids),
    "security.cleartext_identifiers": ((T_CLEARTEXT_DEVICE, T_CLEARTEXT_PRODUCT), _cleartext),
    "consent.before_policy": ((T_BEFORE_CONSENT,), _before_consent),
    "consent.frequent_reads": ((T_FREQUENT_AFTER_WINDOW, T_FREQUENT_AFTER, T_FREQUENT_WINDOW, T_FREQUENT), _frequent),
}


def _cloud(evidence: dict[str, Any], stored: str) -> str | None:
    """The cloud-connection rule's title, composed as ``rules.cloud`` composes the Chinese one."""
    group = SimpleNamespace(device=evidence["device"], owner=evidence["owner"], basis=evidence["owner_basis"])
    if cloud.CloudConnectionRule._title(group, evidence) != stored:
        return None
    device = str(T_CLOUD_DEVICE) % {"device": group.device} if group.device else str(T_CLOUD_TERMINAL)
    owner = group.owner if group.basis != "address" else str(T_CLOUD_ADDRESS) % {"address": group.owner}
    abroad = ""
    if evidence["cross_border"]:
        abroad = str(T_CLOUD_ABROAD) % {"countries": ", ".join(evidence["cross_border_countries"])}
    if evidence["bytes_measured"]:
        sent, received = cloud.human_bytes(evidence["bytes_sent"]), cloud.human_bytes(evidence["bytes_received"])
        volume = str(T_CLOUD_VOLUME) % {"sent": sent, "received": received}
    else:
        volume = str(T_CLOUD_UNMEASURED)
    dated = str(T_CLOUD_DATED) % {"date": evidence["owner_data"]["date"]} if evidence["owner_data"] else ""
    return str(T_CLOUD) % {
        "device": device,
        "owner": owner,
        "abroad": abroad,
        "volume": volume,
        "connections": evidence["connections"],
        "addresses": evidence["addresses"],
        "rank": evidence["rank"],
        "dated": dated,
    }


def _before_consent_described(evidence: dict[str, Any], stored: str) -> str | None:
    """A before-consent title that quotes the tool's own description of the call (not kept): the
    English one names the call only."""
    function = evidence["function"]
    if stored.startswith("同意隐私政策前调用") and stored.endswith(f"（{function}）"):
        return str(T_BEFORE_CONSENT_CALL) % {"function": function}
    return None


# rule name → a title composed from the evidence when no template gives the stored one (None: keep it)
RULE_COMPOSED: dict[str, Callable[[dict[str, Any], str], str | None]] = {
    "cloud.connection": _cloud,
    "consent.before_policy": _before_consent_described,
}


def _render(template, params: dict[str, Any]) -> str:
    return str(template) % params if params else str(template)


def display_title(*, rule: str, evidence: dict[str, Any] | None, stored: str) -> str:
    """The finding's title in the active language (the stored one where it cannot be rebuilt)."""
    entry = RULE_TITLES.get(rule)
    composed = RULE_COMPOSED.get(rule)
    language = translation.get_language() or ""
    if (entry is None and composed is None) or not evidence or language.startswith("zh"):
        return stored
    try:
        if entry is not None:
            templates, params_of = entry
            chinese, local = params_of(evidence, True), params_of(evidence, False)
            with translation.override("zh-hans"):
                template = next((t for t in templates if _render(t, chinese) == stored), None)
            if template is not None:
                return _render(template, local)
        return (composed(evidence, stored) if composed else None) or stored
    except (KeyError, TypeError, ValueError):
        return stored
