"""Missing security measures → SEC-01 "未采取必要的安全保护措施" (PIPL art. 51; Cybersecurity Law art. 21).

Two things an inspection sees that no device holding personal information should show:

- a management or media service open on the terminal (nmap ``open_port``): telnet (23, 2323), the
  Android debug bridge (5555), RTSP camera streams (554), VNC (5900-5903), RDP (3389), UPnP (1900)
  and MQTT without TLS (1883); found by port or by the service nmap named, so telnet on another port
  counts too; a port nmap could not confirm (``open|filtered``) does not. One candidate per
  (host, service), with port, protocol and nmap's service, product and version in the evidence.
- personal identifiers sent in cleartext HTTP (a HAR request with ``http://``; every Zeek http.log
  request, since Zeek only sees HTTP it can read), found with the personal-data rule's detection
  (``rules/identifiers.py``). One candidate per (device or app, host), with the kinds of data and
  masked examples.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from cases.scanners.base import Candidate, Observation, clip
from cases.scanners.rules import hosts, identifiers, personal_data
from cases.scanners.rules.base import Group, Grouper, Rule

LEGAL_BASIS = "PIPL art. 51; Cybersecurity Law art. 21"

# service key → (label in Chinese, default ports, nmap service names)
_SERVICES: dict[str, tuple[str, frozenset[int], frozenset[str]]] = {
    "telnet": ("Telnet远程登录", frozenset({23, 2323}), frozenset({"telnet"})),
    "adb": ("ADB调试接口", frozenset({5555}), frozenset({"adb", "android-adb"})),
    "rtsp": ("RTSP视频流", frozenset({554}), frozenset({"rtsp"})),
    "vnc": ("VNC远程桌面", frozenset({5900, 5901, 5902, 5903}), frozenset({"vnc", "vnc-1", "vnc-2", "vnc-3"})),
    "rdp": ("RDP远程桌面", frozenset({3389}), frozenset({"ms-wbt-server", "rdp"})),
    "upnp": ("UPnP服务", frozenset({1900}), frozenset({"upnp", "ssdp"})),
    "mqtt": ("未加密MQTT", frozenset({1883}), frozenset({"mqtt"})),
}
_BY_NAME = {name: key for key, (_, _, names) in _SERVICES.items() for name in names}
_BY_PORT = {port: key for key, (_, ports, _) in _SERVICES.items() for port in ports}
# What nmap names these ports from its services table alone, without -sV (5555 "freeciv", 2323
# "3d-nfsd"): the port number decides there.
_PORT_GUESSES = frozenset({"", "unknown", "tcpwrapped", "freeciv", "3d-nfsd"})


def exposed_service(port: int | None, service: str | None, tunnel: str | None = "") -> str | None:
    """Which listed service an open port is: by nmap's service name, else by the port number when
    nmap only guessed from the number. A listed port serving something else (``-sV`` named it) is
    that other thing; a service inside TLS (``tunnel="ssl"``) is encrypted."""
    name = (service or "").lower()
    if tunnel == "ssl" or name.startswith("ssl/"):
        return None
    if name in _BY_NAME:
        return _BY_NAME[name]
    if name in _PORT_GUESSES and isinstance(port, int):
        return _BY_PORT.get(port)
    return None


class ExposedServiceRule(Rule):
    name = "security.exposed_service"
    kinds = frozenset({"open_port"})
    codes = ("SEC-01",)

    def observe(self, observation: Observation) -> Iterable[Candidate]:
        if self.context.product_kind not in ("", "terminal"):
            return ()
        attributes = observation.attributes
        if attributes.get("state") != "open":
            # "open|filtered" (UDP without an answer) is not a confirmed exposure.
            return ()
        port = attributes.get("port")
        service = exposed_service(port, attributes.get("service"), attributes.get("tunnel"))
        if service is None:
            return ()
        label = _SERVICES[service][0]
        host = str(attributes.get("host") or attributes.get("ip") or "")
        protocol = str(attributes.get("protocol") or "")
        return (
            Candidate(
                rule=self.name,
                violation_code="SEC-01",
                title=f"终端{host}开放{label}端口{protocol}/{port}",
                locus=f"exposed:{host}:{service}:{protocol}/{port}",
                evidence={
                    "host": host,
                    "ip": attributes.get("ip"),
                    "hostnames": attributes.get("hostnames") or [],
                    "service": service,
                    "service_label": label,
                    "port": port,
                    "protocol": protocol,
                    "state": attributes.get("state"),
                    "nmap_service": attributes.get("service"),
                    "product": attributes.get("product"),
                    "version": attributes.get("version"),
                    "extrainfo": attributes.get("extrainfo"),
                    "legal_basis": LEGAL_BASIS,
                    "count": 1,
                    "observation": observation.locus,
                },
            ),
        )


class CleartextIdentifierRule(Rule):
    name = "security.cleartext_identifiers"
    kinds = frozenset({"http_request"})
    codes = ("SEC-01",)

    def __init__(self) -> None:
        self._groups = Grouper()

    def observe(self, observation: Observation) -> Iterable[Candidate]:
        attributes = observation.attributes
        if observation.tool == "har" and attributes.get("scheme") != "http":
            return ()
        host = str(attributes.get("host") or attributes.get("resp_h") or "")
        if not host or hosts.is_local(host):
            return ()
        hits = personal_data.identifiers_in(attributes)
        if not hits:
            return ()
        device = str(attributes.get("orig_h") or "")
        group = self._groups.get(f"cleartext:{device or '-'}:{host}", lambda: self._group(device, host, observation))
        kinds = group.evidence["data"]
        for hit in hits:
            if hit.kind not in kinds:
                kinds.append(hit.kind)
                group.evidence["data_labels"].append(identifiers.LABELS[hit.kind])
        group.title = self._title(device, host, group.evidence["data_labels"])
        group.add(
            {
                "data": [hit.kind for hit in hits],
                "where": sorted({hit.where for hit in hits}),
                "values": [hit.value for hit in hits][:5],
                # Without the query: the identifiers are shown masked under "values".
                "request": " ".join(
                    part
                    for part in (
                        str(attributes.get("method") or ""),
                        clip(str(attributes.get("url") or "").split("?")[0], 300),
                    )
                    if part
                ),
                "time": attributes.get("started") or attributes.get("ts"),
                "observation": observation.locus,
            }
        )
        return ()

    @staticmethod
    def _title(device: str, host: str, labels: list[str]) -> str:
        who = f"设备{device}" if device else "被检产品"
        return f"{who}以明文HTTP向{host}发送{'、'.join(labels)}"

    def _group(self, device: str, host: str, observation: Observation) -> Group:
        evidence: dict[str, Any] = {
            "device": device or None,
            "host": host,
            "scheme": "http",
            "tool": observation.tool,
            "data": [],
            "data_labels": [],
            "legal_basis": LEGAL_BASIS,
        }
        return Group("SEC-01", "", evidence)

    def finish(self) -> Iterable[Candidate]:
        return self._groups.candidates(self.name)
