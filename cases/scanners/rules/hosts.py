"""Where traffic goes: the local network, a known third-party tracker, or some other remote host."""

from __future__ import annotations

import ipaddress
from functools import lru_cache

from cases.scanners import trackerdb

_LOCAL_SUFFIXES = (".local", ".lan", ".home", ".home.arpa", ".internal", ".localdomain", ".arpa")


# Large enough that a capture of tens of thousands of hosts does not cycle through it.
@lru_cache(maxsize=65536)
def is_local(host: str) -> bool:
    """Loopback, private, link-local or multicast addresses and mDNS/LAN names never leave the site."""
    host = (host or "").strip("[]").rstrip(".").lower()
    if not host or host == "localhost":
        return True
    if ":" not in host and not host.replace(".", "").isdigit():
        # Not an address (IPv6 has a colon, IPv4 only digits and dots): skip the costly ValueError.
        return host.endswith(_LOCAL_SUFFIXES)
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return host.endswith(_LOCAL_SUFFIXES)
    return (
        address.is_private
        or address.is_loopback
        or address.is_link_local
        or address.is_multicast
        or address.is_unspecified
        or address.is_reserved
    )


def tracker(host: str) -> trackerdb.Tracker | None:
    """The εxodus tracker whose network signature matches this host (a third party), if any."""
    return trackerdb.for_host((host or "").lower())


# Second-level labels under which registries sell names (a small, documented subset of the Public
# Suffix List's ICANN section: China's and the regions' most seen ones); any other name's
# registrable domain is its last two labels. An approximation, used only to name an owner when the
# offline IP data has none for an address.
_MULTI_LABEL_SUFFIXES = frozenset(
    {
        *(f"{label}.cn" for label in ("com", "net", "org", "gov", "edu", "ac", "mil")),
        *(f"{label}.hk" for label in ("com", "net", "org", "edu", "gov")),
        *(f"{label}.tw" for label in ("com", "net", "org", "edu", "gov")),
        *(f"{label}.mo" for label in ("com", "net", "org", "edu", "gov")),
        "co.uk",
        "org.uk",
        "ac.uk",
        "co.jp",
        "ne.jp",
        "or.jp",
        "co.kr",
        "com.au",
        "net.au",
        "com.sg",
        "com.br",
        "co.in",
    }
)


def registrable_domain(name: str) -> str:
    """The registered domain of a host name (``a.b.example.com.cn`` → ``example.com.cn``); an address
    or a one-label name is returned as it is."""
    name = (name or "").strip().rstrip(".").lower()
    if not name or ":" in name or name.replace(".", "").isdigit():
        return name
    labels = name.split(".")
    if len(labels) <= 2:
        return name
    if ".".join(labels[-2:]) in _MULTI_LABEL_SUFFIXES:
        return ".".join(labels[-3:])
    return ".".join(labels[-2:])
