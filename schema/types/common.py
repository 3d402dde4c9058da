"""Types shared by every section: provenance, Relay connections, error members."""

from __future__ import annotations

import base64
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Generic, TypeVar

import strawberry
from graphql import GraphQLError

from personal_space.views import Provenance

NodeT = TypeVar("NodeT")
ItemT = TypeVar("ItemT")
MAX_PAGE_SIZE = 100


@strawberry.type(description="数据来源：谁主管、谁提供、谁负责")
class Source:
    system: str
    department: str
    fetched_at: datetime
    stale: bool

    @classmethod
    def of(cls, provenance: Provenance) -> Source:
        return cls(
            system=provenance.system,
            department=provenance.department,
            fetched_at=provenance.fetched_at,
            stale=provenance.stale,
        )


@strawberry.type
class PageInfo:
    has_next_page: bool
    has_previous_page: bool
    start_cursor: str | None
    end_cursor: str | None


@strawberry.type
class Edge(Generic[NodeT]):
    cursor: str
    node: NodeT


@strawberry.type
class Connection(Generic[NodeT]):
    edges: list[Edge[NodeT]]
    page_info: PageInfo
    total_count: int

    @classmethod
    def paginate(cls, items: Sequence[NodeT], first: int | None, after: str | None) -> Connection[NodeT]:
        return cls.page_of(items, first, after, lambda item: item)

    @classmethod
    def page_of(
        cls, items: Sequence[ItemT], first: int | None, after: str | None, build: Callable[[ItemT], NodeT]
    ) -> Connection[NodeT]:
        """One page of `items`, building schema objects for that page only: a home screen shows
        three of a person's hundred cases, and building the other 97 was most of its work."""
        size = 20 if first is None else first
        if size < 0 or size > MAX_PAGE_SIZE:
            raise bad_input(f"first must be between 0 and {MAX_PAGE_SIZE}")
        start = decode_cursor(after) + 1 if after else 0
        window = items[start : start + size]
        edges = [Edge(cursor=encode_cursor(start + i), node=build(item)) for i, item in enumerate(window)]
        return cls(
            edges=edges,
            page_info=PageInfo(
                has_next_page=start + size < len(items),
                has_previous_page=start > 0,
                start_cursor=edges[0].cursor if edges else None,
                end_cursor=edges[-1].cursor if edges else None,
            ),
            total_count=len(items),
        )


def encode_cursor(offset: int) -> str:
    return base64.urlsafe_b64encode(f"o:{offset}".encode()).decode()


def decode_cursor(cursor: str) -> int:
    try:
        kind, _, value = base64.urlsafe_b64decode(cursor.encode()).decode().partition(":")
        offset = int(value)
    except (ValueError, UnicodeError):
        raise bad_input("after is not a cursor from this API") from None
    if kind != "o" or offset < 0:
        raise bad_input("after is not a cursor from this API")
    return offset


def bad_input(message: str) -> GraphQLError:
    return GraphQLError(message, extensions={"code": "BAD_USER_INPUT"})
