"""The personal-information API table and the two rules that read hook-tool call logs (PI-01, PI-02)."""

import json
from pathlib import Path

import pytest

from cases.scanners import Observation, detect_candidates
from cases.scanners.rules import consent

SECURE = "Settings.Secure.getString"
QUERY = "ContentResolver.query"
TABLE = Path(consent.__file__).resolve().parent.parent / "data" / "privacy_apis.json"


def test_table_covers_the_items_miit_names_and_cites_its_source():
    table = json.loads(TABLE.read_text("utf-8"))
    assert "Android SDK reference" in table["source"] and "PrivacySentry" in table["source"]
    assert {
        "imei",
        "imsi",
        "iccid",
        "phone_number",
        "serial",
        "android_id",
        "mac",
        "wifi",
        "bluetooth",
        "installed_apps",
        "clipboard",
        "location",
        "contacts",
        "sms",
        "call_log",
        "camera",
        "microphone",
    } <= set(table["items"])
    used = {entry["item"] for entry in table["methods"]} | {rule["item"] for rule in table["arguments"]}
    assert used <= set(table["items"])
    assert set(table["alias_words"].values()) <= set(table["items"])
    names = [entry["name"] for entry in table["methods"]]
    assert len(names) == len(set(names))
    assert {entry["origin"] for entry in table["methods"]} == {"sdk", "framework", "hook"}


@pytest.mark.parametrize(
    ("function", "alias", "item", "public"),
    [
        # Framework-internal names, with or without the public API in the alias.
        ("getImeiForSlot", "获取设备id-getImei", "imei", "TelephonyManager.getImei"),
        ("getMeidForSlot", "", "imei", "TelephonyManager.getMeid"),
        ("getDeviceIdForPhone", "", "imei", "TelephonyManager.getDeviceId"),
        ("getSubscriberIdForSubscriber", "获取IMSI-getIMSI", "imsi", "TelephonyManager.getSubscriberId"),
        ("getIccSerialNumberForSubscriber", "-getSimSerialNumber", "iccid", "TelephonyManager.getSimSerialNumber"),
        ("getLine1NumberForSubscriber", "", "phone_number", "TelephonyManager.getLine1Number"),
        ("getSerialForPackage", "", "serial", "Build.getSerial"),
        ("getInstalledPackagesAsUser", "", "installed_apps", "PackageManager.getInstalledPackages"),
        ("getLastLocation", "", "location", "LocationManager.getLastKnownLocation"),
        ("connectDevice", "", "camera", "CameraManager.openCamera"),
        # Public names, with the argument list some tools append.
        ("getDeviceId", "获取设备id-getDeviceId(I)", "imei", "TelephonyManager.getDeviceId"),
        ("getConnectionInfo", "", "wifi", "WifiManager.getConnectionInfo"),
        ("getScanResults", "", "wifi", "WifiManager.getScanResults"),
        ("getConfiguredNetworks", "", "wifi", "WifiManager.getConfiguredNetworks"),
        ("getBSSID", "", "wifi", "WifiInfo.getBSSID"),
        ("getAddress", "获取蓝牙-getAddress", "mac", "BluetoothAdapter.getAddress"),
        ("getHardwareAddress", "", "mac", "NetworkInterface.getHardwareAddress"),
        ("getBondedDevices", "", "bluetooth", "BluetoothAdapter.getBondedDevices"),
        ("getPrimaryClip", "", "clipboard", "ClipboardManager.getPrimaryClip"),
        ("openCamera", "", "camera", "CameraManager.openCamera"),
        ("startRecording", "", "microphone", "AudioRecord.startRecording"),
        # A setter that starts a read is in the table; other setters are writes.
        ("setAudioSource", "设置音频源-setAudioSource", "microphone", "MediaRecorder.setAudioSource"),
        # An unknown (wrapped) function is read through the public API its alias names.
        ("getDeviceIdInternal", "获取设备id-TelephonyManager.getImei", "imei", "TelephonyManager.getImei"),
        # Generic names read personal information only for some arguments.
        ("getString", "系统设置-Settings$Secure--参数: android_id", "android_id", f"{SECURE}(ANDROID_ID)"),
        ("query", "读取短信-query--参数: content://sms/inbox", "sms", "ContentResolver.query(Telephony.Sms)"),
        ("query", "查询-query--参数: content://call_log/calls", "call_log", "ContentResolver.query(CallLog.Calls)"),
        ("query", "查询-query--参数: content://com.android.contacts/data", "contacts", f"{QUERY}(ContactsContract)"),
        ("open", "打开相机-Camera.open", "camera", "Camera.open"),
        ("<init>", "录音-AudioRecord.<init>", "microphone", "new AudioRecord"),
    ],
)
def test_reads(function, alias, item, public):
    read = consent.read_of(function, alias)
    assert (read.item, read.public) == (item, public)


@pytest.mark.parametrize(
    ("function", "alias"),
    [
        ("setPrimaryClip", "设置剪贴板内容-setPrimaryClip"),
        ("getString", "系统设置-Settings$System--参数: screen_brightness"),
        ("query", "查询-query--参数: content://media/external/images"),
        ("open", "打开文件-open"),
        ("getPackageInfo", "获取包信息-getPackageInfo"),
    ],
)
def test_calls_that_read_nothing_personal(function, alias):
    assert consent.read_of(function, alias) is None


def test_probes_are_reads_before_consent_but_not_frequent_reads():
    assert consent.read_of("hasPrimaryClip", "").probe
    assert not consent.read_of("getPrimaryClip", "").probe


def test_seconds_of_a_privacysentry_time():
    assert consent.seconds("01-01 00:01:02.500") == 62.5
    assert consent.seconds("02-29 00:00:00.000") == 59 * 86400
    assert consent.seconds("03-01 09:00:05") is not None
    assert consent.seconds("soon") is None
    assert consent.seconds(None) is None


def call(function, *, before=False, time=None, alias="", count=None, sequence=0):
    return Observation(
        "privacysentry",
        "privacy_api_call",
        f"call:隐私合规:{sequence}:{function}",
        {
            "function": function,
            "alias": alias,
            "time": time,
            "sequence": sequence,
            "count": count,
            "before_consent": before,
            "consent_time": "05-01 10:00:00.000" if before is not None else None,
        },
    )


def frequent(observations):
    return [c for c in detect_candidates(observations) if c.violation_code == "PI-02"]


def test_nine_clipboard_reads_in_one_session_after_consent_give_one_candidate():
    reads = [
        call("getPrimaryClip" if n % 2 else "getText", time=f"05-01 10:00:{10 + 2 * n:02d}.000", sequence=n)
        for n in range(9)
    ]
    (candidate,) = frequent(reads)
    assert candidate.locus == "frequent-read:clipboard"
    assert candidate.rule == "consent.frequent_reads"
    assert candidate.title == "同意隐私政策后频繁读取剪贴板：9次，16秒内"
    evidence = candidate.evidence
    assert evidence["reads"] == 9
    assert evidence["threshold"] == consent.FREQUENT_READS == 5
    assert (evidence["first_time"], evidence["last_time"], evidence["window_seconds"]) == (
        "05-01 10:00:10.000",
        "05-01 10:00:26.000",
        16.0,
    )
    assert evidence["max_reads_in_60s"] == 9
    assert evidence["functions"] == {"getText": 5, "getPrimaryClip": 4}
    assert evidence["after_consent"] is True
    assert evidence["count"] == 9 and len(evidence["examples"]) == 5


def test_below_the_threshold_before_consent_and_probes_do_not_count():
    four = [call("getLastKnownLocation", time=f"05-01 10:0{n}:00.000", sequence=n) for n in range(4)]
    assert frequent(four) == []
    before = [call("getPrimaryClip", before=True, sequence=n) for n in range(9)]
    probes = [call("hasPrimaryClip", sequence=n) for n in range(9)]
    assert frequent(before + probes) == []
    assert frequent(four + [call("requestLocationUpdates", sequence=9)])[0].evidence["reads"] == 5


def test_items_are_counted_apart_and_the_busiest_minute_is_reported():
    location = [call("getLastKnownLocation", time=f"05-01 1{n}:00:00.000", sequence=n) for n in range(6)]
    clipboard = [call("getPrimaryClip", time=f"05-01 10:00:0{n}.000", sequence=10 + n) for n in range(3)]
    (candidate,) = frequent(location + clipboard)
    assert candidate.locus == "frequent-read:location"
    assert candidate.evidence["max_reads_in_60s"] == 1
    assert candidate.evidence["window_seconds"] == 5 * 3600


def test_older_logs_count_rows_by_their_call_count_and_without_a_marker_count_everything():
    rows = [call("getImei", before=None, count=3, sequence=0), call("getDeviceId", before=None, count=2, sequence=1)]
    (candidate,) = frequent(rows)
    assert candidate.locus == "frequent-read:imei"
    assert candidate.title == "频繁读取设备识别码（IMEI/MEID）：5次"
    assert candidate.evidence["after_consent"] is None
    assert candidate.evidence["window_seconds"] is None
    assert candidate.evidence["max_reads_in_60s"] is None
    # Without a consent marker nothing is "before consent": no PI-01.
    assert [c.violation_code for c in detect_candidates(rows)] == ["PI-02"]


def test_before_consent_loci_stay_one_per_function():
    found = {
        c.locus: c
        for c in detect_candidates(
            [
                call("getImeiForSlot", before=True, alias="获取设备id-getImei", sequence=0),
                call("getImeiForSlot", before=True, alias="获取设备id-getImei", sequence=1),
                call("getImei", before=True, sequence=2),
            ]
        )
    }
    assert sorted(found) == ["before-consent:getImei", "before-consent:getImeiForSlot"]
    framework = found["before-consent:getImeiForSlot"]
    assert framework.evidence["count"] == 2
    assert (framework.evidence["item"], framework.evidence["public_api"]) == ("imei", "TelephonyManager.getImei")
    assert framework.evidence["category"] == "设备识别码（IMEI/MEID）"
