"""nmap XML (``-oX``), xmloutputversion 1.03 to 1.05.

FORMATS.md §7. Parsed with defusedxml's iterparse (no entity declarations, no external references,
so no billion laughs and no file or network fetches); each ``host`` element is read when it closes
and then dropped, so memory stays flat on large sweeps. Hosts without ``hostnames`` or without an
IPv4 address (both occur in real sweeps) are kept rather than failing the file.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any, BinaryIO
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DTDForbidden, EntitiesForbidden, ExternalReferenceForbidden
from defusedxml.ElementTree import iterparse

from cases.scanners import errors
from cases.scanners.base import OLE2_MAGIC, Observation, ScanError, clip, looks_like_zip, register

TOOL = "nmap"
_ROOT = re.compile(rb"<nmaprun[\s>]")
_OPEN_STATES = frozenset({"open", "open|filtered"})


class NmapParser:
    name = TOOL
    display_name = "Nmap"  # how pages name the tool (a proper name, the same in every language)
    label = "nmap XML (-oX)"

    def sniff(self, head: bytes) -> bool:
        text = head.removeprefix(b"\xef\xbb\xbf").lstrip()
        return text.startswith(b"<") and bool(_ROOT.search(text))

    def parse(self, stream: BinaryIO) -> Iterator[Observation]:
        head = stream.read(64)
        stream.seek(0)
        if looks_like_zip(head) or head.startswith(OLE2_MAGIC):
            raise ScanError(
                "the file is an archive or Office document, not nmap XML",
                code=errors.UNSUPPORTED_FORMAT,
                params={"tool": TOOL, "expected": EXPECTED, "container": "ZIP" if looks_like_zip(head) else "OLE2"},
            )
        root: Element | None = None
        try:
            for event, element in iterparse(stream, events=("start", "end")):
                if root is None:
                    root = element
                    if element.tag != "nmaprun":
                        raise errors.unsupported(
                            TOOL, EXPECTED, f"not an nmap XML report: the root element is <{clip(element.tag, 60)}>"
                        )
                    yield _scan_meta(element)
                    continue
                if event == "end" and element.tag == "host":
                    yield from _host(element)
                    # Drop what was read so a sweep of thousands of hosts stays small.
                    element.clear()
                    if element in root:
                        root.remove(element)
                elif event == "end" and element.tag == "runstats":
                    yield _runstats(element)
        except EntitiesForbidden:
            raise _forbidden("XML entity declarations are not allowed (they enable billion-laughs attacks)") from None
        except ExternalReferenceForbidden:
            raise _forbidden("XML external entities are not allowed") from None
        except DTDForbidden:
            raise _forbidden("XML document type definitions are not allowed") from None
        except ParseError as exc:
            line, column = getattr(exc, "position", (0, 0))
            message = str(exc).split(":", 1)[0]
            reason = f"invalid XML at line {line}, column {column + 1}: {message}"
            if root is None and not head.removeprefix(b"\xef\xbb\xbf").lstrip().startswith(b"<"):
                # Not XML at all (JSON, text): not the structure nmap writes rather than a damaged file.
                raise errors.unsupported(TOOL, EXPECTED, reason) from None
            raise ScanError(
                reason,
                code=errors.DAMAGED_FILE,
                params={"format": "XML", "detail": message},
                position={"line": line, "column": column + 1},
            ) from None
        if root is None:
            raise ScanError("empty file", code=errors.EMPTY_FILE)


EXPECTED = "<nmaprun>"


def _forbidden(reason: str) -> ScanError:
    return ScanError(reason, code=errors.XML_FORBIDDEN)


def _scan_meta(root: Element) -> Observation:
    return Observation(
        TOOL,
        "scan_meta",
        "scan",
        {
            "scanner": root.get("scanner") or "nmap",
            "scanner_version": root.get("version"),
            "xml_output_version": root.get("xmloutputversion"),
            "args": clip(root.get("args"), 2000),
            "start": _int(root.get("start")),
            "started": root.get("startstr"),
        },
    )


def _runstats(element: Element) -> Observation:
    finished = element.find("finished")
    hosts = element.find("hosts")
    return Observation(
        TOOL,
        "scan_summary",
        "runstats",
        {
            "elapsed": _float(finished.get("elapsed")) if finished is not None else None,
            "exit": finished.get("exit") if finished is not None else None,
            "hosts_up": _int(hosts.get("up")) if hosts is not None else None,
            "hosts_down": _int(hosts.get("down")) if hosts is not None else None,
            "hosts_total": _int(hosts.get("total")) if hosts is not None else None,
        },
    )


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


def _float(value: str | None) -> float | None:
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


def _script(element: Element) -> dict[str, Any]:
    return {"id": element.get("id") or "", "output": clip(element.get("output"), 4000)}


def _vulners(script: Element) -> Iterator[dict[str, Any]]:
    """vulners.nse tables: one table per CPE holding tables of {id, cvss, type, is_exploit}."""
    for cpe_table in script.findall("table"):
        for entry in cpe_table.findall("table"):
            fields = {elem.get("key"): (elem.text or "") for elem in entry.findall("elem")}
            if fields.get("id"):
                yield {
                    "id": fields["id"],
                    "cvss": _float(fields.get("cvss")),
                    "type": fields.get("type") or "",
                    "is_exploit": fields.get("is_exploit") == "true",
                    "cpe": cpe_table.get("key") or "",
                }


def _host(host: Element) -> Iterator[Observation]:
    status = host.find("status")
    addresses = [
        {"addr": a.get("addr") or "", "type": a.get("addrtype") or "", "vendor": a.get("vendor") or ""}
        for a in host.findall("address")
    ]
    ip = next((a["addr"] for a in addresses if a["type"] in ("ipv4", "ipv6")), "")
    mac = next((a for a in addresses if a["type"] == "mac"), None)
    hostnames = [{"name": h.get("name") or "", "type": h.get("type") or ""} for h in host.findall("hostnames/hostname")]
    label = ip or (mac["addr"] if mac else "") or (hostnames[0]["name"] if hostnames else "") or "unknown-host"
    os_matches = [
        {"name": m.get("name") or "", "accuracy": _int(m.get("accuracy"))} for m in host.findall("os/osmatch")
    ]
    # 5.51 puts osclass directly under os; from 6.x each osmatch holds its own.
    os_classes = [
        {
            "type": c.get("type") or "",
            "vendor": c.get("vendor") or "",
            "family": c.get("osfamily") or "",
            "generation": c.get("osgen") or "",
            "accuracy": _int(c.get("accuracy")),
        }
        for c in host.findall("os/osclass") + host.findall("os/osmatch/osclass")
    ]
    ports = host.findall("ports/port")
    state_counts: dict[str, int] = {}
    for port in ports:
        state = port.find("state")
        key = state.get("state") if state is not None else "unknown"
        state_counts[key] = state_counts.get(key, 0) + 1
    for extra in host.findall("ports/extraports"):
        key = extra.get("state") or "unknown"
        state_counts[key] = state_counts.get(key, 0) + (_int(extra.get("count")) or 0)
    yield Observation(
        TOOL,
        "host",
        f"host:{label}",
        {
            "state": status.get("state") if status is not None else None,
            "ip": ip,
            "addresses": addresses,
            "mac": mac["addr"] if mac else None,
            "mac_vendor": mac["vendor"] if mac else None,
            "hostnames": hostnames,
            "os_matches": os_matches[:10],
            "os_classes": os_classes[:20],
            "port_states": state_counts,
            "host_scripts": [_script(s) for s in host.findall("hostscript/script")][:50],
        },
    )
    for port in ports:
        state = port.find("state")
        state_name = state.get("state") if state is not None else ""
        if state_name not in _OPEN_STATES:
            continue
        service = port.find("service")
        scripts = port.findall("script")
        protocol = port.get("protocol") or ""
        number = _int(port.get("portid"))
        yield Observation(
            TOOL,
            "open_port",
            f"port:{label}:{protocol}/{number}",
            {
                "host": label,
                "ip": ip,
                "hostnames": [h["name"] for h in hostnames],
                "protocol": protocol,
                "port": number,
                "state": state_name,
                "service": service.get("name") if service is not None else None,
                "product": service.get("product") if service is not None else None,
                "version": service.get("version") if service is not None else None,
                "extrainfo": service.get("extrainfo") if service is not None else None,
                "tunnel": service.get("tunnel") if service is not None else None,
                "cpe": [c.text or "" for c in service.findall("cpe")] if service is not None else [],
                "scripts": [_script(s) for s in scripts][:50],
            },
        )
        for script in scripts:
            if script.get("id") == "vulners":
                for vulnerability in _vulners(script):
                    yield Observation(
                        TOOL,
                        "vulnerability",
                        f"vuln:{label}:{protocol}/{number}:{vulnerability['id']}",
                        {"host": label, "protocol": protocol, "port": number, **vulnerability},
                    )


register(NmapParser())
