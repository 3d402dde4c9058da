"""Which errors are ours to show and which are bugs to mask."""

from __future__ import annotations

from graphql import GraphQLError


def is_unexpected(error: GraphQLError) -> bool:
    """Errors we raise on purpose are GraphQLErrors with a code; anything else is a bug."""
    original = error.original_error
    return original is not None and not isinstance(original, GraphQLError)


MASKED_MESSAGE = "服务内部错误，请稍后再试"


def masked(error: GraphQLError) -> GraphQLError:
    """What a client sees of a bug: where it happened, never what (SQL, paths, personal data)."""
    return GraphQLError(
        MASKED_MESSAGE,
        nodes=error.nodes,
        source=error.source,
        positions=error.positions,
        path=error.path,
        extensions={"code": "INTERNAL_SERVER_ERROR"},
    )
