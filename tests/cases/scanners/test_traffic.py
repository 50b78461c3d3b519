"""Device traffic read as an investigator reads it: rules/cloud.py, rules/infrastructure.py, hosts."""

import pytest

from cases.scanners import Observation, ScanContext, detect_candidates, ipowners
from cases.scanners.rules import cloud, hosts, infrastructure

from .conftest import FIXTURES, read

ALIBABA = "Hangzhou Alibaba Advertising Co.,Ltd."
TERMINAL = ScanContext(product_kind="terminal")


def traffic(observations, context=TERMINAL):
    return [c for c in detect_candidates(observations, context=context) if c.rule == "cloud.connection"]


def conn(remote, *, state="SF", sent=100, received=0, device="192.168.1.5", port=443, proto="tcp", ts=1.0, **extra):
    record = {"proto": proto, "conn_state": state, "orig_bytes": sent, "resp_bytes": received, "duration": 2.0}
    return Observation(
        "zeek",
        "connection",
        f"conn:{remote}:{ts}",
        {
            "stream": "conn",
            "orig_h": device,
            "resp_h": remote,
            "resp_p": port,
            "ts": ts,
            "uid": f"C{remote}{ts}",
            "record": {**record, **extra},
        },
    )


def test_smart_bridge_long_oth_session_counts_and_housekeeping_is_listed_not_raised():
    (candidate,) = traffic(read(FIXTURES / "bridge_conn.log"))
    evidence = candidate.evidence
    assert candidate.locus == f"traffic:192.168.1.30:{ALIBABA}"
    assert (evidence["bytes_sent"], evidence["bytes_received"], evidence["connections"]) == (28600, 30500, 2)
    assert evidence["examples"][0]["state"] == "OTH"
    assert evidence["first_seen"] == "2025-12-01T00:00:00Z"
    assert evidence["last_seen"] == "2025-12-01T21:54:00Z"  # the 21.9-hour session's end
    excluded = {kind: found["count"] for kind, found in evidence["excluded"].items()}
    assert excluded == {"ntp": 3, "dns": 3, "ssdp": 1, "no_payload": 1}
    assert evidence["excluded"]["dns"]["destinations"] == ["114.114.114.114:53", "8.8.8.8:53", "8.8.8.8:853"]
    assert (evidence["cross_border"], evidence["countries"]) == (False, ["CN"])
    assert evidence["owner_data"]["date"] == "2024-06-18"
    assert candidate.title == (
        f"设备192.168.1.30向{ALIBABA}发送28.6 KB、接收30.5 KB（2个连接，2个地址；发送量第1位，归属数据2024-06-18）"
    )


def test_smart_speaker_with_112_addresses_of_one_cloud_is_one_candidate():
    (candidate,) = traffic(read(FIXTURES / "speaker_zeek.json.log"))
    evidence = candidate.evidence
    assert candidate.locus == "traffic:192.168.1.20:AMAZON-02"
    assert (evidence["addresses"], evidence["connections"]) == (112, 112)
    top = evidence["top_hosts"][0]
    assert (top["address"], top["bytes_sent"], top["names"]) == (
        "52.119.170.10",
        2_900_000,
        ["avs-alexa-4-na.amazon.com"],
    )
    assert len(evidence["top_hosts"]) == 5
    assert evidence["names"] == ["avs-alexa-4-na.amazon.com", "device-metrics-us.amazon.com"]
    assert (evidence["cross_border"], evidence["cross_border_countries"]) == (True, ["US"])
    assert evidence["cross_border_bytes_sent"] == evidence["bytes_sent"]
    assert "38-40" in evidence["cross_border_basis"]
    assert set(evidence["excluded"]) == {"ntp", "mdns", "multicast", "link_local"}
    assert evidence["count"] == 115  # 112 conn + 3 ssl records summarised
    assert candidate.title.startswith("设备192.168.1.20向AMAZON-02（境外：US）发送3.0 MB")


@pytest.mark.parametrize("state", ["OTH", "SF", "S1", "S2", "S3", "RSTO", "RSTR", "SH", "SHR", "RSTOS0", "RSTRH"])
def test_a_connection_with_payload_counts_whatever_its_state(state):
    (candidate,) = traffic([conn("47.97.12.34", state=state, sent=0, received=25_000)])
    assert candidate.evidence["bytes_received"] == 25_000


@pytest.mark.parametrize("state", ["S0", "REJ", "SF", "OTH"])
def test_a_connection_without_payload_is_not_a_transfer(state):
    candidates = detect_candidates([conn("47.97.12.34", state=state, sent=0, received=0)], context=TERMINAL)
    assert [c for c in candidates if c.rule == "cloud.connection"] == []


def test_sequence_number_byte_counts_are_bounded_by_ip_bytes():
    # A session whose start was missed: orig_bytes from sequence numbers says 4 GB, 12 packets crossed.
    assert cloud.payload({"orig_bytes": 4_000_000_000, "orig_ip_bytes": 1_200, "resp_bytes": 300}) == (1_200, 300)
    assert cloud.payload({"orig_bytes": 500, "missed_bytes": 500, "orig_ip_bytes": 580}) == (500, 0)
    assert cloud.payload({"orig_bytes": None, "resp_bytes": None}) == (0, 0)


def test_one_candidate_per_device_and_owner_ranked_by_bytes_sent():
    found = traffic(
        [
            conn("52.46.136.77", sent=500),
            conn("52.46.136.78", sent=700, ts=2.0),
            conn("47.97.12.34", sent=5_000),
            conn("47.97.12.34", sent=50, device="192.168.1.6"),
        ]
    )
    assert [(c.locus, c.evidence["rank"], c.evidence["bytes_sent"]) for c in found] == [
        (f"traffic:192.168.1.5:{ALIBABA}", 1, 5_000),
        ("traffic:192.168.1.5:AMAZON-02", 2, 1_200),
        (f"traffic:192.168.1.6:{ALIBABA}", 3, 50),
    ]
    assert {c.evidence["of"] for c in found} == {3}


def test_an_address_without_owner_in_the_data_is_named_by_its_registrable_domain():
    tls = Observation(
        "zeek",
        "tls",
        "ssl:C1:1",
        {
            "orig_h": "192.168.1.5",
            "resp_h": "13.32.0.1",
            "resp_p": 443,
            "uid": "C1",
            "record": {"server_name": "d1.cloudfront.net"},
        },
    )
    (candidate,) = traffic([tls])
    assert (candidate.evidence["owner"], candidate.evidence["owner_basis"]) == ("cloudfront.net", "domain")
    assert candidate.evidence["countries"] == ["US"]
    assert candidate.evidence["bytes_measured"] is False
    assert "日志未记录字节数" in candidate.title


def test_an_address_nobody_names_stays_an_address():
    (candidate,) = traffic([conn("2406:da00::1")])
    assert (candidate.evidence["owner"], candidate.evidence["owner_basis"]) == ("2406:da00::1", "address")
    assert candidate.evidence["cross_border"] is None


def test_dns_answers_name_the_addresses_of_a_conn_log():
    dns = Observation(
        "zeek",
        "dns",
        "dns:D1:1",
        {
            "orig_h": "192.168.1.5",
            "resp_h": "192.168.1.1",
            "resp_p": 53,
            "record": {"query": "iot.example.cn", "answers": ["47.97.12.34", "iot-cname.example.cn"]},
        },
    )
    (candidate,) = traffic([conn("47.97.12.34"), dns])
    assert candidate.evidence["top_hosts"][0]["names"] == ["iot.example.cn"]


@pytest.mark.parametrize("country", ["HK", "MO", "TW", "JP"])
def test_hong_kong_macao_and_taiwan_count_as_outside_the_mainland(monkeypatch, country):
    monkeypatch.setattr(ipowners, "lookup", lambda address: ipowners.Owner(address, country, "SOME-CLOUD", "1.0.0.0/8"))
    (candidate,) = traffic([conn("1.2.3.4")])
    assert candidate.evidence["cross_border"] is True
    assert candidate.evidence["cross_border_countries"] == [country]


def test_har_of_a_terminal_is_grouped_and_of_an_app_is_left_to_the_personal_data_rule():
    observations = read(FIXTURES / "cleartext_identifiers.har")
    (candidate,) = traffic(observations)
    assert candidate.locus == f"traffic:-:{ALIBABA}"
    assert candidate.evidence["device"] is None
    assert candidate.evidence["bytes_sent"] == 420  # headersSize + bodySize of the two requests
    assert candidate.evidence["first_seen"] == "2025-12-01T00:00:00Z"
    assert candidate.title.startswith("被检终端向")
    assert traffic(observations, context=ScanContext(product_kind="app")) == []


def test_a_har_taken_behind_a_local_proxy_is_read_by_host_name():
    request = Observation(
        "har",
        "http_request",
        "GET https://api.vendor.com.cn/x#0",
        {"host": "api.vendor.com.cn", "scheme": "https", "server_ip": "127.0.0.1", "bytes_sent": 300},
    )
    (candidate,) = traffic([request])
    assert (candidate.evidence["owner"], candidate.evidence["owner_basis"]) == ("vendor.com.cn", "domain")
    assert candidate.evidence["top_hosts"][0]["address"] == "api.vendor.com.cn"


@pytest.mark.parametrize(
    ("address", "port", "transport", "service", "expected"),
    [
        ("203.107.6.88", 123, "udp", "", "ntp"),
        ("203.107.6.88", 123, "tcp", "", None),
        ("114.114.114.114", 53, "udp", "dns", "dns"),
        ("8.8.8.8", 853, "tcp", "ssl", "dns"),
        ("255.255.255.255", 67, "udp", "", "dhcp"),
        ("224.0.0.251", 5353, "udp", "dns", "mdns"),
        ("239.255.255.250", 1900, "udp", "", "ssdp"),
        ("224.0.0.252", 5355, "udp", "", "llmnr"),
        ("192.168.1.255", 137, "udp", "", "netbios"),
        ("239.1.2.3", 5000, "udp", "", "multicast"),
        ("255.255.255.255", 9999, "udp", "", "broadcast"),
        ("169.254.10.1", 80, "tcp", "", "link_local"),
        ("fe80::1", 80, "tcp", "", "link_local"),
        ("10.0.0.8", 443, "tcp", "", "local"),
        ("203.107.6.88", 9000, "udp", "ntp", "ntp"),
        ("47.97.12.34", 443, "tcp", "ssl", None),
    ],
)
def test_housekeeping_kinds(address, port, transport, service, expected):
    assert infrastructure.kind(address=address, port=port, transport=transport, service=service) == expected


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("avs-alexa-4-na.amazon.com", "amazon.com"),
        ("a1b2c3.iot-as-mqtt.cn-shanghai.aliyuncs.com", "aliyuncs.com"),
        ("api.vendor.com.cn", "vendor.com.cn"),
        ("www.example.com.hk", "example.com.hk"),
        ("example.cn", "example.cn"),
        ("47.97.12.34", "47.97.12.34"),
    ],
)
def test_registrable_domain(name, expected):
    assert hosts.registrable_domain(name) == expected


def test_human_bytes():
    assert [cloud.human_bytes(n) for n in (0, 999, 25_400, 2_900_000, 3_200_000_000)] == [
        "0 B",
        "999 B",
        "25.4 KB",
        "2.9 MB",
        "3.2 GB",
    ]
