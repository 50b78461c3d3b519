"""The unified social credit code (GB 32100-2015): length, alphabet and check digit."""

import pytest
from django.core.exceptions import ValidationError

from products.validators import USCC_ALPHABET, USCC_WEIGHTS, uscc_check_char, validate_uscc
from tests.factories import make_uscc

VALID = [
    "91350100M000100Y43",  # the sample code printed in GB 32100-2015
    "911100007109288314",
    "91440300708461136T",
    "91110108551385082Q",
]


def test_alphabet_and_weights_follow_the_standard():
    assert len(USCC_ALPHABET) == 31
    assert not set("IOSVZ") & set(USCC_ALPHABET)
    assert USCC_WEIGHTS == [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]


@pytest.mark.parametrize("code", VALID)
def test_valid_codes_pass(code):
    assert uscc_check_char(code[:17]) == code[17]
    validate_uscc(code)


def test_lower_case_and_spaces_are_tolerated():
    validate_uscc("  91350100m000100y43 ")


def test_factory_codes_are_valid_and_distinct():
    codes = {make_uscc(n) for n in range(200)}
    assert len(codes) == 200
    for code in codes:
        validate_uscc(code)


@pytest.mark.parametrize(
    ("code", "error_code"),
    [
        ("91350100M000100Y44", "uscc_check"),
        ("91350100M000100Y4", "uscc_length"),
        ("91350100M000100Y433", "uscc_length"),
        ("", "uscc_length"),
        ("91350100M000100I43", "uscc_chars"),  # I is not in the alphabet
        ("91350100M0001O0Y43", "uscc_chars"),  # nor O
        ("9135010-M000100Y43", "uscc_chars"),
    ],
)
def test_invalid_codes_raise_with_a_stable_code(code, error_code):
    with pytest.raises(ValidationError) as info:
        validate_uscc(code)
    assert info.value.code == error_code


def test_every_wrong_check_character_is_caught():
    body = VALID[0][:17]
    wrong = [c for c in USCC_ALPHABET if c != VALID[0][17]]
    for c in wrong:
        with pytest.raises(ValidationError):
            validate_uscc(body + c)
    assert len(wrong) == 30
