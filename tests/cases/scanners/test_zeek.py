import io

import pytest

from cases.scanners import ScanError, detect_candidates, limits, parse
from tests.conftest import corpus_path

from .conftest import FIXTURES, codes, read

HEADER = (
    "#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n#unset_field\t-\n#path\tconn\n"
    "#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\torig_bytes\tconn_state\n"
    "#types\ttime\tstring\taddr\tport\taddr\tport\tcount\tstring\n"
)


def zeek(text: str | bytes):
    data = text.encode() if isinstance(text, str) else text
    return list(parse(io.BytesIO(data), filename="conn.log"))


@pytest.mark.corpus
def test_mqtt_publish():
    observations = read(corpus_path("zeek", "zeek-btest_mqtt_publish.log"))
    assert [o.kind for o in observations] == ["mqtt"] * 3
    first = observations[0].attributes
    assert first["stream"] == "mqtt_publish"
    assert first["ts"] is None  # btest masks timestamps as XXXXXXXXXX.XXXXXX
    assert (first["orig_h"], first["resp_h"], first["resp_p"]) == ("10.0.1.4", "198.41.30.241", 1883)
    assert first["payload"] == "Hello from the Paho blocking client"
    assert first["record"]["topic"] == "SampleTopic"
    assert first["record"]["payload_len"] == 35
    assert [o.attributes["record"]["from_client"] for o in observations] == [False, True, False]
    candidates = list(detect_candidates(observations))
    assert [(c.violation_code, c.locus) for c in candidates] == [("ST-03", "traffic:10.0.1.4:RCC-RDC-AS")]
    assert candidates[0].evidence["device"] == "10.0.1.4"
    assert candidates[0].evidence["cross_border_countries"] == ["CA"]
    assert candidates[0].evidence["count"] == 3


@pytest.mark.corpus
def test_mqtt_connect():
    observations = read(corpus_path("zeek", "zeek-btest_mqtt_connect.log"))
    assert [o.attributes["record"]["client_id"] for o in observations] == [
        "paho/34AAE54A75D839566E",
        "paho/DDE4DDAF4108D3E363",
    ]
    assert observations[0].attributes["record"]["connect_status"] == "Connection Accepted"
    assert observations[0].attributes["record"]["will_topic"] is None
    assert codes(observations) == {"ST-03": 1}


@pytest.mark.corpus
def test_dhcp_device_identity():
    observations = read(corpus_path("zeek", "zeek-btest_dhcp-all-msg-types_dhcp.log"))
    assert [o.kind for o in observations] == ["dhcp"] * 3
    first = observations[0].attributes["record"]
    assert first["mac"] == "90:b1:1c:99:49:29"
    assert first["host_name"] == "btest.is.cool"
    assert first["assigned_addr"] == "128.2.6.189"
    assert first["lease_time"] == 900.0
    assert first["msg_types"] == ["DISCOVER", "OFFER", "REQUEST", "NAK", "REQUEST", "ACK", "DECLINE"]
    assert first["uids"] == ["ClEkJM2Vm5giqnMf4h", "CHhAvVGS1DHFjwGM9", "C4J4Th3PJpwUYZZ6gc", "CtPZjS20MLrsMUOJi2"]
    assert observations[1].attributes["record"]["msg_types"] == ["RELEASE"]
    assert codes(observations) == {}


@pytest.mark.corpus
def test_mdns_stays_local():
    observations = read(corpus_path("zeek", "zeek-btest_mdns-no-assoc_dns.log"))
    assert [o.attributes["record"]["query"] for o in observations] == [
        "initial-query-a.local",
        "initial-query-aaaa.local",
        "unrelated-reply-a.local",
        "unrelated-reply-aaaa.local",
        "v6-initial.local",
        "v6-unrelated.local",
    ]
    assert observations[3].attributes["record"]["answers"] == ["fe80::200:deff:fead:beef"]
    assert observations[0].attributes["record"]["answers"] is None
    assert codes(observations) == {}


@pytest.mark.corpus
def test_ssl_with_and_without_sni():
    observations = read(corpus_path("zeek", "zeek-btest_known-certs_ssl.log"))
    assert len(observations) == 8
    names = [o.attributes["record"]["server_name"] for o in observations]
    assert names == [None] * 4 + ["www.google.com"] * 4
    assert observations[0].attributes["record"]["established"] is True
    assert len(observations[0].attributes["record"]["cert_chain_fps"]) == 3
    assert observations[0].attributes["record"]["client_cert_chain_fps"] == []
    candidates = list(detect_candidates(observations))
    assert [(c.violation_code, c.locus) for c in candidates] == [("ST-03", "traffic:167.71.55.249:GOOGLE")]
    assert candidates[0].evidence["top_hosts"][0]["address"] == "142.250.179.196"
    assert candidates[0].evidence["names"] == ["www.google.com"]
    assert candidates[0].evidence["connections"] == 8
    assert candidates[0].evidence["count"] == 8


@pytest.mark.corpus
def test_http_json_lines_with_masked_ts():
    observations = read(corpus_path("zeek", "zeek-btest_http-uri-sha256_http.json.log"))
    (request,) = observations
    assert request.kind == "http_request"
    assert request.attributes["stream"] == "http"
    assert request.attributes["ts"] is None
    assert request.attributes["url"] == "http://bro.org/download/CHANGES.bro-aux.txt"
    assert request.attributes["user_agent"] == "Wget/1.14 (darwin12.2.0)"
    assert request.attributes["record"]["uri_sha256"].startswith("317d15b2")
    assert codes(observations) == {"ST-03": 1}


def test_conn_with_labels_and_extra_columns():
    observations = read(FIXTURES / "conn.log")
    assert len(observations) == 4
    first = observations[0].attributes["record"]
    assert first["label"] == "Malicious"
    assert first["detailed-label"] == "C&C"
    assert first["tunnel_parents"] == []
    assert first["local_orig"] is True
    assert observations[1].attributes["record"]["orig_bytes"] is None
    assert observations[3].attributes["extra_columns"] == ["extra-value"]
    candidates = list(detect_candidates(observations))
    # The S0 attempt to 203.0.113.5 (a documentation range) and the DNS to 192.168.1.1 are listed, not raised.
    assert [c.locus for c in candidates] == ["traffic:192.168.1.50:Hangzhou Alibaba Advertising Co.,Ltd."]
    assert candidates[0].evidence["bytes_sent"] == 2000
    excluded = candidates[0].evidence["excluded"]
    assert {kind: found["destinations"] for kind, found in excluded.items()} == {
        "local": ["203.0.113.5:443"],
        "dns": ["192.168.1.1:53"],
    }
    assert candidates[0].evidence["ports"] == [8883]


def test_json_lines_iso_timestamps_and_sni_names():
    observations = read(FIXTURES / "ssl.json.log")
    assert observations[0].attributes["ts"] == 1740790800.123456
    candidates = list(detect_candidates(observations))
    assert [c.locus for c in candidates] == ["traffic:192.168.1.50:Hangzhou Alibaba Advertising Co.,Ltd."]
    assert candidates[0].evidence["addresses"] == 2
    assert candidates[0].evidence["names"] == ["a1b2c3.iot-as-mqtt.cn-shanghai.aliyuncs.com"]
    assert candidates[0].evidence["bytes_measured"] is False


def test_mqtt_payload_with_identifiers():
    observations = read(FIXTURES / "mqtt_publish.log")
    found = {c.locus: c for c in detect_candidates(observations)}
    assert found["personal-data:imei:47.97.10.20"].violation_code == "ST-03"
    assert found["personal-data:imei:47.97.10.20"].evidence["examples"][0]["where"] == "body:imei"
    # Only the device's own message counts; the broker's reply to it does not.
    assert found["personal-data:mac:47.97.10.20"].evidence["count"] == 1
    assert found["traffic:192.168.1.50:Hangzhou Alibaba Advertising Co.,Ltd."].evidence["count"] == 2


def test_dns_vectors():
    (first, second) = read(FIXTURES / "dns.log")
    assert first.attributes["record"]["answers"] == ["47.96.1.2", "47.96.1.3"]
    assert first.attributes["record"]["TTLs"] == [60.0, 60.0]
    assert second.attributes["record"]["answers"] == []
    assert second.attributes["record"]["TTLs"] is None


def test_columns_are_found_by_name_not_position():
    reordered = HEADER.replace("#fields\tts\tuid\tid.orig_h", "#fields\tuid\tts\tid.orig_h").replace(
        "#types\ttime\tstring", "#types\tstring\ttime"
    )
    (observation,) = zeek(reordered + "C1\t1.5\t10.0.0.2\t1\t8.8.4.4\t443\t10\tSF\n")
    assert observation.attributes["uid"] == "C1"
    assert observation.attributes["ts"] == 1.5


def test_non_numeric_time_is_refused():
    with pytest.raises(ScanError) as caught:
        zeek(HEADER + "yesterday\tC1\t10.0.0.2\t1\t8.8.4.4\t443\t10\tSF\n")
    assert caught.value.reason == "line 8: field ts has 'yesterday', which is not a Zeek time"


def test_invalid_count_is_refused():
    with pytest.raises(ScanError) as caught:
        zeek(HEADER + "1.0\tC1\t10.0.0.2\t1\t8.8.4.4\t443\tlots\tSF\n")
    assert caught.value.reason == "line 8: field orig_bytes has 'lots', which is not a Zeek count"


def test_invalid_utf8_is_refused():
    with pytest.raises(ScanError) as caught:
        zeek(HEADER.encode() + b"1.0\tC\xff1\t10.0.0.2\t1\t8.8.4.4\t443\t10\tSF\n")
    assert caught.value.reason == f"invalid UTF-8 at byte {len(HEADER.encode()) + 5} (line 8)"


def test_overlong_line_is_refused():
    with pytest.raises(ScanError) as caught:
        zeek(HEADER + "1.0\t" + "C" * (limits.MAX_LINE_BYTES + 10) + "\n")
    assert caught.value.reason == f"line 8 is longer than {limits.MAX_LINE_BYTES} bytes"


def test_json_line_depth_is_bounded():
    line = '{"ts": 1.0, "uid": "C1", "id.orig_h": "10.0.0.2", "x": ' + "[" * 300 + "]" * 300 + "}\n"
    with pytest.raises(ScanError) as caught:
        zeek(line)
    assert caught.value.reason == f"line 1: nesting deeper than {limits.MAX_JSON_DEPTH} levels near byte 0"


def test_data_before_fields_is_refused():
    with pytest.raises(ScanError) as caught:
        list(parse(io.BytesIO(b"#separator \\x09\n1.0\tC1\n"), tool="zeek"))
    assert caught.value.reason == "line 2: data before any #fields header; not a Zeek log"


def test_infinite_times_are_refused():
    with pytest.raises(ScanError) as caught:
        zeek(HEADER + "inf\tC1\t10.0.0.2\t1\t8.8.4.4\t443\t10\tSF\n")
    assert caught.value.reason == "line 8: field ts has 'inf', which is not a Zeek time"
    with pytest.raises(ScanError) as caught:
        zeek(b'{"ts": 1e999, "uid": "C1", "id.orig_h": "10.0.0.2"}\n')
    assert caught.value.reason == "line 1: ts is not a time"
