"""Recognise personal data in what an app or device sends: identifiers, phone and ID numbers, places.

Weak patterns (a 15-digit number, 16 hex characters) only count under a key that names them
(``imei=``, ``"android_id":``); strong patterns count anywhere: a resident identity number with a
valid GB 11643-1999 check digit and birth date, a colon-separated MAC address. Values kept as
evidence are masked in the middle.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from urllib.parse import parse_qsl

from cases.scanners import limits

LABELS = {
    "imei": "IMEI",
    "meid": "MEID",
    "imsi": "IMSI",
    "android_id": "Android ID",
    "mac": "MAC地址",
    "phone": "手机号码",
    "id_number": "身份证号",
    "coordinates": "精确位置",
}

# GB 11643-1999 §5.2: weights 2^(17-i) mod 11 and the check characters for sums mod 11.
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
# GB/T 2260 province-level codes (first two digits of the administrative division code).
_PROVINCES = frozenset(
    "11 12 13 14 15 21 22 23 31 32 33 34 35 36 37 41 42 43 44 45 46 "
    "50 51 52 53 54 61 62 63 64 65 71 81 82 83 91".split()
)
_ID_NUMBER = re.compile(r"(?<![0-9A-Za-z])([1-9]\d{16}[\dXx])(?![0-9A-Za-z])")
_MAC_TEXT = re.compile(
    r"(?<![0-9A-Fa-f:-])((?:[0-9A-Fa-f]{2}([:-]))(?:[0-9A-Fa-f]{2}\2){4}[0-9A-Fa-f]{2})(?![0-9A-Fa-f:-])"
)
_MAC_VALUE = re.compile(r"^(?:[0-9A-Fa-f]{2}[:-]?){5}[0-9A-Fa-f]{2}$")
_MAC_SEPARATED = re.compile(r"^[0-9A-Fa-f]{2}([:-])(?:[0-9A-Fa-f]{2}\1){4}[0-9A-Fa-f]{2}$")
_MAC_STRIP = re.compile(r"[:-]")
_PHONE_VALUE = re.compile(r"^(?:\+?86[- ]?)?(1[3-9]\d{9})$")
_DIGITS = re.compile(r"^\d+$")
_HEX16 = re.compile(r"^[0-9a-fA-F]{15,16}$")
_MEID = re.compile(r"^[0-9A-Fa-f]{14}$")
_DECIMAL = re.compile(r"^-?\d{1,3}\.(\d+)$")
_LATLNG = re.compile(r"^\s*(-?\d{1,2}\.\d{4,})\s*,\s*(-?\d{1,3}\.\d{4,})\s*$")
_JSON_PAIR = re.compile(r'"([A-Za-z0-9_.\-]{1,64})"\s*:\s*(?:"([^"\\]{0,256})"|(-?\d[\d.eE+\-]{0,40}))')
_KEY_CLEAN = re.compile(r"[^a-z0-9]")
# A first look at a whole request, at C speed: the text is mapped to character classes and
# searched for the shapes of the kinds above, with exact lengths so that 13-digit millisecond
# timestamps and UUIDs do not count. Only a request that passes gets the regexes and key checks.
_DIGIT_SHAPE = bytes(0x64 if 0x30 <= b <= 0x39 else 0x58 if b in b"Xx" else 0x20 for b in range(256))
_DECIMAL_SHAPE = bytes(0x64 if 0x30 <= b <= 0x39 else 0x2E if b == 0x2E else 0x20 for b in range(256))
_HEX_SHAPE = bytes(
    0x78 if (0x30 <= b <= 0x39 or 0x41 <= b <= 0x46 or 0x61 <= b <= 0x66) else 0x3A if b in b":-" else 0x20
    for b in range(256)
)
# Lengths of digit runs (X ends an ID number) and of hex runs (":" and "-" join MAC groups) worth
# a closer look: 11 mobile, 14-15 IMEI/IMSI, 18 ID number; 12/17 MAC, 14 MEID, 15-16 Android ID.
_DIGIT_RUNS = frozenset({11, 14, 15, 18})
_HEX_RUNS = frozenset({12, 14, 15, 16, 17})
# 13 digits is a millisecond timestamp far more often than a mobile number written with 86 in front.
_PHONE_86 = re.compile(rb"861[3-9][0-9]{9}")
# Placeholder MACs: Android ≥ 6 answers 02:00:00:00:00:00 to apps; all-zero and broadcast are not devices.
_FAKE_MACS = frozenset({"000000000000", "020000000000", "ffffffffffff"})

_KEY_KINDS = {
    "imei": "imei",
    "imei1": "imei",
    "imei2": "imei",
    "deviceimei": "imei",
    "meid": "imei",
    "deviceid": "imei",
    "did": "imei",
    "imsi": "imsi",
    "subscriberid": "imsi",
    "androidid": "android_id",
    "ssaid": "android_id",
    "aid": "android_id",
    "mac": "mac",
    "macaddress": "mac",
    "macaddr": "mac",
    "wifimac": "mac",
    "wlanmac": "mac",
    "btmac": "mac",
    "bluetoothmac": "mac",
    "bssid": "mac",
    "phone": "phone",
    "phonenumber": "phone",
    "phonenum": "phone",
    "phoneno": "phone",
    "mobile": "phone",
    "mobileno": "phone",
    "mobilephone": "phone",
    "cellphone": "phone",
    "tel": "phone",
    "telephone": "phone",
    "msisdn": "phone",
    "lat": "lat",
    "latitude": "lat",
    "lng": "lng",
    "lon": "lng",
    "long": "lng",
    "longitude": "lng",
    "location": "latlng",
    "loc": "latlng",
    "ll": "latlng",
    "gps": "latlng",
    "coord": "latlng",
    "coordinate": "latlng",
    "coordinates": "latlng",
}
# Coordinates are "precise" from four decimals (about 11 m at the equator).
_PRECISE_DECIMALS = 4


@dataclass(frozen=True, slots=True)
class Hit:
    kind: str
    value: str
    where: str


_LUHN_DOUBLED = (0, 2, 4, 6, 8, 1, 3, 5, 7, 9)


def mask(value: str) -> str:
    """Keep the first and last characters so a reviewer can match the value to the device."""
    if len(value) <= 8:
        return value[:2] + "*" * (len(value) - 2)
    keep = 6 if len(value) >= 15 else 3
    return value[:keep] + "*" * (len(value) - keep - 4) + value[-4:]


def valid_id_number(value: str) -> bool:
    """GB 11643-1999 citizen identity number: province, a real birth date and the check character."""
    if len(value) != 18 or not value[:17].isdigit() or value[:2] not in _PROVINCES:
        return False
    try:
        born = date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        return False
    if born.year < 1900 or born > date.today():
        return False
    total = sum(int(digit) * weight for digit, weight in zip(value[:17], _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11] == value[17].upper()


def luhn_valid(digits: str) -> bool:
    """The IMEI check digit (3GPP TS 23.003 annex B) is a Luhn check."""
    # From the right: digits in odd places count as they are, the others doubled (less 9 past 9).
    total = sum(map(int, digits[::-1][::2])) + sum(_LUHN_DOUBLED[int(char)] for char in digits[::-1][1::2])
    return total % 10 == 0


@lru_cache(maxsize=4096)
def _key_kind(key: str) -> str | None:
    key = key.lower()
    # Custom headers name their field after an "X-" prefix ("X-Device-Id").
    return _KEY_KINDS.get(_KEY_CLEAN.sub("", key[2:] if key.startswith("x-") else key))


def _precise(value: str) -> bool:
    match = _DECIMAL.match(value.strip())
    return bool(match) and len(match.group(1)) >= _PRECISE_DECIMALS


def _by_key(kind: str, value: str) -> str | None:
    """The personal-data kind of ``value`` under a key naming ``kind``, if the value fits it."""
    value = value.strip()
    if kind == "imei":
        if _DIGITS.match(value) and len(value) == 15 and luhn_valid(value):
            return "imei"
        if _MEID.match(value) and not _DIGITS.match(value):
            return "meid"
        if _HEX16.match(value) and not _DIGITS.match(value):
            return "android_id"
        return None
    if kind == "imsi":
        return "imsi" if _DIGITS.match(value) and 14 <= len(value) <= 15 else None
    if kind == "android_id":
        return "android_id" if _HEX16.match(value) and len(set(value)) > 2 else None
    if kind == "mac":
        if _MAC_VALUE.match(value) and _MAC_STRIP.sub("", value).lower() not in _FAKE_MACS:
            return "mac"
        return None
    if kind == "phone":
        return "phone" if _PHONE_VALUE.match(value) else None
    if kind == "latlng":
        match = _LATLNG.match(value)
        if match and abs(float(match.group(1))) <= 90 and abs(float(match.group(2))) <= 180:
            return "coordinates"
    return None


def pairs_in_text(text: str) -> Iterator[tuple[str, str]]:
    """Key/value pairs in a body: JSON members (without building the document) or a form."""
    text = text[: limits.MAX_SCANNED_TEXT_CHARS]
    stripped = text.lstrip()
    if stripped.startswith(("{", "[")):
        for match in _JSON_PAIR.finditer(text):
            yield match.group(1), match.group(2) if match.group(2) is not None else match.group(3)
    elif "=" in text and "\n" not in text.strip():
        yield from parse_qsl(text, keep_blank_values=False)[:500]


def find(pairs: Iterable[tuple[str, str, str]], texts: Iterable[tuple[str, str]]) -> list[Hit]:
    """Personal data in (where, key, value) pairs and in (where, text) free text."""
    hits: list[Hit] = []
    seen: set[tuple[str, str]] = set()
    latitude: tuple[str, str] | None = None
    longitude: tuple[str, str] | None = None

    def add(kind: str, value: str, where: str) -> None:
        if (kind, value) not in seen:
            seen.add((kind, value))
            hits.append(Hit(kind, mask(value), where))

    for where, key, value in pairs:
        if not value or len(value) > 512:
            continue
        value = value.strip()
        kind = _key_kind(key)
        if kind == "lat" and _precise(value):
            latitude = (value, f"{where}:{key}")
        elif kind == "lng" and _precise(value):
            longitude = (value, f"{where}:{key}")
        elif kind is not None:
            found = _by_key(kind, value)
            if found:
                add(found, value.lower() if found == "mac" else value, f"{where}:{key}")
                continue
        # Strong shapes count under any key; the key then names where they were sent.
        phone = _PHONE_VALUE.match(value)
        if phone:
            add("phone", phone.group(1), f"{where}:{key}")
        elif len(value) == 18 and valid_id_number(value.upper()):
            add("id_number", value.upper(), f"{where}:{key}")
        elif _MAC_SEPARATED.match(value) and _MAC_STRIP.sub("", value).lower() not in _FAKE_MACS:
            add("mac", value.lower(), f"{where}:{key}")
    if latitude and longitude:
        lat, lng = float(latitude[0]), float(longitude[0])
        if abs(lat) <= 90 and abs(lng) <= 180:
            add("coordinates", f"{latitude[0]},{longitude[0]}", latitude[1])
    for where, text in texts:
        text = text[: limits.MAX_SCANNED_TEXT_CHARS]
        if not text or not needs_scan(text):
            continue
        for match in _ID_NUMBER.finditer(text):
            if valid_id_number(match.group(1)):
                add("id_number", match.group(1).upper(), where)
        for match in _MAC_TEXT.finditer(text):
            value = match.group(1)
            if _MAC_STRIP.sub("", value).lower() not in _FAKE_MACS:
                add("mac", value.lower(), where)
    return hits


def needs_scan(text: str) -> bool:
    """Cheap first look: nothing shaped like an identifier means nothing to find."""
    raw = text.encode("utf-8", "surrogatepass")
    digit_runs = set(map(len, raw.translate(_DIGIT_SHAPE).split()))
    if not digit_runs.isdisjoint(_DIGIT_RUNS):
        return True
    if 13 in digit_runs:
        for match in _PHONE_86.finditer(raw):
            start, end = match.span()
            if (start == 0 or not raw[start - 1 : start].isdigit()) and not raw[end : end + 1].isdigit():
                return True
    if b"." in raw and b"d.dddd" in raw.translate(_DECIMAL_SHAPE):
        return True
    return not _HEX_RUNS.isdisjoint(map(len, raw.translate(_HEX_SHAPE).split()))
