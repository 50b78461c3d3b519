"""How dates and numbers are written in an official document (GB/T 9704-2012)."""

import datetime
import re

_DIGITS = "零一二三四五六七八九"
_UNITS = ((1000, "千"), (100, "百"), (10, "十"))


def cn_date(value: datetime.date) -> str:
    """Write a date as ``2025年8月4日``: Arabic digits, no zero padding (GB/T 9704 §7.3.5)."""
    return f"{value.year}年{value.month}月{value.day}日"


def cn_numeral(number: int) -> str:
    """Write 1–9999 in Chinese numerals for ``一、`` headings: 10 is 十, 11 is 十一, 105 is 一百零五."""
    if not 0 < number < 10000:
        raise ValueError(f"heading numbers run from 1 to 9999, not {number}")
    parts = []
    rest = number
    pending_zero = False
    for unit, name in _UNITS:
        digit, rest = divmod(rest, unit)
        if digit:
            if pending_zero:
                parts.append("零")
                pending_zero = False
            # 十一 rather than 一十一 when the number starts with the tens.
            parts.append(name if unit == 10 and not parts and digit == 1 else _DIGITS[digit] + name)
        elif parts:
            pending_zero = True
    if rest:
        if pending_zero:
            parts.append("零")
        parts.append(_DIGITS[rest])
    return "".join(parts)


_LATIN = re.compile(r"[A-Za-z]")


def agency_code_of(doc_number: str) -> str:
    """The 发文机关代字 and kind of a document number: ``京信管函`` of ``京信管函〔2025〕12号``."""
    return doc_number.split("〔", 1)[0].strip()


def is_placeholder_agency_code(code: str) -> bool:
    """A 发文机关代字 is the bureau's Chinese abbreviation: empty or with Latin letters (``X信管函``),
    it is a placeholder that must never reach a printed order."""
    return not code or bool(_LATIN.search(code))
