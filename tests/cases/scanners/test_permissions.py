"""The sensitive-permission table (Android protection levels, iOS protected resources) and its rule."""

import json
from pathlib import Path

import pytest

from cases.scanners import Observation, ScanContext, detect_candidates
from cases.scanners.rules import permissions

TABLE = Path(permissions.__file__).resolve().parent.parent / "data" / "permissions.json"


def test_table_follows_the_platform_protection_levels_and_cites_them():
    table = json.loads(TABLE.read_text("utf-8"))
    assert "AndroidManifest.xml" in table["source"] and "Protected resources" in table["source"]
    for short, entry in table["android"].items():
        assert entry["code"] in {"PM-01", "PM-02"}, short
        # Only permissions Android protects as dangerous, now or in the API levels the entry names.
        assert entry["protection"] == "dangerous" or entry.get("counted") is False, short
        assert entry.get("counted", True) or entry.get("note"), f"{short}: left out without a reason"
    groups = {entry["group"]: entry["code"] for entry in table["android"].values() if entry.get("counted", True)}
    assert groups["CONTACTS"] == groups["LOCATION"] == "PM-02"
    assert groups["PHONE"] == groups["SENSORS"] == groups["NEARBY_DEVICES"] == "PM-01"


@pytest.mark.parametrize(
    ("name", "code", "label"),
    [
        ("android.permission.READ_PROFILE", "PM-02", "通讯录（机主个人资料）"),
        ("android.permission.USE_CREDENTIALS", "PM-01", "账户凭据"),
        ("android.permission.BODY_SENSORS", "PM-01", "身体传感器"),
        ("android.permission.ACTIVITY_RECOGNITION", "PM-01", "身体活动"),
        ("android.permission.READ_PHONE_NUMBERS", "PM-01", "本机号码"),
        ("android.permission.ACCESS_BACKGROUND_LOCATION", "PM-02", "后台位置"),
        ("android.permission.READ_MEDIA_IMAGES", "PM-01", "照片"),
        ("android.permission.READ_MEDIA_VIDEO", "PM-01", "视频"),
        ("android.permission.READ_MEDIA_AUDIO", "PM-01", "音频"),
        ("android.permission.READ_MEDIA_VISUAL_USER_SELECTED", "PM-01", "用户选择的照片和视频"),
        ("android.permission.NEARBY_WIFI_DEVICES", "PM-01", "附近设备（Wi-Fi）"),
        ("android.permission.BLUETOOTH_SCAN", "PM-01", "附近设备（蓝牙扫描）"),
        ("android.permission.BLUETOOTH_CONNECT", "PM-01", "附近设备（蓝牙连接）"),
        ("android.permission.UWB_RANGING", "PM-01", "附近设备（超宽带测距）"),
        ("com.android.voicemail.permission.ADD_VOICEMAIL", "PM-01", "语音信箱"),
        ("com.android.browser.permission.READ_HISTORY_BOOKMARKS", "PM-01", "浏览记录和书签"),
        ("NSPhotoLibraryUsageDescription", "PM-01", "照片"),
        ("NSUserTrackingUsageDescription", "PM-01", "跨应用跟踪（IDFA）"),
        ("NSLocationTemporaryUsageDescriptionDictionary", "PM-02", "位置"),
    ],
)
def test_dangerous_permissions(name, code, label):
    assert permissions.classify(name)[:2] == (code, label)


@pytest.mark.parametrize(
    "name",
    [
        # Protected, but left out on purpose (the table's notes say why).
        "android.permission.READ_EXTERNAL_STORAGE",
        "android.permission.POST_NOTIFICATIONS",
        "android.permission.READ_PRECISE_PHONE_STATE",
        "android.permission.AUTHENTICATE_ACCOUNTS",
    ],
)
def test_protected_but_not_counted(name):
    assert permissions.entry(name) is not None
    assert permissions.classify(name) is None


@pytest.mark.parametrize(
    "name",
    [
        "android.permission.INTERNET",
        "android.permission.ACCESS_WIFI_STATE",
        "android.permission.READ_BASIC_PHONE_STATE",
    ],
)
def test_normal_permissions(name):
    assert permissions.entry(name) is None


def _permission(name):
    return Observation("mobsf", "permission", f"permission:{name}", {"name": name, "status": "dangerous"})


def test_historical_permission_evidence_names_its_api_levels():
    (candidate,) = detect_candidates([_permission("android.permission.USE_CREDENTIALS")])
    assert (candidate.violation_code, candidate.title) == ("PM-01", "申请账户凭据权限：USE_CREDENTIALS")
    assert candidate.evidence["protection"] == "dangerous"
    assert (candidate.evidence["since_api"], candidate.evidence["until_api"]) == (5, 22)
    assert candidate.evidence["group"] == "ACCOUNTS"


def test_no_permission_candidate_on_a_terminal():
    observations = [_permission("android.permission.READ_CONTACTS"), _permission("android.permission.CAMERA")]
    assert list(detect_candidates(observations, context=ScanContext(product_kind="terminal"))) == []
    found = detect_candidates(observations, context=ScanContext(product_kind="sdk"))
    assert [c.violation_code for c in found] == ["PM-02", "PM-01"]
