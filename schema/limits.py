"""Validation rules strawberry lacks: query cost, root fields and directives.

They run during validation, before any resolver and so before any department call; a rejected
operation costs a parse and a walk of its AST. The cost model: every field costs 1; a field
that calls a department system adds DEPARTMENT_COST; a connection multiplies what is below it
by its page size (`first`/`last`, MAX_PAGE when given by variable, DEFAULT_PAGE when absent);
a plain list of objects multiplies by LIST_FACTOR.
"""

from __future__ import annotations

from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLObjectType,
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    ValidationContext,
    ValidationRule,
    VariableNode,
    get_named_type,
    get_nullable_type,
    is_list_type,
    is_object_type,
)
from graphql.language import DirectiveNode

DEFAULT_PAGE = 20
MAX_PAGE = 100
LIST_FACTOR = 10
DEPARTMENT_COST = 10
# Fields that reach a department system; keep in step with the sections of the spaces.
DEPARTMENT_FIELDS = frozenset(
    {
        "licences",
        "cases",
        "workOrders",
        "ratings",
        "appointments",
        "bills",
        "records",
        "enterprise",
        "node",
        "_entities",
        "awaitingRating",
        "timeline",
        "prefill",
    }
)


def cost_limit_rule(max_cost: int) -> type[ValidationRule]:
    class CostLimit(ValidationRule):
        def enter_document(self, node: DocumentNode, *_: Any) -> None:
            fragments = {d.name.value: d for d in node.definitions if isinstance(d, FragmentDefinitionNode)}
            for definition in node.definitions:
                if not isinstance(definition, OperationDefinitionNode):
                    continue
                root = self.context.schema.get_root_type(definition.operation)
                if root is None:
                    continue
                cost = _cost(definition.selection_set, root, fragments, self.context, set())
                if cost > max_cost:
                    self.report_error(
                        GraphQLError(
                            f"查询过于复杂（估算成本 {cost}，上限 {max_cost}），请减少字段或分页大小",
                            definition,
                            extensions={"code": "QUERY_TOO_COMPLEX", "cost": cost, "maxCost": max_cost},
                        )
                    )

    return CostLimit


def _page_size(field: FieldNode) -> int:
    for argument in field.arguments or ():
        if argument.name.value in ("first", "last"):
            if isinstance(argument.value, IntValueNode):
                return max(0, min(int(argument.value.value), MAX_PAGE))
            if isinstance(argument.value, VariableNode):
                return MAX_PAGE
    return DEFAULT_PAGE


def _cost(
    selection_set: SelectionSetNode | None,
    parent: GraphQLObjectType,
    fragments: dict[str, FragmentDefinitionNode],
    context: ValidationContext,
    seen_fragments: set[str],
) -> int:
    if selection_set is None:
        return 0
    total = 0
    for selection in selection_set.selections:
        if isinstance(selection, FieldNode):
            field_def = parent.fields.get(selection.name.value)
            if field_def is None:
                total += 1  # unknown fields are reported by the standard rules
                continue
            field_type = get_nullable_type(field_def.type)
            named = get_named_type(field_type)
            child = 0
            if selection.selection_set is not None and is_object_type(named):
                child = _cost(selection.selection_set, named, fragments, context, seen_fragments)
            elif selection.selection_set is not None:
                # Interfaces and unions: price the selection against the most expensive member.
                child = max(
                    (
                        _cost(selection.selection_set, t, fragments, context, seen_fragments)
                        for t in context.schema.get_possible_types(named)
                    ),  # type: ignore[arg-type]
                    default=0,
                )
            if named.name.endswith("Connection"):
                child *= max(1, _page_size(selection))
            elif is_list_type(field_type) and is_object_type(named) and not parent.name.endswith("Connection"):
                # A connection's edges are already priced by its page size.
                child *= LIST_FACTOR
            total += 1 + child + (DEPARTMENT_COST if selection.name.value in DEPARTMENT_FIELDS else 0)
        elif isinstance(selection, InlineFragmentNode):
            condition = selection.type_condition
            target = context.schema.get_type(condition.name.value) if condition else parent
            total += _cost(
                selection.selection_set,
                target if is_object_type(target) else parent,  # type: ignore[arg-type]
                fragments,
                context,
                seen_fragments,
            )
        elif isinstance(selection, FragmentSpreadNode):
            name = selection.name.value
            fragment = fragments.get(name)
            if fragment is None or name in seen_fragments:
                continue  # cycles and unknown fragments are the standard rules' business
            target = context.schema.get_type(fragment.type_condition.name.value)
            total += _cost(
                fragment.selection_set,
                target if is_object_type(target) else parent,  # type: ignore[arg-type]
                fragments,
                context,
                seen_fragments | {name},
            )
    return total


def root_field_limit_rule(max_fields: int) -> type[ValidationRule]:
    class RootFieldLimit(ValidationRule):
        def enter_operation_definition(self, node: OperationDefinitionNode, *_: Any) -> None:
            count = len(node.selection_set.selections)
            if count > max_fields:
                self.report_error(
                    GraphQLError(
                        f"一次请求最多 {max_fields} 个顶层字段（收到 {count} 个）",
                        node,
                        extensions={"code": "TOO_MANY_ROOT_FIELDS"},
                    )
                )

    return RootFieldLimit


def directive_limit_rule(max_directives: int) -> type[ValidationRule]:
    class DirectiveLimit(ValidationRule):
        count = 0

        def enter_directive(self, node: DirectiveNode, *_: Any) -> None:
            self.count += 1
            if self.count == max_directives + 1:
                self.report_error(
                    GraphQLError(
                        f"一次请求最多使用 {max_directives} 个指令", node, extensions={"code": "TOO_MANY_DIRECTIVES"}
                    )
                )

    return DirectiveLimit
