"""Validation results kept by query text.

strawberry's ValidationCache keys its LRU on the parsed document; a document hashes by walking
every node, about 850 of them for the home screen, so each lookup cost ~2 ms. The query text
names the same document and hashes in microseconds. Results are shared across requests (the
rules are built once per schema, see `build_schema`), bounded like strawberry's.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterator
from typing import Any

from graphql import GraphQLError
from strawberry.extensions import SchemaExtension
from strawberry.schema.schema import validate_document

_results: OrderedDict[tuple[Any, ...], list[GraphQLError]] = OrderedDict()


class ValidationByText(SchemaExtension):
    def __init__(self, maxsize: int = 1024) -> None:
        super().__init__()
        self._maxsize = maxsize

    def on_validate(self) -> Iterator[None]:
        execution = self.execution_context
        schema = execution.schema._schema
        document = execution.graphql_document
        assert document is not None  # validation runs only on a parsed document
        if execution.query is None:
            execution.pre_execution_errors = validate_document(schema, document, execution.validation_rules)
            yield
            return
        key = (id(schema), execution.query, execution.validation_rules)
        errors = _results.get(key)
        if errors is None:
            errors = validate_document(schema, document, execution.validation_rules)
            _results[key] = errors
            while len(_results) > self._maxsize:
                _results.popitem(last=False)
        else:
            _results.move_to_end(key)
        execution.pre_execution_errors = errors
        yield
