import io

import pytest

from cases.scanners import ScanError, detect_candidates, parse
from tests.conftest import corpus_path

from .conftest import FIXTURES, of_kind, read


def ports(observations):
    return [(o.attributes["protocol"], o.attributes["port"]) for o in of_kind(observations, "open_port")]


@pytest.mark.corpus
def test_localhost_no_open_ports():
    observations = read(corpus_path("nmap", "dd_nmap-6.40_localhost_0port.xml"))
    (meta,) = of_kind(observations, "scan_meta")
    assert meta.attributes["scanner_version"] == "6.40"
    assert meta.attributes["xml_output_version"] == "1.04"
    assert meta.attributes["start"] == 1396104416
    (host,) = of_kind(observations, "host")
    assert host.attributes["ip"] == "127.0.0.1"
    assert host.attributes["hostnames"] == [{"name": "localhost.localdomain", "type": "PTR"}]
    assert host.attributes["port_states"] == {"closed": 997}
    assert ports(observations) == []


@pytest.mark.corpus
def test_vulners_single_port():
    observations = read(corpus_path("nmap", "dd_nmap-7.60_script_vulners.xml"))
    (port,) = of_kind(observations, "open_port")
    assert (port.attributes["port"], port.attributes["service"], port.attributes["product"]) == (5022, "ssh", "OpenSSH")
    assert port.attributes["cpe"] == ["cpe:/a:openbsd:openssh:7.4"]
    vulnerabilities = of_kind(observations, "vulnerability")
    assert [(v.attributes["id"], v.attributes["cvss"]) for v in vulnerabilities] == [
        ("CVE-2018-15919", 5.0),
        ("CVE-2017-15906", 5.0),
    ]
    # A host with an empty <hostnames/> element is kept.
    assert of_kind(observations, "host")[0].attributes["hostnames"] == []


@pytest.mark.corpus
def test_full_range_many_findings():
    observations = read(corpus_path("nmap", "dd_nmap-7.91_vulners_issue4406.xml"))
    assert len(of_kind(observations, "open_port")) == 25
    assert {22, 2379, 2380, 10250, 6443, 30150} <= {p for _, p in ports(observations)}
    assert len(of_kind(observations, "vulnerability")) == 42
    (host,) = of_kind(observations, "host")
    assert host.attributes["hostnames"][0]["name"] == "ip-10-250-195-71.eu-west-1.compute.internal"
    assert host.attributes["port_states"] == {"open": 25, "closed": 65510}


@pytest.mark.corpus
def test_two_hosts_and_custom_hostname_type():
    observations = read(corpus_path("nmap", "dd_nmap-7.95_issue12411.xml"))
    hosts = of_kind(observations, "host")
    assert [h.attributes["ip"] for h in hosts] == ["172.217.18.238", "54.239.28.85"]
    assert {"name": "lalala", "type": "custom"} in hosts[0].attributes["hostnames"]
    assert sorted(ports(observations)) == [("tcp", 80), ("tcp", 80), ("tcp", 443), ("tcp", 443)]
    (summary,) = of_kind(observations, "scan_summary")
    assert (summary.attributes["hosts_up"], summary.attributes["hosts_total"]) == (2, 2)


@pytest.mark.corpus
def test_old_schema_hosts_down_file():
    observations = read(corpus_path("nmap", "libnmap_nmap-5.51_1_hosts_down.xml"))
    (host,) = of_kind(observations, "host")
    assert host.attributes["ip"] == "10.1.1.1"
    assert host.attributes["port_states"] == {"filtered": 1000}
    assert of_kind(observations, "scan_meta")[0].attributes["xml_output_version"] == "1.03"


@pytest.mark.corpus
def test_old_schema_osclass_and_scripts():
    observations = read(corpus_path("nmap", "libnmap_nmap-5.51_os_banner_scripts.xml"))
    assert sorted(p for _, p in ports(observations)) == [22, 25, 80, 111, 631, 3306, 8009, 8080]
    (host,) = of_kind(observations, "host")
    vendors = [c["vendor"] for c in host.attributes["os_classes"]]
    assert len(vendors) == 9
    assert {"AXIS", "Crestron", "Linksys", "Netgear"} <= set(vendors)
    web = next(o for o in of_kind(observations, "open_port") if o.attributes["port"] == 8080)
    assert web.attributes["scripts"][0]["id"] == "http-methods"


@pytest.mark.corpus
def test_honeypot_services_and_mac():
    observations = read(corpus_path("nmap", "libnmap_nmap-7.91_dionaea_scan.xml"))
    assert len(of_kind(observations, "open_port")) == 16
    ftp = next(o for o in of_kind(observations, "open_port") if o.attributes["port"] == 21)
    assert ftp.attributes["product"] == "Synology DiskStation NAS ftpd"
    (host,) = of_kind(observations, "host")
    assert host.attributes["mac"] == "02:42:AC:1C:01:03"
    assert host.attributes["os_matches"][0] == {"name": "Linux 4.15 - 5.6", "accuracy": 100}
    assert len(of_kind(observations, "vulnerability")) == 6
    # The honeypot answers on telnet and plain MQTT among others: exposed services (SEC-01).
    assert sorted(c.locus for c in detect_candidates(observations)) == [
        "exposed:172.28.1.3:mqtt:tcp/1883",
        "exposed:172.28.1.3:telnet:tcp/23",
    ]


def test_hosts_without_addresses_or_hostnames():
    observations = read(FIXTURES / "lab_scan.xml")
    hosts = of_kind(observations, "host")
    assert [h.locus for h in hosts] == ["host:192.168.8.2", "host:unknown-host", "host:192.168.8.3"]
    assert hosts[0].attributes["mac_vendor"] == "Telink Semiconductor"
    assert hosts[2].attributes["state"] == "down"
    assert ports(observations) == [("tcp", 23), ("tcp", 80), ("udp", 1900), ("tcp", 8883)]
    (vulnerability,) = of_kind(observations, "vulnerability")
    assert vulnerability.attributes["cpe"] == "cpe:/a:lighttpd:lighttpd:1.4.35"


def _refuse(document: bytes) -> str:
    with pytest.raises(ScanError) as caught:
        list(parse(io.BytesIO(document), tool="nmap"))
    return caught.value.reason


def test_external_entities_are_refused_without_fetching():
    document = (
        b'<?xml version="1.0"?>\n<!DOCTYPE nmaprun [<!ENTITY ext SYSTEM "http://127.0.0.1:9/x">'
        b'<!ENTITY file SYSTEM "file:///etc/passwd">]>\n<nmaprun scanner="nmap">&ext;&file;</nmaprun>'
    )
    assert _refuse(document) == "XML entity declarations are not allowed (they enable billion-laughs attacks)"


def test_external_dtd_is_never_fetched():
    # The package conftest turns any connection attempt into a failure.
    document = (
        b'<?xml version="1.0"?>\n<!DOCTYPE nmaprun SYSTEM "http://127.0.0.1:9/nmap.dtd">\n<nmaprun version="7.94"/>'
    )
    (meta,) = list(parse(io.BytesIO(document), tool="nmap"))
    assert meta.attributes["scanner_version"] == "7.94"


def test_parameter_entities_are_refused():
    document = (
        b'<?xml version="1.0"?>\n<!DOCTYPE nmaprun [<!ENTITY % remote SYSTEM "http://127.0.0.1:9/x.dtd"> %remote;]>'
        b"\n<nmaprun/>"
    )
    assert _refuse(document) == "XML entity declarations are not allowed (they enable billion-laughs attacks)"


def test_billion_laughs_is_refused():
    entities = b"".join(b'<!ENTITY lol%d "%s">' % (n, b"&lol%d;" % (n - 1) * 10 if n else b"lol") for n in range(10))
    document = b'<?xml version="1.0"?>\n<!DOCTYPE nmaprun [' + entities + b"]>\n<nmaprun>&lol9;</nmaprun>"
    assert _refuse(document) == "XML entity declarations are not allowed (they enable billion-laughs attacks)"


def test_other_xml_root_is_refused():
    assert _refuse(b"<?xml version='1.0'?><report><host/></report>") == (
        "not an nmap XML report: the root element is <report>"
    )


def test_broken_xml_names_the_place():
    assert _refuse(b'<nmaprun scanner="nmap">\n<host><status state="up"></host>') == (
        "invalid XML at line 2, column 28: mismatched tag"
    )
