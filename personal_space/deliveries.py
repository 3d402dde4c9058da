"""How each kind of department-bound write is delivered, and what its owner is told."""

from __future__ import annotations

from collections.abc import Callable

from connectors.registry import Connectors
from kit.crypto import FieldCipher
from personal_space import agent, enterprise_grants, prefill
from personal_space.enterprise_grants import StaffAuthorisations
from personal_space.models import Submission
from personal_space.outbox import Deliver, DeliveryNotice
from personal_space.personal_deliveries import PERSONAL_NOTICES, PersonalDeliveries


def deliverers(personal: PersonalDeliveries) -> dict[str, Deliver]:
    return personal.deliverers()


DELIVERY_NOTICES: dict[str, Callable[[Submission], DeliveryNotice]] = dict(PERSONAL_NOTICES)


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


# -- the 12345 agent workspace and form prefill ---------------------------------------------------


def agent_and_prefill_deliverers(connectors: Connectors, cipher: FieldCipher) -> dict[str, Deliver]:
    return {
        agent.OPERATION_CREATE_FOR_CALLER: agent.deliver_work_order_for_caller(connectors.workorders, cipher),
        prefill.OPERATION_CREATE_CASE: prefill.deliver_prefilled_case(connectors.cases, cipher),
    }


def _work_order_for_caller_notice(submission: Submission) -> DeliveryNotice:
    if submission.status == "DELIVERED":
        return DeliveryNotice(
            "12345坐席已为您登记诉求", f"工单编号{submission.remote_id}，可在「我的诉求」中查看办理进度。"
        )
    return DeliveryNotice("诉求登记未成功", f"12345坐席为您登记的诉求未被受理：{submission.last_error or '请再次来电'}")


def _prefill_application_notice(submission: Submission) -> DeliveryNotice:
    return DeliveryNotice(*prefill.delivered_notice_text(submission))


AGENT_AND_PREFILL_NOTICES: dict[str, Callable[[Submission], DeliveryNotice]] = {
    agent.KIND_WORK_ORDER_FOR_CALLER: _work_order_for_caller_notice,
    prefill.KIND_PREFILL_APPLICATION: _prefill_application_notice,
}
