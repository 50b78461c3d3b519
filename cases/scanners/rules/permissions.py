"""Sensitive permissions requested by an app → PM-02 (contacts, location) or PM-01 (the rest).

PM-02 "违规调用通信录和地理位置权限" names contacts and location; the other AOSP "dangerous"
groups (phone, SMS, call log, camera, microphone, calendar, body sensors) are PM-01 "强制、频繁、
过度索取权限" candidates. The tool's own status is not trusted: MobSF 3.1.x marks INTERNET as
"dangerous" and labels unknown permissions "dangerous" too, so the AOSP names are listed here.
Storage is left out: it is requested by nearly every app and says little about personal data.
"""

from __future__ import annotations

from collections.abc import Iterable

from cases.scanners.base import Candidate, Observation
from cases.scanners.rules.base import Rule

# name → (code, group label in Chinese)
_ANDROID = {
    "READ_CONTACTS": ("PM-02", "通讯录"),
    "WRITE_CONTACTS": ("PM-02", "通讯录"),
    "GET_ACCOUNTS": ("PM-02", "通讯录（账户）"),
    "ACCESS_FINE_LOCATION": ("PM-02", "精确位置"),
    "ACCESS_COARSE_LOCATION": ("PM-02", "大致位置"),
    "ACCESS_BACKGROUND_LOCATION": ("PM-02", "后台位置"),
    "ACCESS_MEDIA_LOCATION": ("PM-02", "媒体位置信息"),
    "READ_PHONE_STATE": ("PM-01", "电话状态（设备标识）"),
    "READ_PHONE_NUMBERS": ("PM-01", "本机号码"),
    "READ_PRECISE_PHONE_STATE": ("PM-01", "电话状态"),
    "CALL_PHONE": ("PM-01", "拨打电话"),
    "ANSWER_PHONE_CALLS": ("PM-01", "接听电话"),
    "PROCESS_OUTGOING_CALLS": ("PM-01", "外拨电话"),
    "READ_CALL_LOG": ("PM-01", "通话记录"),
    "WRITE_CALL_LOG": ("PM-01", "通话记录"),
    "ADD_VOICEMAIL": ("PM-01", "语音信箱"),
    "USE_SIP": ("PM-01", "网络电话"),
    "SEND_SMS": ("PM-01", "短信"),
    "RECEIVE_SMS": ("PM-01", "短信"),
    "READ_SMS": ("PM-01", "短信"),
    "RECEIVE_MMS": ("PM-01", "彩信"),
    "RECEIVE_WAP_PUSH": ("PM-01", "WAP推送"),
    "READ_CELL_BROADCASTS": ("PM-01", "小区广播"),
    "CAMERA": ("PM-01", "相机"),
    "RECORD_AUDIO": ("PM-01", "麦克风"),
    "READ_CALENDAR": ("PM-01", "日历"),
    "WRITE_CALENDAR": ("PM-01", "日历"),
    "BODY_SENSORS": ("PM-01", "身体传感器"),
    "BODY_SENSORS_BACKGROUND": ("PM-01", "身体传感器"),
    "ACTIVITY_RECOGNITION": ("PM-01", "身体活动"),
}
_IOS = {
    "NSContactsUsageDescription": ("PM-02", "通讯录"),
    "NSLocationWhenInUseUsageDescription": ("PM-02", "位置"),
    "NSLocationAlwaysUsageDescription": ("PM-02", "位置"),
    "NSLocationAlwaysAndWhenInUseUsageDescription": ("PM-02", "位置"),
    "NSLocationUsageDescription": ("PM-02", "位置"),
    "NSCameraUsageDescription": ("PM-01", "相机"),
    "NSMicrophoneUsageDescription": ("PM-01", "麦克风"),
    "NSCalendarsUsageDescription": ("PM-01", "日历"),
    "NSMotionUsageDescription": ("PM-01", "运动与健身"),
    "NSHealthShareUsageDescription": ("PM-01", "健康"),
}
_ANDROID_PREFIXES = ("android.permission.", "com.android.voicemail.permission.")


def classify(name: str) -> tuple[str, str, str] | None:
    """(code, label, short name) for a sensitive permission, else None."""
    if name in _IOS:
        code, label = _IOS[name]
        return code, label, name
    for prefix in _ANDROID_PREFIXES:
        if name.startswith(prefix):
            short = name[len(prefix) :]
            if short in _ANDROID:
                code, label = _ANDROID[short]
                return code, label, short
    return None


class SensitivePermissionRule(Rule):
    name = "permission.sensitive"
    kinds = frozenset({"permission"})
    codes = ("PM-01", "PM-02")

    def __init__(self) -> None:
        self._seen: set[str] = set()

    def observe(self, observation: Observation) -> Iterable[Candidate]:
        name = str(observation.attributes.get("name") or "")
        found = classify(name)
        if found is None or name in self._seen:
            return ()
        self._seen.add(name)
        code, label, short = found
        return (
            Candidate(
                rule=self.name,
                violation_code=code,
                title=f"申请{label}权限：{short}",
                locus=f"permission:{name}",
                evidence={
                    "permission": name,
                    "tool": observation.tool,
                    "tool_status": observation.attributes.get("status"),
                    "description": observation.attributes.get("description") or observation.attributes.get("info"),
                    "observation": observation.locus,
                },
            ),
        )
