import io

import pytest

from cases.scanners import ScanError, detect_candidates, parse
from tests.conftest import corpus_path

from .conftest import FIXTURES, codes, of_kind, read


def requests(observations):
    return of_kind(observations, "http_request")


@pytest.mark.corpus
def test_charles():
    observations = read(corpus_path("har", "mitmproxy-test_charles-4.6.3.har"))
    (meta,) = of_kind(observations, "capture_meta")
    assert meta.attributes == {
        "format": "HAR",
        "har_version": "1.2",
        "creator": "Charles Proxy",
        "creator_version": "4.6.3",
    }
    (request,) = requests(observations)
    assert request.attributes["method"] == "GET"
    assert request.attributes["host"] == "mitmproxy.org"
    assert request.attributes["url"] == "https://mitmproxy.org/?="
    assert request.attributes["server_ip"] == "13.35.121.50"
    assert request.attributes["status"] == 200


@pytest.mark.corpus
def test_chrome_webinspector():
    observations = read(corpus_path("har", "mitmproxy-test_chrome-webinspector.har"))
    assert of_kind(observations, "capture_meta")[0].attributes["creator"] == "WebInspector"
    found = [
        (r.attributes["host"], r.attributes["http_version"], r.attributes["status"]) for r in requests(observations)
    ]
    assert found == [("mitmproxy.org", "http/2.0", 304), ("www.google.com", "", 0), ("www.google.com", "h3", 200)]


@pytest.mark.corpus
def test_chrome_post_to_metrics_collector():
    observations = read(corpus_path("har", "mitmproxy-test_chrome_postdata_metrics-collector.har"))
    (request,) = requests(observations)
    assert request.attributes["method"] == "POST"
    assert request.attributes["host"] == "signal-metrics-collector-beta.s-onetag.com"
    assert request.attributes["body_mime"] == "text/plain;charset=UTF-8"
    assert len(request.attributes["body"]) == 1310
    assert '"affiliateId":62299' in request.attributes["body"]
    # The body carries page metrics, no identifiers: nothing to report.
    assert codes(observations) == {}


@pytest.mark.corpus
def test_chrome_with_bom_reads_like_without():
    with_bom = read(corpus_path("har", "mitmproxy-test_chrome_with-bom.har"))
    without = read(corpus_path("har", "mitmproxy-test_chrome_postdata_metrics-collector.har"))
    assert corpus_path("har", "mitmproxy-test_chrome_with-bom.har").read_bytes()[:3] == b"\xef\xbb\xbf"
    assert with_bom == without


@pytest.mark.corpus
def test_insomnia():
    observations = read(corpus_path("har", "mitmproxy-test_insomnia-2022.1.1.har"))
    assert of_kind(observations, "capture_meta")[0].attributes["creator_version"] == "insomnia.desktop.app:v2022.1.1"
    (request,) = requests(observations)
    assert request.attributes["url"] == "http://mitm.it/"
    assert request.attributes["scheme"] == "http"


@pytest.mark.corpus
def test_mitmproxy_export():
    observations = read(corpus_path("har", "mitmproxy-test_mitmproxy-export_diff_data.har"))
    found = [(r.attributes["method"], r.attributes["host"]) for r in requests(observations)]
    assert found == [
        ("POST", "jnn-pa.googleapis.com"),
        ("GET", "www.vskills.in"),
        ("GET", "s0.2mdn.net"),
        ("POST", "clients4.google.com"),
        ("GET", "slack.com"),
    ]
    slack = requests(observations)[4]
    assert ["session_id", "1b55ded2-453f-414d-8356-9c024f271ca0"] in slack.attributes["query"]
    assert codes(observations) == {}


@pytest.mark.corpus
def test_malformed_har_names_the_place():
    with pytest.raises(ScanError) as caught:
        read(corpus_path("har", "mitmproxy-test_brokenfile_malformed.har"))
    assert caught.value.reason == (
        "invalid JSON at line 5, column 10 (byte 31): after key and value, inside map, I expect ',' or '}'"
    )


def test_own_capture_personal_data():
    observations = read(FIXTURES / "capture.har")
    assert len(requests(observations)) == 5
    cdn = requests(observations)[3].attributes
    assert cdn["host"] == "cdn.example-shop.cn"
    assert cdn["server_ip"] == "2001:db8::7"
    candidates = {c.locus: c for c in detect_candidates(observations)}
    assert sorted(candidates) == [
        "personal-data:android_id:alog.umeng.com",
        "personal-data:coordinates:api.example-shop.cn",
        "personal-data:id_number:api.example-shop.cn",
        "personal-data:imei:alog.umeng.com",
        "personal-data:imei:cdn.example-shop.cn",
        "personal-data:phone:api.example-shop.cn",
    ]
    imei = candidates["personal-data:imei:alog.umeng.com"]
    assert imei.violation_code == "PI-03"
    assert imei.title == "向第三方Umeng Analytics（alog.umeng.com）发送IMEI"
    assert imei.evidence["tracker"] == "Umeng Analytics"
    assert imei.evidence["examples"][0]["where"] == "query:imei"
    assert imei.evidence["examples"][0]["value"] == "490154*****7518"
    phone = candidates["personal-data:phone:api.example-shop.cn"]
    assert phone.violation_code == "ST-03"
    assert phone.evidence["count"] == 2
    assert [e["where"] for e in phone.evidence["examples"]] == ["body:mobile", "body_params:phone"]
    id_number = candidates["personal-data:id_number:api.example-shop.cn"].evidence["examples"][0]
    assert (id_number["where"], id_number["value"]) == ("body:idcard", "110105********002X")
    # The local 192.168.1.10 request and the Android placeholder MAC 02:00:00:00:00:00 give nothing.
    assert not any("192.168" in locus or ":mac:" in locus for locus in candidates)


def test_bom_and_no_creator():
    document = b'\xef\xbb\xbf{"log": {"entries": [{"request": {"method": "get", "url": "https://a.example.com/x"}}]}}'
    observations = list(parse(io.BytesIO(document), filename="x.har"))
    assert observations[0].attributes["creator"] == ""
    assert observations[1].attributes["method"] == "GET"
    assert observations[1].attributes["path"] == "/x"


def test_json_without_log_is_not_a_har():
    with pytest.raises(ScanError) as caught:
        list(parse(io.BytesIO(b'{"entries": [], "creator": {}}'), tool="har"))
    assert caught.value.reason == "not a HAR file: it has no log object with an entries list"
    assert (caught.value.code, caught.value.params) == (
        "unsupported_format",
        {"tool": "har", "expected": "log.entries[]"},
    )
