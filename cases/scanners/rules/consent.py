"""Personal information read before the user accepted the privacy policy → PI-01.

PI-01 "违规收集个人信息" (PIPL arts. 13, 14, 17; 认定方法 三: collecting before consent). The
PrivacySentry parser marks each call as before or after the consent marker; this rule keeps the
calls that read personal information (identifiers, location, contacts, installed apps, clipboard...)
and ignores writes such as setting the clipboard. One candidate per API function.
"""

from __future__ import annotations

from collections.abc import Iterable

from cases.scanners.base import Candidate, Observation
from cases.scanners.rules.base import Group, Grouper, Rule

_FUNCTIONS = {
    "getDeviceId": "设备标识",
    "getImei": "设备标识",
    "getMeid": "设备标识",
    "getSubscriberId": "设备标识",
    "getSimSerialNumber": "设备标识",
    "getSerial": "设备标识",
    "getLine1Number": "本机号码",
    "getAndroidId": "设备标识",
    "getMacAddress": "网络标识",
    "getHardwareAddress": "网络标识",
    "getAddress": "网络标识",
    "getBSSID": "网络标识",
    "getSSID": "网络标识",
    "getLastKnownLocation": "位置",
    "requestLocationUpdates": "位置",
    "requestSingleUpdate": "位置",
    "getCurrentLocation": "位置",
    "getLatitude": "位置",
    "getLongitude": "位置",
    "getCellLocation": "位置",
    "getAllCellInfo": "位置",
    "getInstalledPackages": "应用列表",
    "getInstalledApplications": "应用列表",
    "queryIntentActivities": "应用列表",
    "queryIntentActivityOptions": "应用列表",
    "getRunningAppProcesses": "运行中的应用",
    "getRunningTasks": "运行中的应用",
    "getRecentTasks": "运行中的应用",
    "getPrimaryClip": "剪贴板",
    "getPrimaryClipDescription": "剪贴板",
    "getText": "剪贴板",
    "hasPrimaryClip": "剪贴板",
}
# Read APIs with generic names (getString, query) count when their alias says what they read.
_ALIAS_WORDS = {
    "android_id": "设备标识",
    "联系人": "通讯录",
    "通讯录": "通讯录",
    "短信": "短信",
    "通话记录": "通话记录",
    "位置": "位置",
    "定位": "位置",
    "相机": "相机",
    "摄像头": "相机",
    "麦克风": "麦克风",
    "录音": "麦克风",
    "传感器": "传感器",
}


def category(function: str, alias: str) -> str | None:
    """What personal information a call reads, or None for calls that read none (or write)."""
    description = alias.partition("-")[0]
    if function.startswith("set") or description.startswith("设置"):
        return None
    if function in _FUNCTIONS:
        return _FUNCTIONS[function]
    lowered = alias.lower()
    for word, label in _ALIAS_WORDS.items():
        if word in lowered:
            return label
    return None


class BeforeConsentRule(Rule):
    name = "consent.before_policy"
    kinds = frozenset({"privacy_api_call"})
    codes = ("PI-01",)

    def __init__(self) -> None:
        self._groups = Grouper()

    def observe(self, observation: Observation) -> Iterable[Candidate]:
        attributes = observation.attributes
        if attributes.get("before_consent") is not True:
            return ()
        function = str(attributes.get("function") or "")
        alias = str(attributes.get("alias") or "")
        label = category(function, alias)
        if label is None:
            return ()
        description = str(attributes.get("description") or label)
        group = self._groups.get(
            f"before-consent:{function}",
            lambda: Group(
                "PI-01",
                f"同意隐私政策前调用{description}（{function}）",
                {
                    "function": function,
                    "category": label,
                    "consent_time": attributes.get("consent_time"),
                    "tool": observation.tool,
                },
            ),
        )
        group.add(
            {
                "alias": alias,
                "time": attributes.get("time"),
                "sequence": attributes.get("sequence"),
                "observation": observation.locus,
            }
        )
        return ()

    def finish(self) -> Iterable[Candidate]:
        return self._groups.candidates(self.name)
