"""What a scanner output says it is about (``cases.scanners.identity``), and trackers by product kind.

Fixtures: ``identity_mobsf_app_a.json`` (a MobSF report of app A, cn.example.alphareader 5.0.1) and
``identity_conn_other_device.log`` (Zeek conn log of devices 192.168.31.77 and .80).
"""

import pytest

from cases.scanners import Observation, ScanContext, detect_candidates
from cases.scanners.identity import IdentityReader, address_normalize, compare, version_agrees

from .conftest import FIXTURES, read

SHA_A = "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"


def identity_of(name: str, **options) -> dict:
    reader = IdentityReader(**options)
    for observation in read(FIXTURES / name):
        reader.add(observation)
    return reader.result()


# Extraction, per tool


def test_mobsf_report_names_package_version_and_hashes():
    identity = identity_of("identity_mobsf_app_a.json")
    assert identity == {
        "source": "mobsf",
        "package": "cn.example.alphareader",
        "app_name": "阅读星球",
        "version_name": "5.0.1",
        "version_code": "501",
        "sha256": SHA_A,
        "md5": "5d41402abc4b2a76b9719d911017c592",
        "platform": "android",
    }


def test_mobsf_ios_report_names_the_bundle_id():
    identity = identity_of("mobsf_ios_31.json")
    assert identity["platform"] == "ios"
    assert identity["package"]


def test_exodus_standalone_names_handle_version_and_checksum():
    identity = identity_of("exodus_standalone.json")
    assert (identity["package"], identity["version_name"], identity["version_code"]) == (
        "cn.example.shop",
        "5.0.2",
        "502",
    )
    assert identity["sha256"].startswith("cc11bb22")
    assert identity["source"] == "exodus-standalone"


def test_exodus_search_keeps_every_reported_version():
    identity = identity_of("exodus_api_search.json")
    assert identity["package"] == "cn.example.news"
    assert (identity["version_name"], identity["version_code"]) == ("8.0", "800")
    assert identity["other_versions"] == ["8.1", "801"]
    assert compare(identity, version="8.1") == []
    assert compare(identity, version="8.2")[0]["report"] == "8.0 (800)"


def test_zeek_names_the_devices_that_originate_traffic():
    identity = identity_of("identity_conn_other_device.log", device_address="192.168.31.50")
    assert identity["devices"] == [{"address": "192.168.31.77", "seen": 3}, {"address": "192.168.31.80", "seen": 1}]
    assert identity["device_count"] == 2
    assert identity["named_device"] == {"address": "192.168.31.50", "seen": 0, "comparable": True}
    # The router only answers: it is seen, though not a device that originates traffic.
    assert identity_of("identity_conn_other_device.log", device_address="192.168.31.1")["named_device"]["seen"] == 1


def test_zeek_dhcp_names_a_device_by_mac():
    reader = IdentityReader(device_address="A4-C1-38-00-11-22")
    reader.add(
        Observation(
            "zeek",
            "dhcp",
            "dhcp:C1:1",
            {
                "stream": "dhcp",
                "orig_h": "0.0.0.0",
                "resp_h": "255.255.255.255",
                "record": {"mac": "a4:c1:38:00:11:22", "assigned_addr": "192.168.8.2"},
            },
        )
    )
    identity = reader.result()
    assert identity["devices"] == [{"address": "192.168.8.2", "seen": 1, "mac": "a4:c1:38:00:11:22"}]
    assert identity["named_device"]["seen"] == 1


def test_nmap_names_the_hosts_that_are_up():
    identity = identity_of("lab_scan.xml", device_address="192.168.8.3")
    addresses = [device["address"] for device in identity["devices"]]
    assert "192.168.8.2" in addresses
    assert "192.168.8.3" not in addresses  # down
    assert identity["devices"][0].get("mac") == "a4:c1:38:00:11:22"
    assert identity["named_device"]["seen"] == 0


def test_har_names_the_apps_whose_webviews_made_requests_without_comparing_them():
    reader = IdentityReader()
    for value in ("cn.example.alphareader", "XMLHttpRequest", "cn.example.alphareader", "com.google.android.gms"):
        reader.add(Observation("har", "http_request", "r", {"headers": [["X-Requested-With", value]]}))
    identity = reader.result()
    assert identity == {
        "http_apps": [
            {"package": "cn.example.alphareader", "requests": 2},
            {"package": "com.google.android.gms", "requests": 1},
        ]
    }
    assert compare(identity, package_name="cn.example.bravo") == []


@pytest.mark.parametrize("name", ["capture.har", "multi_run.sarif", "privacysentry_new.xlsx"])
def test_har_sarif_and_privacysentry_name_nothing_comparable(name):
    assert identity_of(name) == {}


# Comparison


def test_another_apps_report_mismatches_package_version_and_hash():
    identity = identity_of("identity_mobsf_app_a.json")
    mismatch = compare(
        identity, package_name="cn.example.bravo", version="2.1", file_sha256="ab" * 32, device_address=""
    )
    assert [item["field"] for item in mismatch] == ["package", "version", "sha256"]
    assert mismatch[0] == {"field": "package", "registered": "cn.example.bravo", "report": "cn.example.alphareader"}
    assert mismatch[1]["report"] == "5.0.1 (501)"


def test_the_same_app_agrees_whatever_the_case_of_its_package_and_hash():
    identity = identity_of("identity_mobsf_app_a.json")
    assert compare(identity, package_name="CN.Example.AlphaReader", version="v5.0.1", file_sha256=SHA_A.upper()) == []


def test_a_field_the_version_does_not_register_cannot_mismatch():
    identity = identity_of("identity_mobsf_app_a.json")
    assert compare(identity) == []
    assert compare(identity, package_name="cn.example.alphareader") == []
    assert compare({}, package_name="x", version="1", file_sha256="ab" * 32, device_address="10.0.0.1") == []


@pytest.mark.parametrize(
    ("registered", "reported", "agrees"),
    [
        ("5.0.1", ["5.0.1"], True),
        ("5.0.1", ["V5.0.1 "], True),
        ("5.0", ["5.0.0"], True),
        ("501", ["5.0.1", "501"], True),  # the version code
        ("8.0.32", ["8.0.32 (2100)"], True),
        ("8.0.32", ["8.0.32-beta"], True),
        ("5.0", ["5.0.1"], False),
        ("5.0.1", ["5.0.12"], False),
        ("5.0.1", ["6.0"], False),
    ],
)
def test_versions_compare_loosely(registered, reported, agrees):
    assert version_agrees(registered, reported) is agrees


def test_the_build_may_carry_the_version_code():
    identity = {"version_name": "5.0.1", "version_code": "501"}
    assert compare(identity, version="5.0", build="501") == []


def test_traffic_without_the_named_device_mismatches():
    identity = identity_of("identity_conn_other_device.log", device_address="192.168.31.50")
    (item,) = compare(identity, device_address="192.168.31.50")
    assert item == {"field": "device_address", "registered": "192.168.31.50", "report": "192.168.31.77, 192.168.31.80"}
    seen = identity_of("identity_conn_other_device.log", device_address="192.168.31.77")
    assert compare(seen, device_address="192.168.31.77") == []


def test_a_mac_cannot_be_looked_for_in_traffic_that_names_no_mac():
    identity = identity_of("identity_conn_other_device.log", device_address="aa:bb:cc:dd:ee:ff")
    assert identity["named_device"]["comparable"] is False
    assert compare(identity, device_address="aa:bb:cc:dd:ee:ff") == []


def test_an_identity_read_without_the_named_address_still_compares_a_complete_list():
    identity = identity_of("identity_conn_other_device.log")
    assert [item["field"] for item in compare(identity, device_address="192.168.31.50")] == ["device_address"]
    assert compare(identity, device_address="192.168.31.80") == []


@pytest.mark.parametrize(
    ("text", "normal"),
    [
        ("192.168.1.5", "192.168.1.5"),
        (" 2001:DB8:0:0::1 ", "2001:db8::1"),
        ("[fe80::1]", "fe80::1"),
        ("A4:C1:38:00:11:22", "a4:c1:38:00:11:22"),
        ("a4-c1-38-00-11-22", "a4:c1:38:00:11:22"),
        ("a4c1.3800.1122", "a4:c1:38:00:11:22"),
        ("a4c138001122", "a4:c1:38:00:11:22"),
    ],
)
def test_addresses_are_normalised(text, normal):
    assert address_normalize(text) == normal


@pytest.mark.parametrize("text", ["", "192.168.1.300", "bridge", "a4:c1:38:00:11", "zz:c1:38:00:11:22"])
def test_what_is_no_address_is_refused(text):
    with pytest.raises(ValueError):
        address_normalize(text)


# Trackers by product kind (ScanContext)

UMENG = Observation("mobsf", "tracker", "t", {"name": "Umeng Analytics", "exodus_id": 119, "categories": []})


@pytest.mark.parametrize(
    ("kind", "code"),
    [("app", "PI-03"), ("mini_program", "PI-03"), ("terminal", "PI-03"), ("", "PI-03"), ("sdk", "SDK-01")],
)
def test_a_tracker_is_the_apps_sharing_and_an_sdks_own_collection(kind, code):
    (candidate,) = detect_candidates([UMENG], context=ScanContext(product_kind=kind))
    assert candidate.violation_code == code
    assert candidate.evidence["sdk"] == "Umeng Analytics"
    assert candidate.locus == "tracker:119"  # the same finding whatever code it is filed under
