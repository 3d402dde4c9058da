"""Relay global object identification: `Node` and opaque global ids."""

from __future__ import annotations

import base64

import strawberry
from graphql import GraphQLError


@strawberry.interface(description="可按全局 ID 取回的对象")
class Node:
    id: strawberry.ID


def to_global_id(type_name: str, local_id: str) -> strawberry.ID:
    return strawberry.ID(base64.urlsafe_b64encode(f"{type_name}:{local_id}".encode()).decode())


def from_global_id(global_id: str) -> tuple[str, str]:
    try:
        type_name, _, local_id = base64.urlsafe_b64decode(global_id.encode()).decode().partition(":")
    except (ValueError, UnicodeError):
        raise GraphQLError("id is not an id from this API", extensions={"code": "BAD_USER_INPUT"}) from None
    if not type_name or not local_id:
        raise GraphQLError("id is not an id from this API", extensions={"code": "BAD_USER_INPUT"})
    return type_name, local_id
