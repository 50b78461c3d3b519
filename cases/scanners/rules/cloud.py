"""A device's traffic to remote (cloud) hosts seen by Zeek → ST-03 candidates.

ST-03 "擅自向云平台传输个人信息" (PIPL arts. 13, 23). Zeek shows which device (``id.orig_h``)
exchanged data with which remote host (``id.resp_h``, named by TLS SNI or the HTTP Host). Only
exchanges that carried data count: established TLS sessions, MQTT sessions, HTTP requests and
connections with payload bytes; refused or unanswered attempts do not. One candidate per remote
host (named by SNI/Host when Zeek saw one); a person decides whether what went there was personal
information.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from cases.scanners import limits
from cases.scanners.base import Candidate, Observation
from cases.scanners.rules import hosts
from cases.scanners.rules.base import Rule

_NO_DATA_STATES = frozenset({"S0", "REJ", "SH", "SHR", "OTH", "RSTOS0", "RSTRH"})
_STREAM_KINDS = frozenset({"connection", "tls", "http_request", "mqtt"})


def _carried_data(kind: str, attributes: dict[str, Any], record: dict[str, Any]) -> bool:
    if kind == "connection":
        if record.get("conn_state") in _NO_DATA_STATES:
            return False
        return (record.get("orig_bytes") or 0) > 0 or (record.get("resp_bytes") or 0) > 0
    if kind == "tls":
        return record.get("established") is not False
    if kind == "mqtt" and attributes.get("message") == "connect":
        status = str(record.get("connect_status") or "")
        return not status or "accepted" in status.lower()
    return True


def _name(kind: str, attributes: dict[str, Any], record: dict[str, Any]) -> str | None:
    if kind == "tls":
        return record.get("server_name") or None
    if kind == "http_request":
        host = str(attributes.get("host") or "")
        return host if host and host != attributes.get("resp_h") else None
    return None


def _tally() -> dict[str, Any]:
    """What is gathered about one remote address (and, merged, about one named target)."""
    return {
        "devices": set(),
        "names": set(),
        "ports": set(),
        "streams": set(),
        "count": 0,
        "bytes_sent": 0,
        "first_seen": None,
        "examples": [],
    }


class CloudConnectionRule(Rule):
    name = "cloud.connection"
    kinds = _STREAM_KINDS
    codes = ("ST-03",)

    def __init__(self) -> None:
        self._remotes: dict[str, dict[str, Any]] = {}

    def observe(self, observation: Observation) -> Iterable[Candidate]:
        attributes = observation.attributes
        device, remote = attributes.get("orig_h"), attributes.get("resp_h")
        if not device or not remote or hosts.is_local(str(remote)):
            return ()
        record = attributes.get("record") if isinstance(attributes.get("record"), dict) else {}
        if not _carried_data(observation.kind, attributes, record):
            return ()
        entry = self._remotes.get(remote)
        if entry is None:
            entry = self._remotes[remote] = _tally()
        entry["devices"].add(device)
        name = _name(observation.kind, attributes, record)
        if name:
            entry["names"].add(name)
        if attributes.get("resp_p") is not None:
            entry["ports"].add(attributes["resp_p"])
        entry["streams"].add(attributes.get("stream") or observation.kind)
        entry["count"] += 1
        if observation.kind == "connection":
            entry["bytes_sent"] += record.get("orig_bytes") or 0
        if entry["first_seen"] is None and attributes.get("ts") is not None:
            entry["first_seen"] = attributes["ts"]
        if len(entry["examples"]) < limits.MAX_EVIDENCE_ITEMS:
            entry["examples"].append(observation.locus)
        return ()

    def finish(self) -> Iterable[Candidate]:
        # Name each remote address by the host names seen for it (SNI, HTTP Host), so the locus
        # survives the address changes of CDNs and clouds; addresses of one name become one candidate.
        targets: dict[str, dict[str, Any]] = {}
        for address, entry in self._remotes.items():
            names = sorted(entry["names"])
            target = names[0] if names else address
            merged = targets.get(target)
            if merged is None:
                merged = targets[target] = {"addresses": set(), **_tally()}
            merged["addresses"].add(address)
            for key in ("devices", "names", "ports", "streams"):
                merged[key] |= entry[key]
            merged["count"] += entry["count"]
            merged["bytes_sent"] += entry["bytes_sent"]
            if merged["first_seen"] is None:
                merged["first_seen"] = entry["first_seen"]
            merged["examples"] = (merged["examples"] + entry["examples"])[: limits.MAX_EVIDENCE_ITEMS]
        for target, merged in targets.items():
            devices = sorted(merged["devices"])
            yield Candidate(
                rule=self.name,
                violation_code="ST-03",
                title=f"设备{devices[0]}{'等' if len(devices) > 1 else ''}向云端主机{target}传输数据",
                locus=f"cloud:{target}",
                evidence={
                    "remote": target,
                    "addresses": sorted(merged["addresses"]),
                    "names": sorted(merged["names"]),
                    "devices": devices,
                    "ports": sorted(merged["ports"]),
                    "streams": sorted(merged["streams"]),
                    "count": merged["count"],
                    "bytes_sent": merged["bytes_sent"],
                    "first_seen": merged["first_seen"],
                    "examples": merged["examples"],
                },
            )
