"""Missing security measures → SEC-01: exposed management services, identifiers in cleartext HTTP."""

import pytest

from cases.scanners import Observation, ScanContext, detect_candidates
from cases.scanners.rules.security import exposed_service

from .conftest import FIXTURES, read

TERMINAL = ScanContext(product_kind="terminal")


def sec01(observations, context=TERMINAL):
    return {c.locus: c for c in detect_candidates(observations, context=context) if c.violation_code == "SEC-01"}


def test_exposed_services_on_home_network_devices():
    found = sec01(read(FIXTURES / "home_devices_nmap.xml"))
    assert sorted(found) == [
        "exposed:192.168.1.1:telnet:tcp/2323",
        "exposed:192.168.1.40:rtsp:tcp/554",
        "exposed:192.168.1.40:telnet:tcp/23",
        "exposed:192.168.1.40:upnp:tcp/1900",
        "exposed:192.168.1.41:adb:tcp/5555",
        "exposed:192.168.1.42:rdp:tcp/3389",
        "exposed:192.168.1.42:vnc:tcp/5900",
        "exposed:192.168.1.43:mqtt:tcp/1883",
    ]
    telnet = found["exposed:192.168.1.40:telnet:tcp/23"]
    assert telnet.title == "终端192.168.1.40开放Telnet远程登录端口tcp/23"
    assert telnet.evidence["product"] == "BusyBox telnetd"
    assert (telnet.evidence["port"], telnet.evidence["protocol"], telnet.evidence["nmap_service"]) == (
        23,
        "tcp",
        "telnet",
    )
    assert telnet.evidence["legal_basis"] == "PIPL art. 51; Cybersecurity Law art. 21"
    assert found["exposed:192.168.1.42:vnc:tcp/5900"].evidence["extrainfo"] == "protocol 3.8"


@pytest.mark.parametrize(
    ("port", "service", "tunnel", "expected"),
    [
        (23, "telnet", "", "telnet"),
        (2323, "3d-nfsd", "", "telnet"),
        (8023, "telnet", "", "telnet"),
        (5555, "freeciv", "", "adb"),
        (5555, "adb", "", "adb"),
        (5901, "vnc-1", "", "vnc"),
        (5903, "", "", "vnc"),
        (3389, "ms-wbt-server", "", "rdp"),
        (1900, "upnp", "", "upnp"),
        (1883, "mqtt", "", "mqtt"),
        (1883, "mqtt", "ssl", None),
        (8883, "mqtt", "ssl", None),
        (554, "http", "", None),
        (80, "http", "", None),
        (22, "ssh", "", None),
    ],
)
def test_exposed_service_by_name_then_port(port, service, tunnel, expected):
    assert exposed_service(port, service, tunnel) == expected


def test_only_confirmed_open_ports_count():
    # lab_scan.xml: telnet open; UPnP on udp/1900 "open|filtered" (no answer); MQTT over TLS on 8883.
    assert list(sec01(read(FIXTURES / "lab_scan.xml"))) == ["exposed:192.168.8.2:telnet:tcp/23"]


def test_exposed_services_are_a_terminal_matter():
    observations = read(FIXTURES / "home_devices_nmap.xml")
    assert sec01(observations, context=ScanContext(product_kind="app")) == {}
    assert len(sec01(observations, context=ScanContext())) == 8


def test_identifiers_in_cleartext_http_from_a_har():
    found = sec01(read(FIXTURES / "cleartext_identifiers.har"), context=ScanContext(product_kind="app"))
    # The same IMEI over https is not a cleartext transfer (the personal-data rule still raises ST-03).
    (candidate,) = found.values()
    assert candidate.locus == "cleartext:-:iot.example-vendor.cn"
    assert candidate.title == "被检产品以明文HTTP向iot.example-vendor.cn发送IMEI、手机号码"
    assert candidate.evidence["data"] == ["imei", "phone"]
    example = candidate.evidence["examples"][0]
    assert example["where"] == ["query:imei", "query:phone"]
    assert "864332181960016" not in str(candidate.evidence)  # values are masked
    assert candidate.evidence["count"] == 1


def test_identifiers_in_zeek_http_are_cleartext_per_device_and_host():
    request = Observation(
        "zeek",
        "http_request",
        "http:C1:9",
        {
            "orig_h": "192.168.1.30",
            "resp_h": "47.97.12.34",
            "host": "iot.example.cn",
            "method": "GET",
            "url": "http://iot.example.cn/report?imei=864332181960016",
            "query": [["imei", "864332181960016"]],
            "headers": [],
            "cookies": [],
            "body": "",
            "body_params": [],
        },
    )
    found = sec01([request])
    assert list(found) == ["cleartext:192.168.1.30:iot.example.cn"]
    assert found["cleartext:192.168.1.30:iot.example.cn"].title == "设备192.168.1.30以明文HTTP向iot.example.cn发送IMEI"
