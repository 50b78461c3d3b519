import os
import shutil
import socket
import subprocess
import sys

import pytest

from cases.scanners import ScanContext, ScanError, detect_candidates, ipowners

from .conftest import FIXTURES, read


@pytest.fixture(autouse=True)
def fresh_data():
    """Each test loads the data itself (and leaves the default file for the next one)."""
    ipowners.configure(None)
    yield
    ipowners.configure(None)


@pytest.mark.parametrize(
    ("address", "country", "owner"),
    [
        ("52.46.136.77", "US", "AMAZON-02"),
        ("104.155.18.91", "BE", "GOOGLE-CLOUD-PLATFORM"),
        ("114.114.114.114", "CN", "ZEN-ECN"),
        ("47.97.12.34", "CN", "Hangzhou Alibaba Advertising Co.,Ltd."),
        ("8.8.8.8", "US", "GOOGLE"),
    ],
)
def test_known_addresses(address, country, owner):
    found = ipowners.lookup(address)
    assert (found.country, found.asn_name) == (country, owner)
    assert found.outside_mainland is (country != "CN")


@pytest.mark.parametrize("address", ["192.168.1.1", "10.0.0.1", "127.0.0.1", "169.254.1.1", "fe80::1", "not-an-ip"])
def test_private_and_malformed_addresses_have_no_owner(address):
    assert ipowners.lookup(address) is None


def test_an_owner_is_named_only_for_a_range_holding_the_address():
    # In the data, 13.32.0.0/15 has a country but no AS; the package's nearest AS range is not it.
    found = ipowners.lookup("13.32.0.1")
    assert (found.country, found.asn_name) == ("US", "")


def test_data_source_and_date():
    info = ipowners.info()
    assert info.source == "MAXMIND:GeoLite2-CountryASN-IPv4-en-20240618"
    assert info.date == "2024-06-18"
    assert info.as_evidence()["file"] == "geoip2fast-asn.dat.gz"
    assert "GeoLite2" in info.licence and "MIT" in info.licence


def test_loading_and_looking_up_touch_no_network_and_start_no_process(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("the IP owner lookup tried to reach the network or start a process")

    # Connections are already refused for every scanner test (conftest); names and processes too here.
    for name in ("getaddrinfo", "gethostbyname", "gethostbyaddr", "socket"):
        monkeypatch.setattr(socket, name, refuse)
    monkeypatch.setattr(subprocess, "Popen", refuse)
    monkeypatch.setattr(subprocess, "check_output", refuse)
    assert ipowners.lookup("52.46.136.77").asn_name == "AMAZON-02"


def test_importing_the_package_leaves_the_environment_alone(monkeypatch):
    monkeypatch.delenv("PYTHONWARNINGS", raising=False)
    monkeypatch.setenv("PYTHONIOENCODING", "latin-1")
    for name in ("geoip2fast.geoip2fast", "geoip2fast"):
        monkeypatch.delitem(sys.modules, name, raising=False)
    ipowners._import_package()
    assert "PYTHONWARNINGS" not in os.environ
    assert os.environ["PYTHONIOENCODING"] == "latin-1"


def test_nothing_is_loaded_until_an_address_is_looked_up():
    observations = read(FIXTURES / "capture.har")
    list(detect_candidates(observations, context=ScanContext(product_kind="app")))
    assert ipowners._database is None
    ipowners.lookup("8.8.8.8")
    assert ipowners._database is not None


def test_an_administrator_may_point_at_another_file(settings, tmp_path):
    replacement = tmp_path / "owners-2026.dat.gz"
    shutil.copy(ipowners.default_file(), replacement)
    settings.IP_OWNER_DATA_FILE = str(replacement)
    ipowners.configure(None)
    assert ipowners.info().file == str(replacement)
    assert ipowners.lookup("52.46.136.77").asn_name == "AMAZON-02"


def test_a_missing_data_file_fails_the_scan_with_a_reason(settings, tmp_path):
    settings.IP_OWNER_DATA_FILE = str(tmp_path / "missing.dat.gz")
    ipowners.configure(None)
    with pytest.raises(ipowners.OwnerDataError, match="does not exist"):
        ipowners.lookup("52.46.136.77")
    with pytest.raises(ScanError, match="IP owner reference data"):
        list(detect_candidates(read(FIXTURES / "bridge_conn.log")))


def test_a_file_of_another_format_is_refused(tmp_path):
    other = tmp_path / "other.dat"
    other.write_bytes(b"not a pickle")
    ipowners.configure(str(other))
    with pytest.raises(ipowners.OwnerDataError, match="cannot be read"):
        ipowners.info()
