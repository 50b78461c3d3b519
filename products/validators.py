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
