"""What a scanner output says it is about, and where that disagrees with what was inspected. Pure.

``IdentityReader`` is fed the observations of one scan, in order, and answers an identity dict:

- app reports (MobSF, εxodus ``app_meta``): ``package`` (package or bundle id), ``app_name``,
  ``version_name``, ``version_code``, ``sha256``, ``sha1``, ``md5``, ``platform``, ``source``;
- traffic and network scans (Zeek, nmap): ``devices``, the addresses that originate traffic (Zeek)
  or answered the scan (nmap hosts up), most active first, with their MAC where the file has one,
  ``device_count``, and ``named_device``: how often the address the inspection names was seen.

HAR captures carry no client address; what they can tell is which Android apps' WebViews made
requests (``http_apps``, from the ``X-Requested-With`` header Android's WebView fills with the app's
package name), shown but not compared, because a proxy capture also carries other apps' traffic.
PrivacySentry workbooks name no package or version and SARIF logs no artifact identity a product
version registers: they give no identity and so cannot mismatch.

``compare`` sets the identity against the inspected product version (package name, version and
build, file SHA-256) and the inspection's device address. A field the product version does not
register, or the report does not carry, cannot mismatch.
"""

from __future__ import annotations

import ipaddress
import re
from collections import Counter
from typing import Any

from cases.scanners.base import Observation

# Addresses kept in the identity (most active first) and tracked at all (a capture of a busy
# network stays bounded: beyond this, new addresses are only counted).
DEVICES_SHOWN = 20
DEVICES_TRACKED = 4096
APP_FIELDS = ("package", "app_name", "version_name", "version_code", "sha256", "sha1", "md5", "platform")

_MAC = re.compile(r"^[0-9a-f]{12}$")
_PACKAGE = re.compile(r"^[A-Za-z][\w]*(?:\.[A-Za-z_][\w]*)+$")
_MAC_FORM = re.compile(r"^(?:[0-9a-f]{2}:){5}[0-9a-f]{2}$")


def address_normalize(value: str) -> str:
    """An IP address (compressed form) or a MAC address (``aa:bb:cc:dd:ee:ff``); raise ValueError."""
    text = (value or "").strip()
    try:
        return str(ipaddress.ip_address(text.strip("[]")))
    except ValueError:
        pass
    digits = re.sub(r"[:\-.]", "", text).lower()
    if _MAC.match(digits) and len(text) in (12, 14, 17):
        return ":".join(digits[i : i + 2] for i in range(0, 12, 2))
    raise ValueError(f"{value!r} is neither an IP address nor a MAC address")


def _address(value: Any) -> str:
    """A normalised address from a file, or "" when it is none."""
    if not isinstance(value, str) or not value:
        return ""
    try:
        return address_normalize(value)
    except ValueError:
        return ""


def is_mac(address: str) -> bool:
    """Whether a normalised address is a MAC (six colon-separated octets are never an IPv6 address)."""
    return bool(_MAC_FORM.match(address))


class IdentityReader:
    """Accumulate one scan's identity from its observations (``add`` each, then ``result``)."""

    def __init__(self, *, device_address: str = "") -> None:
        self.named = _address(device_address)
        self.named_seen = 0
        self.app: dict[str, Any] = {}
        self.other_versions: list[str] = []
        self.source = ""
        self.devices: Counter[str] = Counter()
        self.macs: dict[str, str] = {}
        self.untracked = 0
        self.any_mac = False
        self.http_apps: Counter[str] = Counter()

    def add(self, observation: Observation) -> None:
        kind = observation.kind
        if kind == "app_meta":
            self._app_meta(observation)
        elif observation.tool == "zeek":
            self._traffic(observation.attributes)
        elif kind == "host" and observation.tool == "nmap":
            self._host(observation.attributes)
        elif kind == "http_request" and observation.tool == "har":
            self._webview(observation.attributes.get("headers"))

    def _app_meta(self, observation: Observation) -> None:
        attributes = observation.attributes
        self.source = self.source or str(attributes.get("scanner") or observation.tool)
        for name in APP_FIELDS:
            value = attributes.get(name)
            if value in (None, "") or isinstance(value, dict | list):
                continue
            value = str(value)[:200]
            if name not in self.app:
                self.app[name] = value
            elif (
                name in ("version_name", "version_code")
                and value != self.app[name]
                and value not in self.other_versions
            ):
                # An εxodus search lists several reports (versions) of one package.
                if len(self.other_versions) < DEVICES_SHOWN:
                    self.other_versions.append(value)

    def _device(self, address: str, mac: str = "") -> None:
        if not address:
            return
        if address in self.devices or len(self.devices) < DEVICES_TRACKED:
            self.devices[address] += 1
        else:
            self.untracked += 1
        if mac:
            self.any_mac = True
            if address not in self.macs and len(self.macs) < DEVICES_TRACKED:
                self.macs[address] = mac

    def _seen(self, *addresses: str) -> None:
        if self.named and self.named in addresses:
            self.named_seen += 1

    def _traffic(self, attributes: dict[str, Any]) -> None:
        record = attributes.get("record") if isinstance(attributes.get("record"), dict) else {}
        origin, responder = _address(attributes.get("orig_h")), _address(attributes.get("resp_h"))
        mac = _address(record.get("orig_l2_addr"))
        if attributes.get("stream") == "dhcp":
            # A DHCP log names the client by MAC and the address it was given.
            mac = _address(record.get("mac")) or mac
            origin = _address(record.get("assigned_addr")) or _address(record.get("client_addr")) or origin
        self._device(origin, mac)
        self._seen(origin, responder, mac, _address(record.get("resp_l2_addr")))

    def _webview(self, headers: Any) -> None:
        for pair in headers if isinstance(headers, list) else ():
            if isinstance(pair, list) and len(pair) == 2 and str(pair[0]).lower() == "x-requested-with":
                value = str(pair[1]).strip()
                if _PACKAGE.match(value) and (value in self.http_apps or len(self.http_apps) < DEVICES_SHOWN):
                    self.http_apps[value] += 1

    def _host(self, attributes: dict[str, Any]) -> None:
        if attributes.get("state") not in (None, "up"):
            return
        ip, mac = _address(attributes.get("ip")), _address(attributes.get("mac"))
        self._device(ip or mac, mac)
        self._seen(ip, mac)

    def result(self) -> dict[str, Any]:
        identity: dict[str, Any] = {}
        if self.app:
            identity.update(source=self.source, **self.app)
            if self.other_versions:
                identity["other_versions"] = self.other_versions
        if self.http_apps:
            identity["http_apps"] = [
                {"package": package, "requests": count} for package, count in self.http_apps.most_common()
            ]
        if self.devices:
            identity["devices"] = [
                {"address": address, "seen": count, **({"mac": self.macs[address]} if address in self.macs else {})}
                for address, count in self.devices.most_common(DEVICES_SHOWN)
            ]
            identity["device_count"] = len(self.devices) + (1 if self.untracked else 0)
            identity["devices_complete"] = not self.untracked
            if self.named:
                # A MAC cannot be looked for in a file that names no MAC at all.
                comparable = self.any_mac or not is_mac(self.named)
                identity["named_device"] = {"address": self.named, "seen": self.named_seen, "comparable": comparable}
        return identity


def _version_key(text: str) -> str:
    """A version compared loosely: case, spaces, a leading "v" and trailing ".0" parts do not count."""
    text = re.sub(r"\s+", "", str(text).lower()).removeprefix("v")
    while text.endswith(".0") and text.count(".") > 1:
        text = text[:-2]
    return text


def version_agrees(registered: str, reported: list[str]) -> bool:
    """Whether one reported version name or code is the registered version (or its build).

    Also a name that starts with the registered version and goes on with a non-digit
    (``8.0.32 (2100)``, ``8.0.32-beta``) agrees: version strings carry decorations.
    """
    key = _version_key(registered)
    if not key:
        return False
    for value in reported:
        other = _version_key(value)
        if not other:
            continue
        if other == key or (other.startswith(key) and not other[len(key)].isdigit() and other[len(key)] != "."):
            return True
    return False


def compare(
    identity: dict[str, Any],
    *,
    package_name: str = "",
    version: str = "",
    build: str = "",
    file_sha256: str = "",
    device_address: str = "",
) -> list[dict[str, Any]]:
    """The disagreements between a scan's identity and what was inspected, as
    ``[{"field", "registered", "report"}]``; [] when it agrees or cannot tell."""
    mismatch = []
    package = str(identity.get("package") or "")
    if package_name.strip() and package and package.lower() != package_name.strip().lower():
        mismatch.append({"field": "package", "registered": package_name.strip(), "report": package})
    reported = [
        str(identity[name]) for name in ("version_name", "version_code") if identity.get(name) not in (None, "")
    ] + [str(v) for v in identity.get("other_versions") or []]
    registered = [v for v in (version.strip(), build.strip()) if v]
    if registered and reported and not any(version_agrees(v, reported) for v in registered):
        shown = identity.get("version_name") or identity.get("version_code")
        if identity.get("version_name") and identity.get("version_code"):
            shown = f"{identity['version_name']} ({identity['version_code']})"
        mismatch.append({"field": "version", "registered": " / ".join(registered), "report": shown})
    sha256 = str(identity.get("sha256") or "").lower()
    if file_sha256.strip() and sha256 and sha256 != file_sha256.strip().lower():
        mismatch.append({"field": "sha256", "registered": file_sha256.strip().lower(), "report": sha256})
    if device_address and identity.get("devices") and not _device_seen(identity, device_address):
        seen = ", ".join(device["address"] for device in identity["devices"][:5])
        if identity.get("device_count", 0) > 5:
            seen += ", …"
        mismatch.append({"field": "device_address", "registered": device_address, "report": seen})
    return mismatch


def _device_seen(identity: dict[str, Any], device_address: str) -> bool:
    """Whether the named device is in the traffic; True when the file cannot tell."""
    address = _address(device_address)
    named = identity.get("named_device")
    if isinstance(named, dict) and named.get("address") == address:
        return bool(named.get("seen")) or not named.get("comparable", True)
    # An identity read without the named address: only a complete list can say "not there".
    devices = identity["devices"]
    if not identity.get("devices_complete") or identity.get("device_count", 0) > len(devices):
        return True
    if is_mac(address) and not any("mac" in device for device in devices):
        return True
    return any(address in (device.get("address"), device.get("mac")) for device in devices)
