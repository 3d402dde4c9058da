from __future__ import annotations

import base64

import pytest
from cryptography.exceptions import InvalidTag

from kit.crypto import FieldCipher
from kit.identifiers import (
    id_check_digit,
    is_valid_id_number,
    is_valid_licence_identifier,
    is_valid_uscc,
    licence_identifier,
)
from kit.masking import policy


def test_standard_masking_matches_the_platform_convention() -> None:
    p = policy("standard")
    assert p.id_number("530102199003153217") == "5301**********3217"
    assert p.phone("13812345678") == "138****5678"
    assert p.name("张三") == "张*"
    assert p.name("欧阳娜娜") == "欧***"
    assert p.id_number(None) is None
    assert p.phone("123") == "***"


def test_unknown_policy_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown masking policy"):
        policy("lenient")


def test_id_number_check_digit() -> None:
    assert is_valid_id_number("530102199003153217")
    assert not is_valid_id_number("530102199003153218")
    assert id_check_digit("11010519491231002") == "X"


def test_uscc_check_char() -> None:
    assert is_valid_uscc("91530102MA6K8R2Q1N")
    assert not is_valid_uscc("91530102MA6K8R2Q1A")
    assert is_valid_uscc("91350100M000100Y43")  # a published example


def test_licence_identifier_round_trip() -> None:
    identifier = licence_identifier("11100000000013127D001", "11530102000000000X", "530100261123000001")
    assert is_valid_licence_identifier(identifier)
    assert not is_valid_licence_identifier(identifier[:-1] + ("0" if identifier[-1] != "0" else "1"))


def test_field_cipher_round_trip_and_context_binding() -> None:
    cipher = FieldCipher(b"k" * 32)
    sealed = cipher.encrypt("530102199003153217", context="id_number")
    assert "5301" not in sealed
    assert cipher.decrypt(sealed, context="id_number") == "530102199003153217"
    with pytest.raises(InvalidTag):
        cipher.decrypt(sealed, context="phone")
    assert cipher.lookup_hash("53010219900315321x") == cipher.lookup_hash("53010219900315321X")


def test_sm4_cipher_round_trip_and_both_ciphers_stay_readable() -> None:
    aes = FieldCipher(b"k" * 32)
    sm4 = FieldCipher(b"k" * 32, "sm4-gcm")
    sealed = sm4.encrypt("530102199003153217", context="id_number")
    assert sealed.startswith("sm4.")
    assert "5301" not in sealed
    assert sm4.decrypt(sealed, context="id_number") == "530102199003153217"
    with pytest.raises(InvalidTag):
        sm4.decrypt(sealed, context="phone")
    raw = bytearray(base64.urlsafe_b64decode(sealed.removeprefix("sm4.")))
    raw[-1] ^= 0x01  # one bit of the tag
    tampered = "sm4." + base64.urlsafe_b64encode(bytes(raw)).decode()
    with pytest.raises(InvalidTag):
        sm4.decrypt(tampered, context="id_number")
    # Switching the cipher keeps what was stored readable, both ways, and lookups unchanged.
    assert sm4.decrypt(aes.encrypt("13888125678", context="phone"), context="phone") == "13888125678"
    assert aes.decrypt(sealed, context="id_number") == "530102199003153217"
    assert sm4.lookup_hash("53010219900315321x") == aes.lookup_hash("53010219900315321X")
    with pytest.raises(InvalidTag):
        FieldCipher(b"other" * 8, "sm4-gcm").decrypt(sealed, context="id_number")
