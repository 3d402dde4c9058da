"""Field encryption at rest and keyed hashes for lookups by identifier.

ID and phone numbers are stored encrypted; equality lookups go through an HMAC so the
plaintext never needs an index.

Two authenticated ciphers: AES-256-GCM (the default) and SM4-GCM (GB/T 32907, the national
block cipher that 商用密码 rules ask government systems to use), both from `cryptography`.
`CITIZEN_FIELD_CIPHER` chooses what new values are sealed with; a value names its cipher
(SM4 values start with `sm4.`, AES values carry no prefix, as they always have), so switching
keeps every stored value readable and rows move to the new cipher as they are rewritten.
The lookup hash stays HMAC-SHA-256 whatever the cipher: changing it would orphan every index.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from typing import Any, Literal

import orjson
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

CipherName = Literal["aes-256-gcm", "sm4-gcm"]
CIPHERS: tuple[CipherName, ...] = ("aes-256-gcm", "sm4-gcm")
_NONCE_BYTES = 12
_TAG_BYTES = 16
_SM4_PREFIX = "sm4."
# The first byte of a sealed cache value names its cipher.
_SEALED_AES, _SEALED_SM4 = b"\x01", b"\x02"


class _Sm4Gcm:
    """SM4 in GCM mode: `cryptography` has no AEAD class for it, so the Cipher API with GCM."""

    def __init__(self, key: bytes) -> None:
        self._key = key

    def encrypt(self, nonce: bytes, data: bytes, associated: bytes) -> bytes:
        encryptor = Cipher(algorithms.SM4(self._key), modes.GCM(nonce)).encryptor()
        encryptor.authenticate_additional_data(associated)
        sealed = encryptor.update(data) + encryptor.finalize()
        return sealed + encryptor.tag

    def decrypt(self, nonce: bytes, sealed: bytes, associated: bytes) -> bytes:
        if len(sealed) < _TAG_BYTES:
            raise InvalidTag
        decryptor = Cipher(algorithms.SM4(self._key), modes.GCM(nonce, sealed[-_TAG_BYTES:])).decryptor()
        decryptor.authenticate_additional_data(associated)
        return decryptor.update(sealed[:-_TAG_BYTES]) + decryptor.finalize()


class FieldCipher:
    def __init__(self, key_material: bytes, cipher: CipherName = "aes-256-gcm") -> None:
        if cipher not in CIPHERS:
            raise ValueError(f"cipher must be one of {CIPHERS}")
        # Derive independent keys so the lookup hash never reuses an encryption key.
        self._aes = AESGCM(hashlib.sha256(b"enc:" + key_material).digest())
        self._sm4 = _Sm4Gcm(hashlib.sha256(b"sm4:" + key_material).digest()[:16])
        self._mac_key = hashlib.sha256(b"mac:" + key_material).digest()
        self.cipher: CipherName = cipher

    def encrypt(self, plaintext: str, *, context: str) -> str:
        nonce = os.urandom(_NONCE_BYTES)
        if self.cipher == "sm4-gcm":
            sealed = self._sm4.encrypt(nonce, plaintext.encode(), context.encode())
            return _SM4_PREFIX + base64.urlsafe_b64encode(nonce + sealed).decode()
        sealed = self._aes.encrypt(nonce, plaintext.encode(), context.encode())
        return base64.urlsafe_b64encode(nonce + sealed).decode()

    def decrypt(self, token: str, *, context: str) -> str:
        """Opens a value sealed with either cipher; InvalidTag if it was altered or sealed for
        another context or key."""
        if token.startswith(_SM4_PREFIX):
            raw = base64.urlsafe_b64decode(token[len(_SM4_PREFIX) :].encode())
            return self._sm4.decrypt(raw[:_NONCE_BYTES], raw[_NONCE_BYTES:], context.encode()).decode()
        raw = base64.urlsafe_b64decode(token.encode())
        return self._aes.decrypt(raw[:_NONCE_BYTES], raw[_NONCE_BYTES:], context.encode()).decode()

    def seal(self, data: bytes, *, context: str) -> bytes:
        """Bytes sealed for a cache (binary, unlike `encrypt`'s text: caches hold bytes, and
        base64 was a tenth of reading a cached answer)."""
        nonce = os.urandom(_NONCE_BYTES)
        if self.cipher == "sm4-gcm":
            return _SEALED_SM4 + nonce + self._sm4.encrypt(nonce, data, context.encode())
        return _SEALED_AES + nonce + self._aes.encrypt(nonce, data, context.encode())

    def open(self, sealed: bytes, *, context: str) -> bytes | None:
        """What `seal` sealed; None when it cannot be read (another key or context, another
        format, tampering): callers then read the source afresh."""
        kind, nonce, data = sealed[:1], sealed[1 : 1 + _NONCE_BYTES], sealed[1 + _NONCE_BYTES :]
        if len(data) < _TAG_BYTES:
            return None
        try:
            if kind == _SEALED_AES:
                return self._aes.decrypt(nonce, data, context.encode())
            if kind == _SEALED_SM4:
                return self._sm4.decrypt(nonce, data, context.encode())
        except (InvalidTag, ValueError):
            return None
        return None

    def seal_json(self, value: Any, *, context: str) -> bytes:
        """A JSON value sealed for a cache: what lands in Redis is never readable there."""
        return self.seal(orjson.dumps(value), context=context)

    def open_json(self, sealed: bytes, *, context: str) -> Any | None:
        """The value `seal_json` sealed; None when it cannot be read."""
        data = self.open(sealed, context=context)
        if data is None:
            return None
        try:
            return orjson.loads(data)
        except orjson.JSONDecodeError:
            return None

    def lookup_hash(self, value: str) -> str:
        return hmac.new(self._mac_key, value.upper().encode(), hashlib.sha256).hexdigest()
