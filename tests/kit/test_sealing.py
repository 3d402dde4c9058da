"""Sealed cache values: readable only with the key and context they were sealed for, whichever
cipher sealed them."""

from __future__ import annotations

import pytest

from kit.crypto import FieldCipher

KEY = b"k" * 32


@pytest.mark.parametrize("cipher", ["aes-256-gcm", "sm4-gcm"])
def test_a_sealed_value_opens_only_with_its_key_and_context(cipher: str) -> None:
    sealer = FieldCipher(KEY, cipher)  # type: ignore[arg-type]
    sealed = sealer.seal("张三 530102199003153217".encode(), context="sec:licences:p1")
    assert b"530102199003153217" not in sealed
    assert sealer.open(sealed, context="sec:licences:p1") == "张三 530102199003153217".encode()
    assert sealer.open(sealed, context="sec:licences:p2") is None
    assert FieldCipher(b"x" * 32, cipher).open(sealed, context="sec:licences:p1") is None  # type: ignore[arg-type]
    tampered = sealed[:-1] + bytes([sealed[-1] ^ 1])
    assert sealer.open(tampered, context="sec:licences:p1") is None


def test_switching_cipher_keeps_what_was_sealed_readable() -> None:
    aes, sm4 = FieldCipher(KEY, "aes-256-gcm"), FieldCipher(KEY, "sm4-gcm")
    assert sm4.open(aes.seal(b"a", context="c"), context="c") == b"a"
    assert aes.open(sm4.seal(b"b", context="c"), context="c") == b"b"
    assert aes.open_json(sm4.seal_json({"n": 1}, context="c"), context="c") == {"n": 1}


@pytest.mark.parametrize(
    "garbage", [b"", b"\x01", b"\x01" + b"n" * 12, b"\x03" + b"n" * 40, b"gAAAAA-old-base64-token"]
)
def test_what_is_not_a_sealed_value_opens_as_nothing(garbage: bytes) -> None:
    cipher = FieldCipher(KEY)
    assert cipher.open(garbage, context="c") is None
    assert cipher.open_json(garbage, context="c") is None
