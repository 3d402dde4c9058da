"""How each kind of department-bound write is delivered, and what its owner is told."""

from __future__ import annotations

from collections.abc import Callable

from connectors.registry import Connectors
from personal_space.models import Submission
from personal_space.outbox import Deliver, DeliveryNotice
from personal_space.service import PersonalSpaceService


def deliverers(connectors: Connectors, space: PersonalSpaceService) -> dict[str, Deliver]:
    return {}


DELIVERY_NOTICES: dict[str, Callable[[Submission], DeliveryNotice]] = {}
