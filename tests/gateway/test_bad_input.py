"""Bad input, case by case: malformed ids, oversized strings, invalid UTF-8, wrong variable types,
huge lists and bad idempotency keys each get a clear error code — never a 5xx or a masked bug —
and leave the database as it was.

Production-only refusals (batching, GET, introspection, the body cap of a production instance,
non-JSON bodies) are in test_abuse.py; this table runs on the suite's gateway, on both backends."""

from __future__ import annotations

import base64
import json
import random
import uuid
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from gateway.settings import Settings
from schema.types.node import to_global_id
from tests.support.database import table_counts
from tests.support.fuzzing import problems
from tests.support.gateway import GatewayClient

NODE = "query($id: ID!) { node(id: $id) { id __typename } }"
ENTITIES = "query($r: [_Any!]!) { _entities(representations: $r) { __typename } }"
RESULT = "__typename ... on ValidationError { field code } ... on IdempotencyConflict { code }"
SUBMIT = (
    "mutation($kind: WorkOrderKind!, $title: String!, $content: String!, $key: String!) {"
    " submitWorkOrder(kind: $kind, title: $title, content: $content, idempotencyKey: $key) {"
    f" {RESULT} ... on NotAllowed {{ code }} }} }}"
)
FAVOURITE = (
    f"mutation($code: String!, $key: String!) {{ addFavourite(itemCode: $code, idempotencyKey: $key) {{ {RESULT} }} }}"
)
RATE = (
    'mutation($reasons: [String!], $key: String!) { rateService(targetType: SERVICE, itemCode: "GA-001",'
    ' serviceId: "S1", level: VERY_DISSATISFIED, comment: "排队太久", reasons: $reasons, idempotencyKey: $key)'
    f" {{ {RESULT} ... on NotAllowed {{ code }} }} }}"
)
APPLY = (
    'mutation($edits: [PrefillFieldEdit!]) { startApplication(itemCode: "GA-015", draftId: "0", edits: $edits,'
    f' idempotencyKey: "apply-bad-edits-01") {{ {RESULT} ... on NotAllowed {{ code }} }} }}'
)
PREFERENCES = f"mutation($key: String!) {{ updatePreferences(idempotencyKey: $key, clientMode: ELDER) {{ {RESULT} }} }}"
CONTENT = "小区门口路灯坏了一个多月，晚上很不安全。"


def _random_base64(size: int, seed: int) -> str:
    return base64.urlsafe_b64encode(random.Random(seed).randbytes(size)).decode()


def _submit(title: str = "路灯损坏", key: str | None = None, **extra: Any) -> dict[str, Any]:
    return {"kind": "COMPLAINT", "title": title, "content": CONTENT, "key": key or f"bad-{uuid.uuid4().hex}", **extra}


@dataclass(frozen=True)
class Case:
    """One bad request and the code its answer must carry (in errors[] or in the result union)."""

    query: str | None
    variables: dict[str, Any] = field(default_factory=dict)
    code: str = "BAD_USER_INPUT"
    status: int = 200
    raw: bytes | None = None  # sent as the body instead of query + variables


CASES: dict[str, Case] = {
    # -- malformed node ids --
    "id: random base64": Case(NODE, {"id": _random_base64(24, 1)}),
    "id: not base64": Case(NODE, {"id": "!!not*an*id!!"}),
    "id: base64 without a type": Case(NODE, {"id": base64.urlsafe_b64encode(b"just-text").decode()}),
    "id: wrong type prefix": Case(NODE, {"id": to_global_id("Case", "20261123530100000001")}, code="NOT_FOUND"),
    "id: unknown type": Case(NODE, {"id": to_global_id("Account", "1")}, code="NOT_FOUND"),
    "id: path in a licence id": Case(
        NODE, {"id": to_global_id("Licence", "../../api/v1/licences?holder_id=1")}, code="NOT_FOUND"
    ),
    "id: 10 kB": Case(NODE, {"id": "QUFB" * 2_500}),
    "id: 10 kB licence id": Case(NODE, {"id": to_global_id("Licence", "1" * 7_500)}, code="NOT_FOUND"),
    "entity: id of another type": Case(
        ENTITIES, {"r": [{"__typename": "Licence", "id": to_global_id("Case", "1")}]}, code="NOT_FOUND"
    ),
    "entity: unknown type": Case(ENTITIES, {"r": [{"__typename": "Account", "id": "1"}]}),
    # -- oversized strings --
    "title: 10 kB": Case(SUBMIT, _submit(title="灯" * 10_000)),
    "title: 100 kB": Case(SUBMIT, _submit(title="灯" * 100_000), code="REQUEST_TOO_LARGE", status=413),
    "item code: 10 kB": Case(FAVOURITE, {"code": "GA-" + "1" * 10_000, "key": "fav-bad-item-0001"}),
    # -- invalid UTF-8 and broken JSON --
    "body: invalid UTF-8 in a string": Case(
        None, raw=b'{"query": "{ __typename }", "variables": {"x": "\xff\xfe"}}', code="BAD_REQUEST", status=400
    ),
    "body: overlong UTF-8 in the query": Case(None, raw=b'{"query": "{ \xc0\xaf }"}', code="BAD_REQUEST", status=400),
    "body: lone surrogate escape": Case(
        None, raw=b'{"query": "{ __typename }", "variables": {"x": "\\ud800"}}', code="BAD_REQUEST", status=400
    ),
    "body: JSON but not an object": Case(None, raw=b'"{ __typename }"', code="BAD_REQUEST", status=400),
    # -- wrong variable types --
    "variable: object for an ID": Case(NODE, {"id": {"$gt": ""}}),
    "variable: list for a String": Case(SUBMIT, _submit(title=["路灯", "损坏"])),
    "variable: unknown enum value": Case(SUBMIT, _submit(kind="DROP_TABLE")),
    "variable: null for a non-null": Case(SUBMIT, _submit(title=None)),
    "variable: Int out of range": Case(
        "query($n: Int) { me { notifications(first: $n) { totalCount } } }", {"n": 2**40}
    ),
    "variable: impossible Date": Case(
        'mutation($d: Date!) { bookAppointment(hallId: "H530102", itemCode: "GA-002", date: $d, start: "09:00",'
        ' idempotencyKey: "date-bad-00001") { __typename } }',
        {"d": "2026-13-45"},
    ),
    # -- huge lists --
    "list: 10,000 reasons": Case(
        RATE, {"reasons": ["多次跑动"] * 10_000, "key": "rate-bad-list-0001"}, code="REQUEST_TOO_LARGE", status=413
    ),
    "list: 10,000 short reasons": Case(RATE, {"reasons": ["慢"] * 10_000, "key": "rate-bad-list-0002"}),
    "list: 2,000 form edits": Case(APPLY, {"edits": [{"key": f"k{i}", "value": "v"} for i in range(2_000)]}),
    "list: 10,000 ids": Case(
        ENTITIES,
        {"r": [{"__typename": "Licence", "id": str(i)} for i in range(10_000)]},
        code="REQUEST_TOO_LARGE",
        status=413,
    ),
    "list: 2,000 ids": Case(ENTITIES, {"r": [{"__typename": "Licence", "id": str(i)} for i in range(2_000)]}),
    # -- bad idempotency keys --
    "key: empty": Case(PREFERENCES, {"key": ""}, code="BAD_IDEMPOTENCY_KEY"),
    "key: 1 kB": Case(PREFERENCES, {"key": "k" * 1_024}, code="BAD_IDEMPOTENCY_KEY"),
    "key: control characters": Case(PREFERENCES, {"key": "key-\x00\x1b[2J\r\n-0001"}, code="BAD_IDEMPOTENCY_KEY"),
    "key: non-ASCII": Case(SUBMIT, _submit(key="幂等键幂等键幂等键"), code="BAD_IDEMPOTENCY_KEY"),
}


def _codes(data: Any) -> set[str]:
    """Every code in the answer: errors' extensions and the `code` of result-union members."""
    found: set[str] = set()
    if isinstance(data, dict):
        for key, value in data.items():
            if key == "code" and isinstance(value, str):
                found.add(value)
            else:
                found |= _codes(value)
    elif isinstance(data, list):
        for item in data:
            found |= _codes(item)
    return found


@pytest.mark.parametrize("name", list(CASES))
def test_bad_input_gets_a_clear_code_and_changes_nothing(
    gateway: GatewayClient, gateway_settings: Settings, name: str
) -> None:
    case = CASES[name]
    headers = {"Authorization": f"Bearer {gateway.token('citizen')}", "Content-Type": "application/json"}
    # Unescaped UTF-8, as apps send it: the size is what the body cap sees.
    payload = {"query": case.query, "variables": case.variables}
    body = case.raw if case.raw is not None else json.dumps(payload, ensure_ascii=False).encode()
    before = table_counts(gateway_settings.database_url)
    response = gateway.http.post(f"{gateway.url}/graphql", content=body, headers=headers, timeout=httpx.Timeout(30))
    assert not problems(response), (name, problems(response), response.text[:500])
    assert response.status_code == case.status, (name, response.status_code, response.text[:300])
    answer = response.json()
    assert case.code in _codes(answer), (name, response.text[:500])
    assert table_counts(gateway_settings.database_url) == before, name
