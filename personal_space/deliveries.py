"""How each kind of department-bound write is delivered, and what its owner is told."""

from __future__ import annotations

from collections.abc import Callable

from connectors.registry import Connectors
from personal_space import enterprise_grants
from personal_space.enterprise_grants import StaffAuthorisations
from personal_space.models import Submission
from personal_space.outbox import Deliver, DeliveryNotice
from personal_space.service import PersonalSpaceService


def deliverers(connectors: Connectors, space: PersonalSpaceService) -> dict[str, Deliver]:
    return {}


DELIVERY_NOTICES: dict[str, Callable[[Submission], DeliveryNotice]] = {}


# -- staff authorisations (the enterprise space) -------------------------------------------------


def enterprise_deliverers(staff: StaffAuthorisations) -> dict[str, Deliver]:
    return {
        enterprise_grants.GRANT_OPERATION: staff.deliver_grant,
        enterprise_grants.REVOKE_OPERATION: staff.deliver_revoke,
    }


ENTERPRISE_DELIVERY_NOTICES: dict[str, Callable[[Submission], DeliveryNotice]] = {
    enterprise_grants.GRANT_KIND: enterprise_grants.grant_notice,
    enterprise_grants.REVOKE_KIND: enterprise_grants.revoke_notice,
}
