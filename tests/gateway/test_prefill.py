"""Form prefill (无感通办) over HTTP: only the fields an item needs, each with its source and
whether it is verified; the materials an electronic licence covers (免提交); drafts that expire;
and startApplication filing the case through the outbox."""

from __future__ import annotations

import asyncio
import csv
import json
import time
import uuid
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from sqlalchemy import update
from sqlalchemy.ext.asyncio import create_async_engine

from gateway.settings import Settings
from personal_space.models import PrefillDraft, utcnow
from personal_space.prefill import load_forms
from tests.support.departments import signed
from tests.support.gateway import GatewayClient

REPO = Path(__file__).parents[2]
DEMO = {
    p["username"]: p for p in json.loads((REPO / "personal_space" / "demo_people.json").read_text("utf-8"))["people"]
}
COMPANY = "91530102MA6K8R2Q1N"

PREFILL = """
query($code: String!, $uscc: String) {
  prefill(itemCode: $code, uscc: $uscc) {
    __typename
    ... on PrefillForm {
      draftId itemCode itemName audience uscc unavailableSources expiresAt
      fields { key label value sourceKind source lastUpdated verified editable required masked }
      exemptMaterials { name licenceType note }
      materialsToProvide { name licenceType note }
    }
    ... on ValidationError { field code message }
    ... on NotAllowed { message }
  }
}
"""
START = """
mutation($code: String!, $draft: ID!, $key: String!, $edits: [PrefillFieldEdit!]) {
  startApplication(itemCode: $code, draftId: $draft, idempotencyKey: $key, edits: $edits) {
    __typename
    ... on ApplicationStarted { submissionId status itemCode itemName draftId exemptMaterials }
    ... on ValidationError { field code message }
    ... on NotAllowed { message }
    ... on IdempotencyConflict { idempotencyKey }
  }
}
"""
SUBMISSIONS = "{ me { submissions(first: 50) { edges { node { id kind status remoteId reason } } } } }"
ACCESS_LOG = "{ me { dataAccessLog(first: 30) { edges { node { accessorRole purpose sections } } } } }"


def key() -> str:
    return f"prefill-{uuid.uuid4().hex}"


def prefill(gateway: GatewayClient, user: str, code: str, uscc: str | None = None) -> dict[str, Any]:
    result: dict[str, Any] = gateway.graphql(PREFILL, {"code": code, "uscc": uscc}, as_user=user)["data"]["prefill"]
    return result


def start(
    gateway: GatewayClient,
    user: str,
    code: str,
    draft: str,
    k: str | None = None,
    edits: list[dict[str, str]] | None = None,
) -> dict[str, Any]:
    variables = {"code": code, "draft": draft, "key": k or key(), "edits": edits}
    result: dict[str, Any] = gateway.graphql(START, variables, as_user=user)["data"]["startApplication"]
    return result


def by_key(form: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {f["key"]: f for f in form["fields"]}


def names(materials: list[dict[str, Any]]) -> set[str]:
    return {m["name"] for m in materials}


def set_past(settings: Settings, draft_id: str) -> None:
    """Let the draft's week pass, in the gateway's own store."""

    async def run() -> None:
        engine = create_async_engine(settings.database_url)
        try:
            async with engine.begin() as connection:
                await connection.execute(
                    update(PrefillDraft)
                    .where(PrefillDraft.id == draft_id)
                    .values(expires_at=utcnow() - timedelta(seconds=5))
                )
        finally:
            await engine.dispose()

    asyncio.run(run())


def wait_delivered(gateway: GatewayClient, user: str, submission_id: str, timeout: float = 30) -> dict[str, Any]:
    """Poll until the outbox worker has moved the submission on (bounded; the state is asserted)."""
    deadline = time.monotonic() + timeout
    node: dict[str, Any] = {}
    while time.monotonic() < deadline:
        edges = gateway.graphql(SUBMISSIONS, as_user=user)["data"]["me"]["submissions"]["edges"]
        node = next(e["node"] for e in edges if e["node"]["id"] == submission_id)
        if node["status"] != "PENDING":
            return node
        time.sleep(0.2)
    return node


# -- the form catalogue -----------------------------------------------------------------------------


def test_forms_cover_every_bundle_item_and_match_the_audience() -> None:
    forms = load_forms()
    catalogue = REPO / "simulators" / "catalogue" / "data"
    with (catalogue / "service_items.csv").open(encoding="utf-8") as handle:
        items = [SimpleNamespace(**row) for row in csv.DictReader(handle)]
    with (catalogue / "bundles.csv").open(encoding="utf-8") as handle:
        bundle_items = {code for row in csv.DictReader(handle) for code in row["items"].split(";")}
    assert bundle_items <= forms.items.keys(), sorted(bundle_items - forms.items.keys())
    assert forms.items.keys() <= {i.code for i in items}
    covered = 0
    for item in items:
        keys = forms.field_keys(item)  # type: ignore[arg-type]
        if keys is None:
            continue
        covered += 1
        # A company's form names the company; a person's form never asks for one.
        assert ("company_name" in keys) == (item.audience == "法人"), item.code
        assert "id_number" in keys or "filer_id_number" in keys, item.code
    assert covered >= 140


# -- prefill ------------------------------------------------------------------------------------------


def test_prefill_fills_from_profile_and_licences_with_sources(gateway: GatewayClient) -> None:
    form = prefill(gateway, "citizen", "GA-015")
    assert form["__typename"] == "PrefillForm", form
    assert form["itemName"] == "机动车驾驶证期满换证"
    fields = by_key(form)
    # Minimum necessary: exactly the fields this item's form names, nothing from other sources.
    forms = load_forms()
    expected = [k for e in forms.items["GA-015"] for k in (forms.sets[e[1:]] if e.startswith("@") else [e])]
    assert list(fields) == expected
    assert {f["sourceKind"] for f in form["fields"]} == {"PROFILE", "LICENCE"}
    name = fields["applicant_name"]
    assert (name["value"], name["source"], name["verified"], name["editable"], name["masked"]) == (
        "李**", "实名认证信息", True, False, True,
    )  # fmt: skip
    assert fields["id_number"]["value"] == "5301**********3217"
    assert fields["phone"]["editable"] is True
    assert fields["address"]["value"] == "云南省昆明市五华区****"
    licence = fields["driving_licence_number"]
    assert licence["value"] == "5301**********3217"
    assert "机动车驾驶证" in licence["source"]
    assert licence["verified"] is True
    assert licence["editable"] is False
    assert licence["lastUpdated"]
    assert fields["driving_class"]["value"] == "C1"
    # 免提交: the ID card and the driving licence are electronic; the medical certificate is not.
    assert names(form["exemptMaterials"]) == {"申请人居民身份证", "机动车驾驶证"}
    assert "身体条件证明（体检证明）" in names(form["materialsToProvide"])
    assert form["unavailableSources"] == []
    # Read with the item as purpose: profile and licences, nothing else.
    edges = gateway.graphql(ACCESS_LOG, as_user="citizen")["data"]["me"]["dataAccessLog"]["edges"]
    entry = next(e["node"] for e in edges if "GA-015" in e["node"]["purpose"])
    assert entry["purpose"] == "表单预填（GA-015）"
    assert entry["sections"] == ["licences", "profile"]


def test_prefill_reads_records_only_where_the_item_needs_them(gateway: GatewayClient) -> None:
    form = prefill(gateway, "citizen", "GJJ-002")
    fields = by_key(form)
    fund = fields["housing_fund_account"]
    assert fund["sourceKind"] == "RECORDS"
    assert fund["masked"] is True
    assert "*" in fund["value"]
    assert fields["housing_fund_centre"]["value"]
    assert fields["bank_account"] == {**fields["bank_account"], "value": None, "sourceKind": "INPUT", "editable": True}
    assert "driving_licence_number" not in fields
    edges = gateway.graphql(ACCESS_LOG, as_user="citizen")["data"]["me"]["dataAccessLog"]["edges"]
    entry = next(e["node"] for e in edges if "GJJ-002" in e["node"]["purpose"])
    assert "records" in entry["sections"]


def test_an_invalid_licence_is_not_a_substitute(gateway: GatewayClient) -> None:
    form = prefill(gateway, "legal-rep", "GA-015")
    licence = by_key(form)["driving_licence_number"]
    assert licence["value"] is not None
    assert licence["verified"] is False  # 失效: past its validity
    kept = {m["name"]: m["note"] for m in form["materialsToProvide"]}
    assert "失效" in kept["机动车驾驶证"]
    assert names(form["exemptMaterials"]) == {"申请人居民身份证"}


def test_company_items_need_a_binding(gateway: GatewayClient) -> None:
    form = prefill(gateway, "legal-rep", "SJ-009", COMPANY)
    assert form["__typename"] == "PrefillForm", form
    fields = by_key(form)
    assert fields["company_name"]["value"] == "昆明滇味香餐饮管理有限公司"
    assert fields["company_uscc"]["value"] == COMPANY
    assert fields["legal_representative"]["value"] == "王**"
    assert fields["food_licence_number"]["masked"] is True
    assert fields["filer_name"]["value"] == "王**"
    assert {"营业执照", "法定代表人或负责人身份证"} <= names(form["exemptMaterials"])
    assert "食品经营许可申请书" in names(form["materialsToProvide"])
    # Staff with the cases scope may prefill too, but cannot stand in for the legal representative.
    staff = prefill(gateway, "staff", "SJ-009", COMPANY)
    assert "营业执照" in names(staff["exemptMaterials"])
    assert "法定代表人或负责人身份证" in names(staff["materialsToProvide"])
    assert prefill(gateway, "citizen", "SJ-009", COMPANY)["__typename"] == "NotAllowed"
    assert prefill(gateway, "legal-rep", "SJ-009")["field"] == "uscc"
    assert prefill(gateway, "citizen", "GA-015", COMPANY)["field"] == "uscc"


def test_unknown_items_and_items_without_a_form(gateway: GatewayClient) -> None:
    assert prefill(gateway, "citizen", "XX-999")["code"] == "UNKNOWN_ITEM"
    bad = prefill(gateway, "citizen", "drop table")
    assert bad["field"] == "itemCode"
    assert bad["code"] == "BAD_USER_INPUT"
    missing = prefill(gateway, "citizen", "ZJ-003")  # 二级建造师执业资格注册: no form defined
    assert missing["code"] == "PREFILL_NOT_AVAILABLE"
    body = gateway.graphql(PREFILL, {"code": "GA-015"})
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


# -- startApplication ---------------------------------------------------------------------------------


def test_start_application_files_the_case_through_the_outbox(gateway: GatewayClient) -> None:
    form = prefill(gateway, "citizen", "RS-003")
    assert names(form["exemptMaterials"]) == {"居民身份证", "原社会保障卡"}
    k = key()
    edits = [{"key": "address", "value": "云南省昆明市五华区青年路188号3栋2单元501室"}]
    started = start(gateway, "citizen", "RS-003", form["draftId"], k, edits)
    assert started["__typename"] == "ApplicationStarted", started
    assert started["status"] == "PENDING"
    assert set(started["exemptMaterials"]) == {"居民身份证", "原社会保障卡"}
    assert start(gateway, "citizen", "RS-003", form["draftId"], k, edits) == started  # same key: same answer

    delivered = wait_delivered(gateway, "citizen", started["submissionId"])
    assert delivered["status"] == "DELIVERED", delivered
    case = signed("GET", gateway.simulators["cases"], f"/api/v1/cases/{delivered['remoteId']}", "cases").json()
    assert case["item_code"] == "RS-003"
    assert case["applicant"]["id_number"] == DEMO["citizen"]["id_number"]
    assert case["channel"] == "一部手机办事通"
    assert "居民身份证（电子证照免提交）" in case["materials"]

    # A draft is used once; a new key does not make it fresh.
    again = start(gateway, "citizen", "RS-003", form["draftId"])
    assert again["code"] == "DRAFT_USED"
    assert start(gateway, "citizen", "RS-003", form["draftId"], k, [])["__typename"] == "IdempotencyConflict"


def test_company_application_names_the_company_and_the_filer(gateway: GatewayClient) -> None:
    form = prefill(gateway, "legal-rep", "GA-023", COMPANY)
    started = start(gateway, "legal-rep", "GA-023", form["draftId"])
    assert started["__typename"] == "ApplicationStarted", started
    delivered = wait_delivered(gateway, "legal-rep", started["submissionId"])
    assert delivered["status"] == "DELIVERED", delivered
    case = signed("GET", gateway.simulators["cases"], f"/api/v1/cases/{delivered['remoteId']}", "cases").json()
    assert case["applicant"] == {"id_type": "001", "id_number": COMPANY, "name": "昆明滇味香餐饮管理有限公司"}
    assert case["submitted_by"]["id_number"] == DEMO["legal-rep"]["id_number"]


def test_only_editable_fields_change_and_drafts_are_personal(gateway: GatewayClient) -> None:
    form = prefill(gateway, "citizen", "YB-001")
    locked = start(gateway, "citizen", "YB-001", form["draftId"], edits=[{"key": "id_number", "value": "1"}])
    assert locked["field"] == "edits.id_number"
    unknown = start(gateway, "citizen", "YB-001", form["draftId"], edits=[{"key": "salary", "value": "1"}])
    assert unknown["field"] == "edits.salary"
    assert start(gateway, "citizen2", "YB-001", form["draftId"])["__typename"] == "NotAllowed"
    assert start(gateway, "citizen", "GA-015", form["draftId"])["code"] == "DRAFT_ITEM_MISMATCH"


def test_drafts_expire(gateway: GatewayClient, gateway_settings: Settings) -> None:
    form = prefill(gateway, "elder", "MZ-007")
    assert form["__typename"] == "PrefillForm", form
    set_past(gateway_settings, form["draftId"])
    expired = start(gateway, "elder", "MZ-007", form["draftId"])
    assert expired["code"] == "DRAFT_EXPIRED"
    assert expired["field"] == "draftId"


def test_a_department_down_leaves_its_fields_empty_not_the_form(gateway: GatewayClient) -> None:
    gateway.faults("records", error_rate=1.0)
    try:
        form = prefill(gateway, "citizen", "GJJ-002")
    finally:
        gateway.faults("records")
    assert form["__typename"] == "PrefillForm", form
    assert form["unavailableSources"] == ["records"]
    fields = by_key(form)
    assert fields["housing_fund_account"]["value"] is None
    assert fields["housing_fund_account"]["verified"] is False
    assert fields["applicant_name"]["value"] == "李**"
    assert names(form["exemptMaterials"]) == {"居民身份证"}
    # Leave the records system healthy for whoever comes next (its breaker may have opened).
    deadline = time.monotonic() + 15
    while prefill(gateway, "citizen", "GJJ-002")["unavailableSources"] and time.monotonic() < deadline:
        time.sleep(0.5)
