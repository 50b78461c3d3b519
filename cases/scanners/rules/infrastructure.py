"""Network housekeeping a device does whatever it is: not a transfer of personal information.

Time (NTP), name resolution (DNS, DNS over TLS, mDNS, LLMNR, NetBIOS name and datagram services),
address configuration (DHCP), discovery (SSDP) and traffic that never leaves the site (multicast,
broadcast, link-local, private and loopback addresses) are excluded from the traffic rule by
default; the candidates list what was excluded, by kind, so a reviewer can see it was seen.
Ports are the IANA assignments (RFC 5905 NTP 123, RFC 1035 DNS 53, RFC 7858 DNS over TLS 853,
RFC 2131 DHCP 67/68, RFC 6762 mDNS 5353, RFC 4795 LLMNR 5355, RFC 1002 NetBIOS 137/138, UPnP SSDP
1900).
"""

from __future__ import annotations

import ipaddress
from functools import lru_cache

from cases.scanners.rules import hosts

# (transport, port) → kind; None as transport: any transport.
_PORTS: dict[tuple[str | None, int], str] = {
    ("udp", 123): "ntp",
    (None, 53): "dns",
    (None, 853): "dns",
    ("udp", 67): "dhcp",
    ("udp", 68): "dhcp",
    ("udp", 546): "dhcp",
    ("udp", 547): "dhcp",
    ("udp", 5353): "mdns",
    ("udp", 1900): "ssdp",
    (None, 5355): "llmnr",
    ("udp", 137): "netbios",
    ("udp", 138): "netbios",
}
# Zeek's ``service`` names for the same protocols (its analyzers recognise them on any port).
_SERVICES = {"ntp": "ntp", "dns": "dns", "dhcp": "dhcp", "mdns": "mdns", "ssdp": "ssdp", "netbios-ns": "netbios"}
_GROUPS = {
    "224.0.0.251": "mdns",
    "ff02::fb": "mdns",
    "239.255.255.250": "ssdp",
    "ff02::c": "ssdp",
    "224.0.0.252": "llmnr",
    "ff02::1:3": "llmnr",
}
KINDS = ("ntp", "dns", "dhcp", "mdns", "ssdp", "llmnr", "netbios", "multicast", "broadcast", "link_local", "local")


@lru_cache(maxsize=65536)
def _address_kind(address: str) -> str | None:
    text = (address or "").strip("[]").lower()
    if text in _GROUPS:
        return _GROUPS[text]
    try:
        parsed = ipaddress.ip_address(text)
    except ValueError:
        return "local" if hosts.is_local(text) else None
    if parsed.is_multicast:
        return "multicast"
    if text == "255.255.255.255":
        return "broadcast"
    if parsed.is_link_local:
        return "link_local"
    if hosts.is_local(text):
        return "local"
    return None


def kind(*, address: str, port: int | None, transport: str = "", service: str = "") -> str | None:
    """The housekeeping kind of an exchange with ``address:port``, or None for a real destination."""
    by_address = _address_kind(address)
    if by_address in ("mdns", "ssdp", "llmnr"):
        return by_address
    transport = (transport or "").lower()
    if port is not None:
        found = _PORTS.get((transport, port)) or _PORTS.get((None, port))
        if found:
            return found
    for name in (service or "").lower().split(","):
        if name.strip() in _SERVICES:
            return _SERVICES[name.strip()]
    return by_address
