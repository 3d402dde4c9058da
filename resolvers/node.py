"""node(id) and federation references: the same authorisation as the field that lists the object."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import strawberry
from graphql import GraphQLError

from personal_space.errors import NotAllowed
from resolvers import enterprise
from resolvers.context import Info
from resolvers.federation import federated
from resolvers.permissions import require_person
from schema.types.node import Node, from_global_id
from schema.types.space import Licence

NOT_FOUND = GraphQLError("对象不存在或无权访问", extensions={"code": "NOT_FOUND"})


async def licence(info: Info, licence_id: str) -> Licence:
    caller, person = require_person(info)
    try:
        view, source = await federated(
            "licences", info.context.services.space.licence_by_id(caller, person, licence_id, info.context.audit)
        )
    except NotAllowed:
        raise NOT_FOUND from None
    return Licence.of(view, source)


FETCHERS: dict[str, Callable[[Info, str], Awaitable[Node]]] = {
    "Licence": licence,
}
# The enterprise space's objects: the same binding and scope checks as its sections.
FETCHERS.update(
    {
        "CompanyRegistration": enterprise.company_node,
        "EnterpriseCase": enterprise.case_node,
        "EnterpriseRating": enterprise.rating_node,
        "EnterpriseBill": enterprise.bill_node,
        "StaffAuthorisation": enterprise.authorisation_node,
    }
)


async def node(info: Info, id: strawberry.ID) -> Node | None:
    type_name, local_id = from_global_id(id)
    fetch = FETCHERS.get(type_name)
    if fetch is None:
        raise NOT_FOUND
    return await fetch(info, local_id)
