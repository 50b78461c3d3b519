"""Personal data sent to remote hosts → PI-03 (to a third-party tracker) or ST-03 (to other servers).

Applies to HTTP requests (HAR, Zeek http.log) and MQTT messages (Zeek). A host matching an εxodus
network signature is a third party: sharing with it is PI-03 "违规使用个人信息" (PIPL art. 23). Any
other remote host is a server or cloud platform receiving the data: ST-03 "擅自向云平台传输个人信息".
Local-network destinations are ignored. One candidate per (data kind, host), with examples.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from functools import lru_cache
from typing import Any

from cases.scanners.base import Candidate, Observation, clip
from cases.scanners.rules import hosts, identifiers
from cases.scanners.rules.base import Group, Grouper, Rule

# Request headers that describe the client or the exchange, never the user.
_PLAIN_HEADERS = frozenset(
    {
        ":authority",
        ":method",
        ":path",
        ":scheme",
        "accept",
        "accept-encoding",
        "accept-language",
        "cache-control",
        "connection",
        "content-length",
        "content-type",
        "host",
        "origin",
        "pragma",
        "referer",
        "sec-fetch-dest",
        "sec-fetch-mode",
        "sec-fetch-site",
        "upgrade-insecure-requests",
        "user-agent",
    }
)


def _headers(attributes: dict[str, Any]) -> list[tuple[str, str]]:
    return [
        (str(pair[0]), str(pair[1]))
        for pair in attributes.get("headers") or ()
        if len(pair) == 2 and str(pair[0]).lower() not in _PLAIN_HEADERS
    ]


def _pairs(attributes: dict[str, Any], headers: list[tuple[str, str]]) -> Iterator[tuple[str, str, str]]:
    for where in ("query", "body_params", "cookies"):
        for pair in attributes.get(where) or ():
            if len(pair) == 2:
                yield where, str(pair[0]), str(pair[1])
    for name, value in headers:
        yield "headers", name, value
    body = attributes.get("body") or attributes.get("payload") or ""
    if body:
        for key, value in identifiers.pairs_in_text(str(body)):
            yield "body", key, value


def _texts(attributes: dict[str, Any], headers: list[tuple[str, str]]) -> list[tuple[str, str]]:
    texts = [("url", str(attributes.get("url") or "")), ("body", str(attributes.get("body") or ""))]
    if attributes.get("payload"):
        texts.append(("payload", str(attributes["payload"])))
    record = attributes.get("record")
    if isinstance(record, dict):
        # MQTT topics and client ids often embed the device's MAC or serial number.
        for field in ("topic", "client_id"):
            if record.get(field):
                texts.append((field, str(record[field])))
    values = [value for _, value in headers]
    values.extend(
        str(pair[1])
        for where in ("query", "cookies", "body_params")
        for pair in attributes.get(where) or ()
        if len(pair) == 2
    )
    if values:
        texts.append(("fields", " ".join(values)))
    return texts


@lru_cache(maxsize=16384)
def _value_needs_scan(value: str) -> bool:
    return identifiers.needs_scan(value)


@lru_cache(maxsize=1024)
def _plain_header(name: str) -> bool:
    return name.lower() in _PLAIN_HEADERS


def _worth_a_look(attributes: dict[str, Any]) -> bool:
    """Whether some text of ``_texts`` has the shape of an identifier (``identifiers.needs_scan``).

    ``needs_scan`` looks at runs of digits and of hex characters, so a text passes when one of its
    pieces does: the pieces are looked at one by one, the URL and body first, then the field values,
    which repeat from request to request (headers, parameters, cookies), through a cache.
    """
    needs_scan = identifiers.needs_scan
    if needs_scan(str(attributes.get("url") or "")):
        return True
    for field in ("body", "payload"):
        text = attributes.get(field)
        if text and needs_scan(str(text)):
            return True
    record = attributes.get("record")
    if isinstance(record, dict):
        for field in ("topic", "client_id"):
            if record.get(field) and needs_scan(str(record[field])):
                return True
    for pair in attributes.get("headers") or ():
        if len(pair) == 2 and not _plain_header(str(pair[0])) and _value_needs_scan(str(pair[1])):
            return True
    for where in ("query", "cookies", "body_params"):
        for pair in attributes.get(where) or ():
            if len(pair) == 2 and _value_needs_scan(str(pair[1])):
                return True
    return False


def identifiers_in(attributes: dict[str, Any]) -> list[identifiers.Hit]:
    """Personal data in one HTTP request or MQTT message (its URL, query, body, headers, cookies)."""
    if not _worth_a_look(attributes):
        return []
    headers = _headers(attributes)
    return identifiers.find(_pairs(attributes, headers), _texts(attributes, headers))


class PersonalDataRule(Rule):
    name = "personal_data.transmitted"
    kinds = frozenset({"http_request", "mqtt"})
    codes = ("PI-03", "ST-03")

    def __init__(self) -> None:
        self._groups = Grouper()
        # Hosts with a group, and their tracker: the tracker lookup is asked once per host per scan.
        self._third_parties: dict[str, Any] = {}

    def observe(self, observation: Observation) -> Iterable[Candidate]:
        attributes = observation.attributes
        host = str(attributes.get("host") or attributes.get("resp_h") or "")
        if hosts.is_local(host):
            return ()
        record = attributes.get("record")
        if isinstance(record, dict) and record.get("from_client") is False:
            # An MQTT message the broker sent to the device, not data the device sent out.
            return ()
        # Most requests carry nothing shaped like an identifier: one cheap look at all their text.
        if not _worth_a_look(attributes):
            return ()
        headers = _headers(attributes)
        hits = identifiers.find(_pairs(attributes, headers), _texts(attributes, headers))
        if not hits:
            return ()
        if host in self._third_parties:
            third_party = self._third_parties[host]
        else:
            third_party = self._third_parties[host] = hosts.tracker(host)
        request = (
            " ".join(part for part in (str(attributes.get("method") or ""), clip(attributes.get("url"), 300)) if part)
            or f"MQTT {attributes.get('message', '')} to {host}"
        )
        for hit in hits:
            group = self._groups.get(
                f"personal-data:{hit.kind}:{host}",
                lambda hit=hit: self._group(hit.kind, host, third_party, observation.tool),
            )
            group.add(
                {
                    "where": hit.where,
                    "value": hit.value,
                    "request": request,
                    "time": attributes.get("started") or attributes.get("ts"),
                    "observation": observation.locus,
                }
            )
        return ()

    @staticmethod
    def _group(kind: str, host: str, third_party: Any, tool: str) -> Group:
        label = identifiers.LABELS[kind]
        evidence = {"data": kind, "data_label": label, "host": host, "tool": tool}
        if third_party is not None:
            evidence.update(tracker=third_party.name, exodus_id=third_party.id)
            return Group("PI-03", f"向第三方{third_party.name}（{host}）发送{label}", evidence)
        return Group("ST-03", f"向远程服务器{host}传输{label}", evidence)

    def finish(self) -> Iterable[Candidate]:
        return self._groups.candidates(self.name)
