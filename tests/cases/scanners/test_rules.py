import importlib
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cases.scanners import Observation, detect_candidates
from cases.scanners.rules import RULE_TYPES, consent, hosts, identifiers, permissions
from cases.scanners.rules import personal_data as personal_data_module


def _check_character(first17: str) -> str:
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    return "10X98765432"[sum(int(d) * w for d, w in zip(first17, weights, strict=True)) % 11]


def request(url="https://api.example.cn/x", *, host="api.example.cn", query=(), body="", headers=(), cookies=()):
    return Observation(
        "har",
        "http_request",
        f"GET {url}#0",
        {
            "method": "GET",
            "url": url,
            "host": host,
            "query": [list(pair) for pair in query],
            "body": body,
            "headers": [list(pair) for pair in headers],
            "cookies": [list(pair) for pair in cookies],
            "body_params": [],
            "started": "2025-01-01T00:00:00Z",
        },
    )


def candidates(*observations):
    return {c.locus: c for c in detect_candidates(observations)}


def test_every_rule_code_is_in_the_taxonomy():
    # SEC-01 joined the taxonomy in migration 0009, after the seed of 0002.
    seeds = [
        importlib.import_module(f"cases.migrations.{name}")
        for name in ("0002_seed_violation_types", "0009_i12_security_measures_type")
    ]
    known = {row[0] for seed in seeds for row in seed.VIOLATION_TYPES}
    used = {code for rule in RULE_TYPES for code in rule.codes}
    assert used == {"PM-01", "PM-02", "SDK-01", "PI-01", "PI-02", "PI-03", "PI-05", "ST-03", "SEC-01"}
    assert used <= known
    assert len({rule.name for rule in RULE_TYPES}) == len(RULE_TYPES)
    assert all(len(rule.name) <= 64 for rule in RULE_TYPES)


# GB 11643-1999 resident identity numbers


def test_id_number_check_digit():
    assert identifiers.valid_id_number("11010519491231002X")
    assert identifiers.valid_id_number("11010519491231002x".upper())
    assert not identifiers.valid_id_number("110105194912310021")  # wrong check character
    assert identifiers.valid_id_number("440308199001011234") is (_check_character("44030819900101123") == "4")


def test_id_number_needs_a_real_birth_date_and_province():
    february_30 = "11010519490230001"
    assert not identifiers.valid_id_number(february_30 + _check_character(february_30))
    unknown_province = "99010519491231002"
    assert not identifiers.valid_id_number(unknown_province + _check_character(unknown_province))
    future = f"110105{date.today().year + 1}0101002"
    assert not identifiers.valid_id_number(future + _check_character(future))
    assert not identifiers.valid_id_number("1101051949123100")  # too short


def test_id_number_in_free_text_only_with_valid_check_digit():
    hits = identifiers.find([], [("body", "a=11010519491231002X&b=110105194912310021&c=911010519491231002X")])
    assert [(h.kind, h.value) for h in hits] == [("id_number", "110105********002X")]


# other identifiers


def test_imei_luhn_and_key():
    assert identifiers.luhn_valid("490154203237518")
    assert not identifiers.luhn_valid("490154203237519")
    hits = identifiers.find(
        [
            ("query", "imei", "490154203237518"),
            ("query", "order", "490154203237518"),
            ("query", "IMEI", "490154203237519"),
        ],
        [],
    )
    # Under "order" a 15-digit number is just a number; a Luhn failure is not an IMEI.
    assert [(h.kind, h.where) for h in hits] == [("imei", "query:imei")]


def test_device_id_key_tells_imei_meid_and_android_id_apart():
    hits = identifiers.find(
        [
            ("body", "deviceId", "490154203237518"),
            ("body", "device_id", "A1000012345678"),
            ("body", "did", "9774d56d682e549c"),
            ("body", "android_id", "0000000000000000"),
            ("body", "imsi", "460001234567890"),
        ],
        [],
    )
    assert [(h.kind, h.where) for h in hits] == [
        ("imei", "body:deviceId"),
        ("meid", "body:device_id"),
        ("android_id", "body:did"),
        ("imsi", "body:imsi"),
    ]


def test_phone_numbers():
    hits = identifiers.find(
        [("query", "q", "13800138000"), ("query", "tel", "+86 139 1234 5678"), ("query", "ts", "12800138000")],
        [("url", "https://x.example/?ts=13800138000123")],
    )
    assert [(h.kind, h.value) for h in hits] == [("phone", "138****8000")]


def test_mac_addresses_skip_placeholders():
    hits = identifiers.find(
        [("body", "mac", "02:00:00:00:00:00"), ("body", "wifiMac", "A4C138001122")],
        [("body", "bssid aa:bb:cc:dd:ee:ff and 00:00:00:00:00:00 and ff-ff-ff-ff-ff-ff")],
    )
    assert [(h.kind, h.where) for h in hits] == [("mac", "body:wifiMac"), ("mac", "body")]
    assert hits[1].value == "aa:bb:*******e:ff"


def test_coordinates_need_precision_and_range():
    precise = identifiers.find([("q", "lat", "39.904211"), ("q", "lng", "116.407395")], [])
    assert [(h.kind, h.where) for h in precise] == [("coordinates", "q:lat")]
    assert identifiers.find([("q", "lat", "39.9"), ("q", "lng", "116.4")], []) == []
    assert identifiers.find([("q", "lat", "139.904211"), ("q", "lng", "116.407395")], []) == []
    combined = identifiers.find([("q", "location", "31.230416,121.473701")], [])
    assert [h.kind for h in combined] == ["coordinates"]


def test_needs_scan_ignores_timestamps_and_uuids():
    assert not identifiers.needs_scan("ts=1700000000123&uuid=1b55ded2-453f-414d-8356-9c024f271ca0&v=1.2.3")
    assert identifiers.needs_scan("x=8613800138000")
    assert identifiers.needs_scan('"mac":"aabbccddeeff"')
    assert identifiers.needs_scan("lat=39.90421")


def test_pairs_in_json_and_form_bodies():
    assert list(identifiers.pairs_in_text('{"a": {"imei": "490154203237518"}, "n": 5}')) == [
        ("imei", "490154203237518"),
        ("n", "5"),
    ]
    assert list(identifiers.pairs_in_text("phone=13800138000&x=1")) == [("phone", "13800138000"), ("x", "1")]
    assert list(identifiers.pairs_in_text("free text\nwith = sign")) == []


# personal data in traffic → PI-03 / ST-03


def test_tracker_host_is_pi03_other_hosts_st03_local_hosts_nothing():
    found = candidates(
        request("https://alog.umeng.com/a", host="alog.umeng.com", query=[("imei", "490154203237518")]),
        request("https://api.example.cn/a", query=[("imei", "490154203237518")]),
        request("http://10.0.0.5/a", host="10.0.0.5", query=[("imei", "490154203237518")]),
        request("http://printer.local/a", host="printer.local", query=[("imei", "490154203237518")]),
    )
    assert {locus: c.violation_code for locus, c in found.items()} == {
        "personal-data:imei:alog.umeng.com": "PI-03",
        "personal-data:imei:api.example.cn": "ST-03",
    }
    assert found["personal-data:imei:alog.umeng.com"].evidence["exodus_id"] == 119


def test_personal_data_groups_per_kind_and_host_and_caps_examples():
    observations = [request(query=[("phone", f"1380013{n:04d}")]) for n in range(8)]
    (candidate,) = detect_candidates(observations)
    assert candidate.locus == "personal-data:phone:api.example.cn"
    assert candidate.evidence["count"] == 8
    assert len(candidate.evidence["examples"]) == 5


def test_identifiers_in_custom_headers_and_cookies_but_not_user_agent():
    found = candidates(
        request(headers=[("X-Device-Id", "490154203237518"), ("User-Agent", "Build/13800138000")]),
        request(cookies=[("mobile", "13912345678")]),
    )
    assert sorted(found) == ["personal-data:imei:api.example.cn", "personal-data:phone:api.example.cn"]


def test_loci_do_not_depend_on_order():
    first = request(query=[("imei", "490154203237518")])
    second = request("https://alog.umeng.com/", host="alog.umeng.com", body='{"mobile": "13800138000"}')
    assert sorted(candidates(first, second)) == sorted(candidates(second, first))


def test_hosts():
    assert hosts.is_local("192.168.1.1")
    assert hosts.is_local("fe80::1")
    assert hosts.is_local("224.0.0.251")
    assert hosts.is_local("router.lan")
    assert hosts.is_local("")
    assert not hosts.is_local("47.96.1.2")
    assert not hosts.is_local("api.example.cn")


# permissions → PM-01 / PM-02


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("android.permission.READ_CONTACTS", ("PM-02", "通讯录", "READ_CONTACTS")),
        ("android.permission.ACCESS_COARSE_LOCATION", ("PM-02", "大致位置", "ACCESS_COARSE_LOCATION")),
        ("android.permission.READ_CALL_LOG", ("PM-01", "通话记录", "READ_CALL_LOG")),
        ("android.permission.SEND_SMS", ("PM-01", "短信", "SEND_SMS")),
        ("android.permission.CAMERA", ("PM-01", "相机", "CAMERA")),
        ("android.permission.RECORD_AUDIO", ("PM-01", "麦克风", "RECORD_AUDIO")),
        ("NSContactsUsageDescription", ("PM-02", "通讯录", "NSContactsUsageDescription")),
        ("android.permission.INTERNET", None),
        ("android.permission.WRITE_EXTERNAL_STORAGE", None),
        ("android.permission.ACCESS_GPS", None),
        ("com.example.permission.READ_CONTACTS", None),
    ],
)
def test_permission_classification(name, expected):
    assert permissions.classify(name) == expected


def test_permission_candidates_once_per_permission():
    observation = Observation("mobsf", "permission", "permission:x", {"name": "android.permission.READ_SMS"})
    (candidate,) = detect_candidates([observation, observation])
    assert candidate.title == "申请短信权限：READ_SMS"
    assert candidate.locus == "permission:android.permission.READ_SMS"


# trackers → SDK-01


def test_tracker_categories_decide():
    found = candidates(
        Observation("mobsf", "tracker", "t", {"name": "Sentry", "exodus_id": 447, "categories": ["Crash reporting"]}),
        Observation("mobsf", "tracker", "t", {"name": "Google Firebase Analytics", "exodus_id": 49, "categories": []}),
        Observation("mobsf", "tracker", "t", {"name": "Umeng Analytics", "exodus_id": 119, "categories": []}),
        Observation("mobsf", "tracker", "t", {"name": "Some SDK", "exodus_id": None, "categories": []}),
    )
    # Categories missing from the report come from the εxodus list; Umeng has none there and still
    # counts (a listed tracker with no stated purpose); an unlisted SDK with no purpose does not.
    assert list(found) == ["tracker:49", "tracker:119"]
    assert found["tracker:49"].evidence["categories"] == ["Analytics"]
    assert found["tracker:119"].evidence["categories"] == []


# consent → PI-01


@pytest.mark.parametrize(
    ("function", "alias", "expected"),
    [
        ("getImei", "获取设备id-getImei", "imei"),
        ("getString", "系统设置-Settings$Secure--参数: android_id", "android_id"),
        ("getString", "系统设置-Settings$System--参数: screen_brightness", None),
        ("query", "读取联系人-query", "contacts"),
        ("setPrimaryClip", "设置剪贴板内容-setPrimaryClip", None),
        ("setText", "设置剪贴板内容-setText", None),
        ("getText", "获取剪贴板内容-getText", "clipboard"),
    ],
)
def test_consent_categories(function, alias, expected):
    assert consent.category(function, alias) == expected


def test_calls_after_consent_or_without_marker_are_not_candidates():
    def call(before):
        return Observation(
            "privacysentry",
            "privacy_api_call",
            "c",
            {"function": "getImei", "alias": "获取设备id-getImei", "before_consent": before},
        )

    assert list(detect_candidates([call(False), call(None)])) == []
    (candidate,) = detect_candidates([call(True)])
    assert (candidate.violation_code, candidate.locus) == ("PI-01", "before-consent:getImei")


# privacy policy → PI-05


def test_privacy_policy_rule():
    def meta(**attributes):
        return Observation("mobsf", "app_meta", "app", attributes)

    assert list(detect_candidates([meta(privacy_policy_url=None, privacy_policy_searched=[])])) == []
    assert (
        list(detect_candidates([meta(privacy_policy_url="https://x/privacy", privacy_policy_searched=["app URLs"])]))
        == []
    )
    (candidate,) = detect_candidates([meta(privacy_policy_url=None, privacy_policy_searched=["app URLs"], url_count=3)])
    assert candidate.violation_code == "PI-05"
    assert candidate.evidence["searched"] == ["app URLs"]
    assert candidate.evidence["urls_examined"] == 3


# device traffic to clouds → ST-03


def _conn(remote, state="SF", sent=100, device="192.168.1.5"):
    return Observation(
        "zeek",
        "connection",
        f"conn:{remote}",
        {
            "stream": "conn",
            "orig_h": device,
            "resp_h": remote,
            "resp_p": 443,
            "ts": 1.0,
            "record": {"conn_state": state, "orig_bytes": sent, "resp_bytes": 0},
        },
    )


def test_cloud_rule_counts_only_exchanges_with_data():
    found = candidates(
        _conn("47.96.1.2"),
        _conn("47.96.1.3", state="REJ", sent=0),
        _conn("47.96.1.4", sent=0),
        _conn("192.168.1.1"),
        _conn("47.96.1.2", device="192.168.1.6"),
    )
    # One candidate per (device, owner): both addresses of Alibaba's cloud, two devices.
    owner = "Hangzhou Alibaba Advertising Co.,Ltd."
    assert list(found) == [f"traffic:192.168.1.5:{owner}", f"traffic:192.168.1.6:{owner}"]
    first = found[f"traffic:192.168.1.5:{owner}"].evidence
    assert (first["bytes_sent"], first["connections"], first["addresses"]) == (100, 1, 1)
    assert first["excluded"]["no_payload"]["count"] == 2
    assert first["excluded"]["local"]["count"] == 1


# The personal-data rule's first look (field by field, through caches) must pass every request in
# which the full search finds something; otherwise data would be missed silently.
_SHAPED = st.text(alphabet='0123456789abcdefABCDEFXx:-.=&?/ +,"{}', max_size=40)
_VALUES = st.one_of(
    _SHAPED,
    st.sampled_from(
        [
            "864332181960016",
            "13812345678",
            "+86 13812345678",
            "11010519491231002X",
            "AA:BB:CC:DD:EE:01",
            "9774d56d682e549c",
            "460001234567890",
            "39.9042",
            "39.9042,116.4074",
            '{"imei": "864332181960016"}',
            "mac=AA-BB-CC-DD-EE-02&lat=31.2304",
        ]
    ),
)
_KEYS = st.sampled_from(
    ["imei", "X-Device-Id", "mac", "lat", "lng", "phone", "ll", "androidid", "imsi", "q", "User-Agent"]
)
_PAIR_LISTS = st.lists(st.tuples(_KEYS, _VALUES).map(list), max_size=4)


@settings(max_examples=400, deadline=None)
@given(url=_VALUES, body=_VALUES, headers=_PAIR_LISTS, query=_PAIR_LISTS, cookies=_PAIR_LISTS, params=_PAIR_LISTS)
def test_the_first_look_passes_whatever_the_search_finds(url, body, headers, query, cookies, params):
    attributes = {
        "url": f"https://a.example/?{url}",
        "body": body,
        "headers": headers,
        "query": query,
        "cookies": cookies,
        "body_params": params,
    }
    found = personal_data_module._headers(attributes)
    hits = identifiers.find(
        personal_data_module._pairs(attributes, found), personal_data_module._texts(attributes, found)
    )
    if hits:
        assert personal_data_module._worth_a_look(attributes)
