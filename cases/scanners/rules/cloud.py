"""A device's traffic, read as an investigator reads it → ST-03, one candidate per (device, owner).

ST-03 "擅自向云平台传输个人信息" (PIPL arts. 13, 23). Zeek (conn, ssl, http, mqtt; dns for names)
shows which device (``id.orig_h``) exchanged data with which address (``id.resp_h``); a HAR capture
of a terminal shows the requests of the one client it was taken on. What counts is what the device
did, summed per destination owner: the organisation behind the address (the AS name from the
offline data of ``cases.scanners.ipowners``, never a network lookup), or, for a named host the data
does not know, its registrable domain. A smart speaker talking to 112 addresses of its maker's
cloud is one fact, so one candidate, with bytes sent and received, connections, first and last
seen, the top hosts (names from TLS SNI, HTTP Host and DNS answers), the countries, and its rank by
bytes sent among the scan's candidates.

A connection counts when it carried payload one way or the other, whatever its Zeek state (``OTH``
for a session whose handshake was not seen, ``SF``, ``S1``, ``RSTO``...): the decision is made on
``orig_bytes``/``resp_bytes``, bounded by the IP bytes Zeek counted where it has them (its byte
counts come from TCP sequence numbers, which over-count when the start of a session was missed).
Housekeeping (``rules/infrastructure.py``: NTP, DNS, DHCP, mDNS, SSDP, multicast, link-local,
local...) is excluded and listed, by kind, in the evidence of the device's candidates.

Destinations outside mainland China are marked as cross-border (PIPL arts. 38-40; Hong Kong, Macao
and Taiwan count as outside the mainland for this purpose), with the data's date beside the
conclusion: IP allocation changes, and the data ages. A person decides whether what went there was
personal information.
"""

from __future__ import annotations

import ipaddress
from array import array
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from cases.scanners import ipowners, limits
from cases.scanners.base import Candidate, Observation, ScanError
from cases.scanners.rules import hosts, infrastructure
from cases.scanners.rules.base import Rule

_STREAM_KINDS = frozenset({"connection", "tls", "http_request", "mqtt"})
_MAX_NAMES = 20
_TOP_HOSTS = 5
_EXCLUDED_DESTINATIONS = 5
CROSS_BORDER_BASIS = "PIPL arts. 38-40 (个人信息出境); HK, MO and TW count as outside mainland China"
TERMINAL_LABEL = "被检终端"


@dataclass(slots=True)
class _Endpoint:
    """What one device exchanged with one address (or, in a HAR without addresses, one host).

    A capture can hold a device's exchanges with hundreds of thousands of addresses: what is kept
    per address is small (tuples, sets made only when needed).
    """

    names: set[str] | None = None
    ports: tuple[int, ...] = ()
    streams: tuple[str, ...] = ()
    connections: int = 0
    sessions: set[str] | None = None
    exchanges: int = 0
    # Whether some record gave byte counts (conn.log, HAR sizes); ssl, http and mqtt logs have none.
    measured: bool = False
    bytes_sent: int = 0
    bytes_received: int = 0
    first: float | None = None
    last: float | None = None
    observations: int = 0
    # Positions of the observations summarised here (``Candidate.sources``: the ingest marks them mapped).
    seqs: array | None = None
    # (observation locus, address, port, conn state, bytes sent, bytes received)
    examples: tuple[tuple[Any, ...], ...] = ()

    @property
    def connection_count(self) -> int:
        # conn.log records where the file has them; otherwise the sessions of ssl/http/mqtt records
        # (distinct uids), and requests without a uid (HAR) one by one.
        return self.connections or (len(self.sessions or ()) + self.exchanges)

    def example_dicts(self) -> list[dict[str, Any]]:
        found = []
        for locus, address, port, state, sent, received in self.examples:
            example = {"observation": locus, "address": address, "port": port}
            if state is not None:
                example.update(state=state, bytes_sent=sent, bytes_received=received)
            found.append(example)
        return found

    def seen(self, start: float | None, end: float | None) -> None:
        if start is not None and (self.first is None or start < self.first):
            self.first = start
        end = end if end is not None else start
        if end is not None and (self.last is None or end > self.last):
            self.last = end


@dataclass
class _Excluded:
    count: int = 0
    destinations: list[str] = field(default_factory=list)

    def add(self, destination: str) -> None:
        self.count += 1
        if destination not in self.destinations and len(self.destinations) < _EXCLUDED_DESTINATIONS:
            self.destinations.append(destination)


def _int(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else 0


def payload(record: dict[str, Any]) -> tuple[int, int]:
    """Bytes of payload sent and received on one Zeek connection.

    ``orig_bytes``/``resp_bytes`` come from TCP sequence numbers; when a session's start was not seen
    they can exceed what crossed the wire, so they are bounded by ``orig_ip_bytes``/``resp_ip_bytes``
    (payload plus headers) where Zeek counted those. Missed bytes (``missed_bytes``, gaps in the
    capture) were still sent, so they stay in.
    """
    sent, received = _int(record.get("orig_bytes")), _int(record.get("resp_bytes"))
    for key, value in (("orig_ip_bytes", sent), ("resp_ip_bytes", received)):
        bound = record.get(key)
        if isinstance(bound, int) and not isinstance(bound, bool) and bound >= 0 and value > bound:
            if key == "orig_ip_bytes":
                sent = bound
            else:
                received = bound
    return sent, received


def _carried_data(kind: str, attributes: dict[str, Any], record: dict[str, Any]) -> bool:
    if kind == "connection":
        sent, received = payload(record)
        return sent > 0 or received > 0
    if kind == "tls":
        return record.get("established") is not False
    if kind == "mqtt" and attributes.get("message") == "connect":
        status = str(record.get("connect_status") or "")
        return not status or "accepted" in status.lower()
    return True


def _name(kind: str, attributes: dict[str, Any], record: dict[str, Any]) -> str | None:
    if kind == "tls":
        return str(record.get("server_name") or "").lower().rstrip(".") or None
    if kind == "http_request":
        host = str(attributes.get("host") or "").lower()
        return host if host and host != attributes.get("resp_h") and not _is_address(host) else None
    return None


def _is_address(text: str) -> bool:
    try:
        ipaddress.ip_address(text.strip("[]"))
    except ValueError:
        return False
    return True


def _epoch(value: Any) -> float | None:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    if isinstance(value, str) and value:
        try:
            moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
        return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp()
    return None


def _iso(epoch: float | None) -> str | None:
    return datetime.fromtimestamp(epoch, UTC).isoformat().replace("+00:00", "Z") if epoch is not None else None


def human_bytes(count: int) -> str:
    """Decimal units, as capture tools and investigators write them (25 KB, 2.9 MB)."""
    value = float(count)
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1000 or unit == "GB":
            return f"{int(value)} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1000
    return f"{count} B"  # pragma: no cover


@dataclass
class _OwnerGroup:
    device: str
    owner: str
    basis: str
    endpoints: list[tuple[str, _Endpoint, ipowners.Owner | None]] = field(default_factory=list)

    def total(self, attribute: str) -> int:
        return sum(getattr(endpoint, attribute) for _, endpoint, _ in self.endpoints)

    @property
    def connections(self) -> int:
        return sum(endpoint.connection_count for _, endpoint, _ in self.endpoints)


class CloudConnectionRule(Rule):
    name = "cloud.connection"
    kinds = _STREAM_KINDS | {"dns"}
    codes = ("ST-03",)

    def __init__(self) -> None:
        self._endpoints: dict[tuple[str, str], _Endpoint] = {}
        # Address → host names DNS answered with it (a conn.log alone names nothing).
        self._dns_names: dict[str, set[str]] = {}
        self._excluded: dict[str, dict[str, _Excluded]] = {}

    def observe(self, observation: Observation) -> Iterable[Candidate]:
        attributes = observation.attributes
        record = attributes.get("record") if isinstance(attributes.get("record"), dict) else {}
        if observation.kind == "dns":
            self._learn_dns(record)
            return ()
        if attributes.get("orig_h"):
            device, remote = str(attributes["orig_h"]), str(attributes.get("resp_h") or "")
            port = attributes.get("resp_p")
            transport = str(record.get("proto") or ("tcp" if observation.kind != "connection" else ""))
        elif observation.tool == "har" and self.context.product_kind == "terminal":
            # A HAR names no client: it is the capture of the inspected terminal itself. Behind a
            # proxy, serverIPAddress can be the proxy's local address: the host name says more then.
            device = ""
            server_ip, host = str(attributes.get("server_ip") or ""), str(attributes.get("host") or "")
            remote = server_ip if server_ip and (not hosts.is_local(server_ip) or not host) else host
            port = attributes.get("port") or (443 if attributes.get("scheme") == "https" else 80)
            transport = "tcp"
        else:
            return ()
        if not remote:
            return ()
        housekeeping = infrastructure.kind(
            address=remote, port=port, transport=transport, service=str(record.get("service") or "")
        )
        if housekeeping:
            self._exclude(device, housekeeping, f"{remote}:{port}" if port is not None else remote)
            return ()
        if not _carried_data(observation.kind, attributes, record):
            self._exclude(device, "no_payload", f"{remote}:{port}" if port is not None else remote)
            return ()
        endpoint = self._endpoints.get((device, remote))
        if endpoint is None:
            endpoint = self._endpoints[(device, remote)] = _Endpoint()
        name = _name(observation.kind, attributes, record)
        if name:
            if endpoint.names is None:
                endpoint.names = set()
            if len(endpoint.names) < _MAX_NAMES:
                endpoint.names.add(name)
        if isinstance(port, int) and port not in endpoint.ports:
            endpoint.ports += (port,)
        stream = str(attributes.get("stream") or observation.tool)
        if stream not in endpoint.streams:
            endpoint.streams += (stream,)
        sent = received = 0
        if observation.kind == "connection":
            sent, received = payload(record)
            endpoint.connections += 1
            endpoint.measured = True
        elif attributes.get("uid"):
            if endpoint.sessions is None:
                endpoint.sessions = set()
            endpoint.sessions.add(str(attributes["uid"]))
        else:
            endpoint.exchanges += 1
            sent, received = _int(attributes.get("bytes_sent")), _int(attributes.get("bytes_received"))
            endpoint.measured = endpoint.measured or "bytes_sent" in attributes
        endpoint.bytes_sent += sent
        endpoint.bytes_received += received
        start = _epoch(attributes.get("ts") if attributes.get("ts") is not None else attributes.get("started"))
        duration = record.get("duration")
        end = start + duration if start is not None and isinstance(duration, int | float) else None
        endpoint.seen(start, end)
        endpoint.observations += 1
        if self.seq:
            if endpoint.seqs is None:
                endpoint.seqs = array("I")
            endpoint.seqs.append(self.seq)
            self.cursor.fed = self.seq
        if len(endpoint.examples) < limits.MAX_EVIDENCE_ITEMS:
            state = (record.get("conn_state") or "") if observation.kind == "connection" else None
            endpoint.examples += ((observation.locus, remote, port, state, sent, received),)
        return ()

    def _learn_dns(self, record: dict[str, Any]) -> None:
        query = str(record.get("query") or "").lower().rstrip(".")
        if not query or hosts.is_local(query):
            return
        for answer in record.get("answers") or ():
            answer = str(answer)
            if _is_address(answer):
                names = self._dns_names.setdefault(answer, set())
                if len(names) < _MAX_NAMES:
                    names.add(query)

    def _exclude(self, device: str, kind: str, destination: str) -> None:
        per_device = self._excluded.setdefault(device, {})
        per_device.setdefault(kind, _Excluded()).add(destination)

    def _owner(self, remote: str, names: set[str]) -> tuple[str, str, ipowners.Owner | None]:
        """(owner key, basis, what the offline data says of the address)."""
        owner = None
        if _is_address(remote):
            try:
                owner = ipowners.lookup(remote)
            except ipowners.OwnerDataError as exc:
                raise ScanError(f"the IP owner reference data cannot be used: {exc}") from None
            if owner is not None and owner.asn_name:
                return owner.asn_name, "asn", owner
        if names:
            domains = Counter(hosts.registrable_domain(name) for name in names)
            return min(domains, key=lambda domain: (-domains[domain], domain)), "domain", owner
        return remote, "address", owner

    def finish(self) -> Iterable[Candidate]:
        groups: dict[tuple[str, str], _OwnerGroup] = {}
        for (device, remote), endpoint in self._endpoints.items():
            endpoint.names = (endpoint.names or set()) | self._dns_names.get(remote, set())
            owner, basis, facts = self._owner(remote, endpoint.names)
            group = groups.get((device, owner))
            if group is None:
                group = groups[(device, owner)] = _OwnerGroup(device=device, owner=owner, basis=basis)
            group.endpoints.append((remote, endpoint, facts))
        ranked = sorted(
            groups.values(),
            key=lambda g: (-g.total("bytes_sent"), -g.total("bytes_received"), -g.connections, g.device, g.owner),
        )
        looked_up = any(facts is not None for group in ranked for _, _, facts in group.endpoints)
        data = ipowners.info().as_evidence() if looked_up else None
        for rank, group in enumerate(ranked, start=1):
            yield self._candidate(group, rank, len(ranked), data)

    def _candidate(self, group: _OwnerGroup, rank: int, of: int, data: dict[str, str] | None) -> Candidate:
        endpoints = sorted(group.endpoints, key=lambda item: (-item[1].bytes_sent, -item[1].bytes_received, item[0]))
        countries: Counter[str] = Counter()
        outside = 0
        for _, endpoint, facts in endpoints:
            if facts is not None and facts.country:
                countries[facts.country] += endpoint.bytes_sent or 1
                if facts.outside_mainland:
                    outside += endpoint.bytes_sent
        abroad = sorted(country for country in countries if country not in ipowners.MAINLAND)
        cross_border = bool(abroad) if countries else None
        names = sorted({name for _, endpoint, _ in endpoints for name in endpoint.names})
        firsts = [endpoint.first for _, endpoint, _ in endpoints if endpoint.first is not None]
        lasts = [endpoint.last for _, endpoint, _ in endpoints if endpoint.last is not None]
        examples = [
            example for _, endpoint, _ in endpoints[: limits.MAX_EVIDENCE_ITEMS] for example in endpoint.example_dicts()
        ]
        sent, received, connections = group.total("bytes_sent"), group.total("bytes_received"), group.connections
        excluded = self._excluded.get(group.device, {})
        evidence: dict[str, Any] = {
            "device": group.device or None,
            "owner": group.owner,
            "owner_basis": group.basis,
            "bytes_sent": sent,
            "bytes_received": received,
            "bytes_measured": any(endpoint.measured for _, endpoint, _ in endpoints),
            "connections": connections,
            "addresses": len(endpoints),
            "first_seen": _iso(min(firsts)) if firsts else None,
            "last_seen": _iso(max(lasts)) if lasts else None,
            "rank": rank,
            "of": of,
            "top_hosts": [
                {
                    "address": remote,
                    "names": sorted(endpoint.names)[:_MAX_NAMES],
                    "country": facts.country if facts is not None else "",
                    "bytes_sent": endpoint.bytes_sent,
                    "bytes_received": endpoint.bytes_received,
                    "connections": endpoint.connection_count,
                }
                for remote, endpoint, facts in endpoints[:_TOP_HOSTS]
            ],
            "names": names[:_MAX_NAMES],
            "ports": sorted({port for _, endpoint, _ in endpoints for port in endpoint.ports}),
            "streams": sorted({stream for _, endpoint, _ in endpoints for stream in endpoint.streams}),
            "countries": sorted(countries),
            "cross_border": cross_border,
            "cross_border_countries": abroad,
            "cross_border_bytes_sent": outside,
            "cross_border_basis": CROSS_BORDER_BASIS,
            "owner_data": data if any(facts is not None for _, _, facts in endpoints) else None,
            "excluded": {kind: {"count": e.count, "destinations": e.destinations} for kind, e in excluded.items()},
            "count": sum(endpoint.observations for _, endpoint, _ in endpoints),
            "examples": examples[: limits.MAX_EVIDENCE_ITEMS],
        }
        return Candidate(
            rule=self.name,
            violation_code="ST-03",
            title=self._title(group, evidence),
            locus=f"traffic:{group.device or '-'}:{group.owner}",
            evidence=evidence,
            sources=array("I", (seq for _, endpoint, _ in endpoints for seq in endpoint.seqs or ())),
        )

    @staticmethod
    def _title(group: _OwnerGroup, evidence: dict[str, Any]) -> str:
        device = f"设备{group.device}" if group.device else TERMINAL_LABEL
        owner = group.owner if group.basis != "address" else f"地址{group.owner}"
        where = ""
        if evidence["cross_border"]:
            where = f"（境外：{'、'.join(evidence['cross_border_countries'])}）"
        dated = f"，归属数据{evidence['owner_data']['date']}" if evidence["owner_data"] else ""
        if evidence["bytes_measured"]:
            volume = f"发送{human_bytes(evidence['bytes_sent'])}、接收{human_bytes(evidence['bytes_received'])}"
        else:
            volume = "传输数据（日志未记录字节数）"
        return (
            f"{device}向{owner}{where}{volume}"
            f"（{evidence['connections']}个连接，{evidence['addresses']}个地址；发送量第{evidence['rank']}位{dated}）"
        )
