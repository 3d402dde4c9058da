"""Bearer tokens from the unified identity provider (OIDC), verified against its JWKS."""

from __future__ import annotations

import asyncio
import hashlib
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

import httpx
import jwt

ROLES = frozenset({"citizen", "enterprise_staff", "agent", "clerk", "operator"})
# Apps send the same token with every request until it expires; verifying its signature again
# each time was ~1 ms of CPU per request. Bounded: a flood of distinct tokens only evicts.
VERIFIED_TOKENS = 20_000


class AuthenticationError(Exception):
    """The token is missing, malformed, expired or not ours. The message is safe to show."""


@dataclass(frozen=True, slots=True)
class TokenClaims:
    subject: str
    role: str
    name: str | None
    id_number: str | None
    phone: str | None
    raw: dict[str, Any]


class JwksVerifier:
    """Verifies RS256/ES256 tokens; the key set is cached and refetched on an unknown key id."""

    def __init__(
        self,
        *,
        jwks_url: str,
        issuer: str,
        audience: str,
        algorithms: list[str],
        leeway_seconds: int,
        cache_seconds: int,
        http: httpx.AsyncClient,
    ) -> None:
        self._jwks_url = jwks_url
        self._issuer = issuer
        self._audience = audience
        self._algorithms = algorithms
        self._leeway = leeway_seconds
        self._cache_seconds = cache_seconds
        self._http = http
        self._keys: dict[str, jwt.PyJWK] = {}
        self._fetched_at = 0.0
        self._lock = asyncio.Lock()
        self._verified: OrderedDict[bytes, TokenClaims] = OrderedDict()

    async def verify(self, token: str) -> TokenClaims:
        """The token's claims; a token verified before is trusted again until it expires."""
        digest = hashlib.sha256(token.encode()).digest()
        known = self._verified.get(digest)
        if known is not None:
            if time.time() <= float(known.raw["exp"]) + self._leeway:
                return known
            del self._verified[digest]
        claims = await self._verify(token)
        self._verified[digest] = claims
        if len(self._verified) > VERIFIED_TOKENS:
            self._verified.popitem(last=False)
        return claims

    async def _verify(self, token: str) -> TokenClaims:
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError:
            raise AuthenticationError("malformed token") from None
        kid = header.get("kid")
        alg = header.get("alg")
        if alg not in self._algorithms:
            raise AuthenticationError("token algorithm not accepted")
        key = await self._key(kid)
        try:
            claims = jwt.decode(
                token,
                key=key.key,
                algorithms=[alg],
                audience=self._audience,
                issuer=self._issuer,
                leeway=self._leeway,
                options={"require": ["exp", "iat", "sub", "iss", "aud"]},
            )
        except jwt.ExpiredSignatureError:
            raise AuthenticationError("token expired") from None
        except jwt.InvalidAudienceError:
            raise AuthenticationError("token audience not accepted") from None
        except jwt.InvalidIssuerError:
            raise AuthenticationError("token issuer not accepted") from None
        except jwt.PyJWTError:
            raise AuthenticationError("token signature or claims invalid") from None
        role = claims.get("role", "citizen")
        if role not in ROLES:
            raise AuthenticationError("token role not recognised")
        return TokenClaims(
            subject=str(claims["sub"]),
            role=role,
            name=claims.get("name"),
            id_number=claims.get("id_number"),
            phone=claims.get("phone_number"),
            raw=claims,
        )

    async def _key(self, kid: str | None) -> jwt.PyJWK:
        fresh = time.monotonic() - self._fetched_at < self._cache_seconds
        if kid in self._keys and fresh:
            return self._keys[kid]
        async with self._lock:
            # Refetch on expiry, or on an unknown kid at most once a second (key rotation).
            if not (kid in self._keys and fresh) and time.monotonic() - self._fetched_at > 1.0:
                await self._refresh()
        if kid not in self._keys:
            raise AuthenticationError("token signed by an unknown key")
        return self._keys[kid]

    async def _refresh(self) -> None:
        try:
            response = await self._http.get(self._jwks_url, timeout=3.0)
            response.raise_for_status()
            key_set = jwt.PyJWKSet.from_dict(response.json())
        except (httpx.HTTPError, ValueError, jwt.PyJWTError) as exc:
            if not self._keys:
                raise AuthenticationError("identity provider keys unavailable") from exc
            return  # keep serving with the keys we have
        self._keys = {k.key_id: k for k in key_set.keys if k.key_id}
        self._fetched_at = time.monotonic()


def bearer_token(authorization: str | None) -> str | None:
    if not authorization:
        return None
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise AuthenticationError("Authorization header must be 'Bearer <token>'")
    return token.strip()
