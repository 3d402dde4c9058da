"""Field encryption at rest (AES-256-GCM) and keyed hashes for lookups by identifier.

ID and phone numbers are stored encrypted; equality lookups go through an HMAC so the
plaintext never needs an index.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

_NONCE_BYTES = 12


class FieldCipher:
    def __init__(self, key_material: bytes) -> None:
        # Derive independent keys so the lookup hash never reuses the encryption key.
        self._aead = AESGCM(hashlib.sha256(b"enc:" + key_material).digest())
        self._mac_key = hashlib.sha256(b"mac:" + key_material).digest()

    def encrypt(self, plaintext: str, *, context: str) -> str:
        nonce = os.urandom(_NONCE_BYTES)
        sealed = self._aead.encrypt(nonce, plaintext.encode(), context.encode())
        return base64.urlsafe_b64encode(nonce + sealed).decode()

    def decrypt(self, token: str, *, context: str) -> str:
        raw = base64.urlsafe_b64decode(token.encode())
        return self._aead.decrypt(raw[:_NONCE_BYTES], raw[_NONCE_BYTES:], context.encode()).decode()

    def lookup_hash(self, value: str) -> str:
        return hmac.new(self._mac_key, value.upper().encode(), hashlib.sha256).hexdigest()
