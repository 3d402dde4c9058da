"""The development identity provider: a key pair, its JWKS on loopback, and token minting.

Stands in for the unified identity platform in the demo and the tests only; production
verifies tokens from the real provider's JWKS and never loads this module's keys.
"""

from __future__ import annotations

import json
import time
import uuid
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi import FastAPI

DEMO_PEOPLE_FILE = Path(__file__).resolve().parent.parent / "personal_space" / "demo_people.json"


class DevIdentityProvider:
    def __init__(self, private_key: rsa.RSAPrivateKey, issuer: str, audience: str, kid: str = "dev-1") -> None:
        self.private_key = private_key
        self.issuer = issuer
        self.audience = audience
        self.kid = kid

    @classmethod
    def generate(cls, issuer: str, audience: str) -> DevIdentityProvider:
        return cls(rsa.generate_private_key(public_exponent=65537, key_size=2048), issuer, audience)

    @classmethod
    def load_or_create(cls, key_file: Path, issuer: str, audience: str) -> DevIdentityProvider:
        if key_file.exists():
            key = serialization.load_pem_private_key(key_file.read_bytes(), password=None)
            assert isinstance(key, rsa.RSAPrivateKey)
            return cls(key, issuer, audience)
        provider = cls.generate(issuer, audience)
        key_file.parent.mkdir(parents=True, exist_ok=True)
        key_file.write_bytes(
            provider.private_key.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
        )
        key_file.chmod(0o600)
        return provider

    def jwks(self) -> dict[str, Any]:
        jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(self.private_key.public_key()))
        jwk.update({"kid": self.kid, "use": "sig", "alg": "RS256"})
        return {"keys": [jwk]}

    def mint(self, claims: dict[str, Any], ttl_seconds: int = 12 * 3600) -> str:
        now = int(time.time())
        payload = {
            "iss": self.issuer,
            "aud": self.audience,
            "iat": now,
            "nbf": now,
            "exp": now + ttl_seconds,
            "jti": uuid.uuid4().hex,
            **claims,
        }
        return jwt.encode(payload, self.private_key, algorithm="RS256", headers={"kid": self.kid})

    def mint_for(self, username: str, ttl_seconds: int = 12 * 3600) -> str:
        person = demo_person(username)
        return self.mint(
            {
                "sub": subject_for(username),
                "role": person["role"],
                "name": person["name"],
                "id_number": person["id_number"],
                "phone_number": person["phone"],
                "preferred_username": username,
                "acr": "real-name-l2",
            },
            ttl_seconds,
        )

    def app(self) -> FastAPI:
        app = FastAPI(title="dev identity provider", docs_url=None, redoc_url=None)
        jwks = self.jwks()

        @app.get("/dev-idp/jwks.json")
        async def get_jwks() -> dict[str, Any]:
            return jwks

        @app.get("/dev-idp/.well-known/openid-configuration")
        async def discovery() -> dict[str, Any]:
            return {
                "issuer": self.issuer,
                "jwks_uri": f"{self.issuer}/jwks.json",
                "id_token_signing_alg_values_supported": ["RS256"],
            }

        return app


def demo_people() -> dict[str, dict[str, Any]]:
    raw = json.loads(DEMO_PEOPLE_FILE.read_text(encoding="utf-8"))
    return {p["username"]: p for p in raw["people"]}


def demo_person(username: str) -> dict[str, Any]:
    people = demo_people()
    if username not in people:
        raise KeyError(f"no demo user {username!r}; known: {', '.join(people)}")
    return people[username]


def subject_for(username: str) -> str:
    # Stable per demo user, shaped like the provider's opaque subject identifiers.
    return "ynzw-" + uuid.uuid5(uuid.NAMESPACE_URL, f"citizen-space/demo/{username}").hex[:20]
