"""The root types and the schema factory."""

from __future__ import annotations

import logging
from collections.abc import AsyncGenerator, Callable
from dataclasses import dataclass

import strawberry
from graphql import GraphQLError
from strawberry.extensions import (
    AddValidationRules,
    DisableIntrospection,
    MaskErrors,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    ParserCache,
    QueryDepthLimiter,
    SchemaExtension,
)
from strawberry.federation.schema import FederationAny
from strawberry.schema.config import StrawberryConfig
from strawberry.tools import merge_types
from strawberry.types import ExecutionContext

from resolvers import audit, updates
from resolvers.context import Info
from resolvers.node import node as resolve_node
from resolvers.permissions import require_caller
from schema.agent import AgentMutation, AgentQuery
from schema.enterprise import EnterpriseMutation, EnterpriseQuery
from schema.errors import MASKED_MESSAGE, is_unexpected
from schema.extensions import UnitOfWork
from schema.limits import cost_limit_rule, directive_limit_rule, root_field_limit_rule
from schema.mutations import SpaceMutation
from schema.prefill import PrefillMutation, PrefillQuery
from schema.response_caching import ResponseCaching
from schema.search import SearchMutation, SearchQuery
from schema.space import PersonalSpace
from schema.types.audit import AuditChainReport, AuditLogEntry
from schema.types.node import Node
from schema.types.updates import SpaceUpdate
from schema.validation_cache import ValidationByText

log = logging.getLogger("citizen.graphql")


@strawberry.type
class SpaceQuery:
    @strawberry.field(description="我的个人服务空间（需登录）")
    def me(self, info: Info) -> PersonalSpace:
        require_caller(info)
        return PersonalSpace()

    node: Node | None = strawberry.field(
        resolver=resolve_node, description="按全局 ID 取回对象（与列表字段同样的权限）"
    )


@strawberry.type
class Subscription:
    my_updates: AsyncGenerator[SpaceUpdate, None] = strawberry.subscription(
        resolver=updates.my_updates, description="我的实时更新：办件进度、工单回复、提交送达、消息通知"
    )


@strawberry.type
class OperatorQuery:
    audit_log: list[AuditLogEntry] = strawberry.field(
        resolver=audit.audit_log, description="运维：导出一段时间内的审计记录（单次最长31天）"
    )
    audit_chain: AuditChainReport = strawberry.field(
        resolver=audit.audit_chain, description="运维：校验审计链是否完整（防篡改）"
    )


# Each domain contributes its root fields; append yours here.
QUERY_TYPES: tuple[type, ...] = (SpaceQuery, OperatorQuery, SearchQuery, EnterpriseQuery, AgentQuery, PrefillQuery)
MUTATION_TYPES: tuple[type, ...] = (SpaceMutation, SearchMutation, EnterpriseMutation, AgentMutation, PrefillMutation)

Query = merge_types("Query", QUERY_TYPES)
Mutation = merge_types("Mutation", MUTATION_TYPES)


BAD_INPUT = {"code": "BAD_USER_INPUT"}


class CitizenSchema(strawberry.federation.Schema):
    def entities_resolver(self, info: strawberry.Info, representations: list[FederationAny]) -> list[FederationAny]:
        # strawberry trusts each representation; one naming no entity type, or not `{__typename,
        # id}`, would surface as an unexpected error, yet it is the caller's mistake. The parent
        # pops `__typename` from those it resolves, so all are checked first.
        checked = [self._is_representation(r) for r in representations]
        valid = [r for r, ok in zip(representations, checked, strict=True) if ok]
        resolved = iter(super().entities_resolver(info, valid))
        return [
            next(resolved)
            if ok
            else FederationAny(
                GraphQLError("representation must be {__typename, id} of an entity type", extensions=BAD_INPUT)
            )
            for ok in checked
        ]

    def _is_representation(self, representation: object) -> bool:
        if not isinstance(representation, dict) or set(representation) != {"__typename", "id"}:
            return False
        type_ = self.schema_converter.type_map.get(str(representation["__typename"]))
        origin = getattr(getattr(type_, "definition", None), "origin", None)
        return isinstance(representation["id"], str) and hasattr(origin, "resolve_reference")

    def process_errors(self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None) -> None:
        # Expected errors (auth, validation, a department down) are answers, not incidents.
        for error in errors:
            if is_unexpected(error):
                log.error("unexpected error in resolver", exc_info=error.original_error, extra={"path": error.path})


@dataclass(frozen=True)
class Limits:
    max_depth: int = 12
    max_aliases: int = 30
    max_tokens: int = 2000
    max_cost: int = 8000
    max_root_fields: int = 10
    max_directives: int = 20


def build_schema(*, production: bool, limits: Limits | None = None) -> CitizenSchema:
    limits = limits or Limits()
    # The rule classes are built once: ValidationCache keys on them, so rules made anew for each
    # request (as the limiter extensions do) would never hit the cache.
    rules = [
        *QueryDepthLimiter(max_depth=limits.max_depth).validation_rules,
        *MaxAliasesLimiter(max_alias_count=limits.max_aliases).validation_rules,
        cost_limit_rule(limits.max_cost),
        root_field_limit_rule(limits.max_root_fields),
        directive_limit_rule(limits.max_directives),
    ]
    # Hooks exit in reverse order: UnitOfWork must see the errors before MaskErrors hides them.
    extensions: list[type[SchemaExtension] | Callable[[], SchemaExtension]] = [
        lambda: MaskErrors(should_mask_error=is_unexpected, error_message=MASKED_MESSAGE),
        UnitOfWork,
        ResponseCaching,
        lambda: ParserCache(maxsize=1024),
        lambda: ValidationByText(maxsize=1024),
        lambda: MaxTokensLimiter(max_token_count=limits.max_tokens),
        lambda: AddValidationRules(rules),
    ]
    if production:
        extensions.append(DisableIntrospection)
    return CitizenSchema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        extensions=extensions,
        config=StrawberryConfig(auto_camel_case=True, disable_field_suggestions=production),
    )
