"""A client for the live gateway in tests: GraphQL over HTTP with demo tokens."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

import httpx

from gateway.dev_identity import DevIdentityProvider


@dataclass
class GatewayClient:
    url: str
    idp: DevIdentityProvider
    simulators: dict[str, str]
    http: httpx.Client = field(default_factory=lambda: httpx.Client(timeout=30))

    def token(self, username: str) -> str:
        return self.idp.mint_for(username)

    def graphql(
        self,
        query: str,
        variables: dict[str, Any] | None = None,
        *,
        as_user: str | None = None,
        token: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> dict[str, Any]:
        all_headers = dict(headers or {})
        bearer = token or (self.token(as_user) if as_user else None)
        if bearer:
            all_headers["Authorization"] = f"Bearer {bearer}"
        response = self.http.post(
            f"{self.url}/graphql", json={"query": query, "variables": variables or {}}, headers=all_headers
        )
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    def faults(self, system: str, **faults: Any) -> None:
        base = self.simulators[system]
        if faults:
            self.http.post(f"{base}/_admin/faults", json=faults).raise_for_status()
        else:
            self.http.delete(f"{base}/_admin/faults").raise_for_status()


ADD_FAVOURITE = "mutation($c: String!, $k: String!) { addFavourite(itemCode: $c, idempotencyKey: $k) { __typename } }"


def add_new_favourite(client: GatewayClient, user: str, prefix: str) -> str:
    """Favourite an item code no other test uses; returns the code."""
    code = f"{prefix}-{uuid.uuid4().int % 900 + 100}"
    added = client.graphql(ADD_FAVOURITE, {"c": code, "k": f"fav-{uuid.uuid4().hex}"}, as_user=user)
    assert added["data"]["addFavourite"]["__typename"] == "FavouriteChanged", added
    return code


def newcomer_token(idp: DevIdentityProvider, index: int) -> str:
    """A token for someone of the simulated population logging in for the first time: a new
    account (provisioned from the real-name claims) whose sections were never read or cached."""

    from simulators.common.population import population

    people = [p for p in population().people if p.username is None and p.birth_date.year < 2000]
    person = people[index % len(people)]
    return idp.mint(
        {
            "sub": f"ynzw-newcomer-{uuid.uuid4().hex[:16]}",
            "role": "citizen",
            "name": person.name,
            "id_number": person.id_number,
            "phone_number": person.phone,
            "preferred_username": f"newcomer-{uuid.uuid4().hex[:12]}",
        }
    )
