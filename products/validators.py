"""The unified social credit code (统一社会信用代码), GB 32100-2015."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from products import error_codes

# GB 32100-2015 §4: the code's alphabet leaves out I, O, S, V and Z.
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
# §5: weight of position i is 3**i mod 31.
USCC_WEIGHTS = [pow(3, i, 31) for i in range(17)]

MSG_USCC_LENGTH = _("A unified social credit code has 18 characters.")
MSG_USCC_CHARS = _("A unified social credit code uses only digits and the letters A–Y without I, O, S, V, Z.")
MSG_USCC_CHECK = _("The check digit of this unified social credit code is wrong.")


def uscc_check_char(first17: str) -> str:
    """Return the 18th (check) character for the first 17 characters."""
    total = sum(USCC_ALPHABET.index(c) * w for c, w in zip(first17, USCC_WEIGHTS, strict=True))
    return USCC_ALPHABET[(31 - total % 31) % 31]


def validate_uscc(value: str) -> None:
    code = (value or "").strip().upper()
    if len(code) != 18:
        raise ValidationError(MSG_USCC_LENGTH, code=error_codes.USCC_LENGTH)
    if any(c not in USCC_ALPHABET for c in code):
        raise ValidationError(MSG_USCC_CHARS, code=error_codes.USCC_CHARS)
    if uscc_check_char(code[:17]) != code[17]:
        raise ValidationError(MSG_USCC_CHECK, code=error_codes.USCC_CHECK)


# GB/T 2260: the first two digits name the province-level division.
PROVINCE_CODES = frozenset(
    "11 12 13 14 15 21 22 23 31 32 33 34 35 36 37 41 42 43 44 45 46 50 51 52 53 54 61 62 63 64 65 71 81 82".split()
)
MSG_DIVISION_FORMAT = _("An administrative division code is six digits (GB/T 2260), e.g. 110105.")
MSG_DIVISION_PROVINCE = _("%(prefix)s is not the code of a province-level division (GB/T 2260).")
MSG_DIVISION_SHAPE = _("A division code with 00 for the city has 00 for the county too (e.g. 110000).")


def validate_division_code(value: str) -> None:
    """Six digits whose first two name a province-level division; a province's own code ends 0000."""
    code = (value or "").strip()
    if len(code) != 6 or not code.isascii() or not code.isdigit():
        raise ValidationError(MSG_DIVISION_FORMAT, code=error_codes.DIVISION_FORMAT)
    if code[:2] not in PROVINCE_CODES:
        raise ValidationError(MSG_DIVISION_PROVINCE, code=error_codes.DIVISION_PROVINCE, params={"prefix": code[:2]})
    if code[2:4] == "00" and code[4:] != "00":
        raise ValidationError(MSG_DIVISION_SHAPE, code=error_codes.DIVISION_SHAPE)


def region_prefix_valid(value: str) -> bool:
    """A region filter: a province (2 digits), city (4) or county (6) prefix of a division code."""
    return len(value) in (2, 4, 6) and value.isascii() and value.isdigit() and value[:2] in PROVINCE_CODES
