"""The address of the client behind the proxies we trust: the one key of every throttle.

Behind a TLS proxy every request comes from the proxy's address (``REMOTE_ADDR``), so a limit keyed
on it is shared by every client. The proxy appends the address it saw to ``X-Forwarded-For``;
that header is believed only as far as the hops are ours:

- ``TRUSTED_PROXY_COUNT``: how many proxies stand in front of the application, each appending
  one address (0, the default: the header is ignored and ``REMOTE_ADDR`` is the client);
- ``TRUSTED_PROXY_CIDRS``: the networks those proxies' addresses are in. When set, a hop whose
  address is outside them is never trusted, so a client that reaches the application directly
  cannot choose its address by sending the header itself. Without it, every peer counts as a
  proxy: right only when nothing but the proxy can reach the application.

Used by django-axes (``AXES_CLIENT_IP_CALLABLE``), the claim limit (``cases.access``) and every DRF
rate limit (``accounts.throttles``).
"""

import ipaddress
from functools import lru_cache

from django.conf import settings


@lru_cache(maxsize=8)
def _networks(cidrs: tuple[str, ...]) -> tuple:
    return tuple(ipaddress.ip_network(cidr.strip(), strict=False) for cidr in cidrs if cidr.strip())


def _parse(address: str):
    try:
        return ipaddress.ip_address(address.strip())
    except ValueError:
        return None


def _trusted(address: str) -> bool:
    networks = _networks(tuple(settings.TRUSTED_PROXY_CIDRS))
    if not networks:
        return True
    parsed = _parse(address)
    return parsed is not None and any(parsed in network for network in networks)


def client_ip(request) -> str:
    """The client's address: ``REMOTE_ADDR``, or the ``X-Forwarded-For`` entry our last trusted
    proxy wrote (walking from the right, one entry per trusted hop, never past an untrusted one)."""
    meta = request.META
    address = meta.get("REMOTE_ADDR", "") or ""
    forwarded = [part.strip() for part in meta.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
    for _hop in range(settings.TRUSTED_PROXY_COUNT):
        if not forwarded or not _trusted(address):
            break
        candidate = forwarded.pop()
        if _parse(candidate) is None:  # not written by our proxy: keep the last address we know
            break
        address = candidate
    return address
