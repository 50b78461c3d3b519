import io
import struct
import zipfile

import pytest
from openpyxl import Workbook

from cases.scanners import ScanError, detect_candidates, limits, parse
from tests.conftest import corpus_path

from .conftest import FIXTURES, codes, of_kind, read


def calls(observations):
    return of_kind(observations, "privacy_api_call")


@pytest.mark.corpus
def test_demo_workbook_calls_before_consent():
    observations = read(corpus_path("privacysentry", "privacysentry_demo_result_2021-12-26.xls"))
    assert len(calls(observations)) == 18
    assert len(of_kind(observations, "privacy_api_count")) == 18
    (marker,) = of_kind(observations, "consent_marker")
    assert marker.attributes["time"] == "12-26 12:37:28.145"
    before = [c.attributes["function"] for c in calls(observations) if c.attributes["before_consent"]]
    assert before == ["getString", "getDeviceId", "getDeviceId", "getMeid"]
    first = calls(observations)[0].attributes
    assert first["alias"] == "系统设置-Settings$Secure--参数: android_id"
    assert first["description"] == "系统设置"
    assert first["time"] == "12-26 12:37:26.152"
    counts = {o.attributes["function"]: o.attributes["count"] for o in of_kind(observations, "privacy_api_count")}
    assert counts["getMacAddress"] == 1
    candidates = {c.locus: c for c in detect_candidates(observations)}
    assert sorted(candidates) == ["before-consent:getDeviceId", "before-consent:getMeid", "before-consent:getString"]
    device_id = candidates["before-consent:getDeviceId"]
    assert device_id.violation_code == "PI-01"
    assert device_id.title == "同意隐私政策前调用获取设备id（getDeviceId）"
    assert device_id.evidence["count"] == 2
    assert device_id.evidence["consent_time"] == "12-26 12:37:28.145"
    assert [e["time"] for e in device_id.evidence["examples"]] == ["12-26 12:37:27.649", "12-26 12:37:27.713"]


def test_old_xls_without_time_uses_row_order():
    observations = read(FIXTURES / "privacysentry_old.xls")
    assert [(c.attributes["function"], c.attributes["before_consent"]) for c in calls(observations)] == [
        ("getDeviceId", True),
        ("query", True),
        ("setPrimaryClip", True),
        ("getImei", False),
    ]
    assert calls(observations)[0].attributes["count"] == 2
    # query reads contacts (named by its alias); setting the clipboard reads nothing.
    assert {c.locus: c.violation_code for c in detect_candidates(observations)} == {
        "before-consent:getDeviceId": "PI-01",
        "before-consent:query": "PI-01",
    }


def test_xlsx_rows_are_ordered_by_time():
    observations = read(FIXTURES / "privacysentry_new.xlsx")
    assert [(c.attributes["time"], c.attributes["function"]) for c in calls(observations)] == [
        ("03-01 09:00:00.900", "getMacAddress"),
        ("03-01 09:00:01.250", "getLastKnownLocation"),
        ("03-01 09:00:01.500", "getLastKnownLocation"),
        ("03-01 09:00:02.000", "setPrimaryClip"),
        ("03-01 09:00:05.100", "getInstalledPackages"),
    ]
    assert codes(observations) == {"PI-01": 2}


def _xlsx(rows) -> bytes:
    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _refuse(data: bytes, **options) -> str:
    with pytest.raises(ScanError) as caught:
        list(parse(io.BytesIO(data), **options))
    return caught.value.reason


def test_without_consent_marker_nothing_is_before_consent():
    data = _xlsx(
        [["调用时间", "别名", "函数名", "调用堆栈"], ["01-01 00:00:01.000", "获取设备id-getImei", "getImei", "s"]]
    )
    observations = list(parse(io.BytesIO(data), filename="x.xlsx"))
    assert calls(observations)[0].attributes["before_consent"] is None
    assert calls(observations)[0].attributes["consent_marker_seen"] is False
    assert codes(observations) == {}


def test_other_workbook_is_refused():
    assert _refuse(_xlsx([["name", "value"], ["a", 1]])) == (
        "the workbook has no PrivacySentry sheet (expected columns 别名 and 函数名)"
    )


def _inflate_declared_size(data: bytes, size: int) -> bytes:
    """Rewrite the central directory so one entry claims ``size`` uncompressed bytes."""
    signature = b"PK\x01\x02"
    position = data.index(signature)
    # Central directory header: the uncompressed size is the 4 bytes at offset 24.
    return data[: position + 24] + struct.pack("<I", size) + data[position + 28 :]


def test_xlsx_expanding_beyond_the_limit_is_refused_before_opening():
    data = _inflate_declared_size(_xlsx([["别名", "函数名"]]), 0xFFFFFFF0)
    assert _refuse(data) == "XLSX expands beyond 500 MB"


def test_xlsx_with_too_many_entries_is_refused():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        for number in range(limits.MAX_XLSX_ENTRIES):
            archive.writestr(f"xl/media/{number}.bin", b"")
    assert _refuse(buffer.getvalue()) == f"XLSX has more than {limits.MAX_XLSX_ENTRIES} entries"


def test_zip_that_is_not_a_workbook_is_refused():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
    assert _refuse(buffer.getvalue(), tool="privacysentry") == (
        "the ZIP archive is not an XLSX workbook (no xl/workbook.xml)"
    )


def test_entities_inside_xlsx_are_refused():
    source = zipfile.ZipFile(io.BytesIO(_xlsx([["别名", "函数名"], ["a-b", "b"]])))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for item in source.infolist():
            content = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                content = content.replace(
                    b"<worksheet", b'<!DOCTYPE worksheet [<!ENTITY x SYSTEM "file:///etc/passwd">]><worksheet', 1
                )
            archive.writestr(item, content)
    assert _refuse(buffer.getvalue()) == "XML entities or external references are not allowed inside an XLSX"


def test_damaged_xls_is_refused():
    data = (FIXTURES / "privacysentry_old.xls").read_bytes()[:1500]
    assert _refuse(data).startswith("damaged")


def test_2021_workbook_with_framework_method_names():
    """函数名 holds the framework method the hook caught, 别名 the public API (issue 12)."""
    observations = read(FIXTURES / "privacysentry_framework_2021.xls")
    assert len(calls(observations)) == 33
    before = {c.attributes["function"] for c in calls(observations) if c.attributes["before_consent"]}
    assert {"getImeiForSlot", "getSubscriberIdForSubscriber", "getIccSerialNumberForSubscriber"} <= before
    candidates = {c.locus: c for c in detect_candidates(observations)}
    assert {locus: c.violation_code for locus, c in candidates.items()} == {
        "before-consent:getImeiForSlot": "PI-01",
        "before-consent:getSubscriberIdForSubscriber": "PI-01",
        "before-consent:getIccSerialNumberForSubscriber": "PI-01",
        "before-consent:getLine1NumberForSubscriber": "PI-01",
        "before-consent:getSerialForPackage": "PI-01",
        "before-consent:getString": "PI-01",
        "before-consent:getConnectionInfo": "PI-01",
        "before-consent:getInstalledPackagesAsUser": "PI-01",
        # Nine clipboard reads after consent; location (four reads) and contacts (one) stay below five.
        "frequent-read:clipboard": "PI-02",
    }
    assert [
        candidates[f"before-consent:{name}"].evidence["item"]
        for name in ("getImeiForSlot", "getSubscriberIdForSubscriber", "getIccSerialNumberForSubscriber")
    ] == ["imei", "imsi", "iccid"]
    assert candidates["before-consent:getImeiForSlot"].title == "同意隐私政策前调用获取设备id（getImeiForSlot）"
    clipboard = candidates["frequent-read:clipboard"]
    assert clipboard.title == "同意隐私政策后频繁读取剪贴板：9次，21秒内"
    assert (clipboard.evidence["reads"], clipboard.evidence["window_seconds"]) == (9, 21.0)
    assert clipboard.evidence["functions"] == {"getPrimaryClip": 9}
