"""Which errors are ours to show and which are bugs to mask."""

from __future__ import annotations

from graphql import GraphQLError


def is_unexpected(error: GraphQLError) -> bool:
    """Errors we raise on purpose are GraphQLErrors with a code; anything else is a bug."""
    original = error.original_error
    return original is not None and not isinstance(original, GraphQLError)
