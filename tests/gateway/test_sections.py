"""Every section of the personal space, for the demo users, in standard and elder mode."""

from __future__ import annotations

from datetime import datetime

from tests.support.gateway import GatewayClient, newcomer_token

HOME = """{ me {
  cases { totalCount edges { node { id caseId itemName status displayStatus speakableText promisedDeadline
          workingDaysLeft overdue clockPaused applicantName timeline { status at actor } source { system stale } } } }
  awaitingRating { totalCount edges { node { caseId status } } }
  workOrders { totalCount edges { node { orderId kind title status displayStatus deadline
               history { action status } } } }
  ratings { totalCount edges { node { level isBad rectification { status deadline } } } }
  appointments { totalCount edges { node { hallName date start status displayStatus speakableText } } }
  bills { totalCount edges { node { utilityName period amountDue status } } }
  records { socialInsurance { status monthsPaid } housingFund { maskedAccountNo balance } medical { schemeName } }
} }"""


def _me(gateway: GatewayClient, user: str, **headers: str) -> dict:
    body = gateway.graphql(HOME, as_user=user, headers=headers)
    assert "errors" not in body, body["errors"]
    return body["data"]["me"]


def test_every_section_is_filled_for_the_demo_users(gateway: GatewayClient) -> None:
    for user in ("citizen", "elder", "legal-rep"):
        me = _me(gateway, user)
        for section in ("cases", "workOrders", "ratings", "appointments", "bills"):
            assert me[section]["totalCount"] > 0, (user, section)
        assert me["records"]["socialInsurance"] is not None, user


def test_cases_carry_the_clock_and_mask_the_applicant(gateway: GatewayClient) -> None:
    cases = [e["node"] for e in _me(gateway, "citizen")["cases"]["edges"]]
    assert all(c["applicantName"] == "李**" for c in cases)
    running = [c for c in cases if c["status"] in ("受理", "审查", "补正", "决定")]
    assert running
    assert all(c["promisedDeadline"] and c["workingDaysLeft"] is not None for c in running)
    paused = [c for c in cases if c["status"] == "补正"]
    assert all(c["clockPaused"] for c in paused)
    assert all(c["timeline"][0]["status"] == "申请" for c in cases)
    assert cases[0]["source"] == {"system": "统一申办受理系统", "stale": False}


def test_awaiting_rating_lists_finished_unrated_cases(gateway: GatewayClient) -> None:
    waiting = _me(gateway, "citizen")["awaitingRating"]["edges"]
    assert waiting
    assert all(e["node"]["status"] in ("办结", "不予受理") for e in waiting)


def test_elder_mode_speaks_plainly_and_keeps_lists_short(gateway: GatewayClient) -> None:
    standard = _me(gateway, "elder")
    elder = _me(gateway, "elder", **{"X-Client-Mode": "elder"})
    std_case = standard["cases"]["edges"][0]["node"]
    old_case = elder["cases"]["edges"][0]["node"]
    assert std_case["caseId"] == old_case["caseId"]
    assert std_case["displayStatus"] == std_case["status"]
    assert old_case["displayStatus"].startswith("您的「")
    assert len(old_case["displayStatus"]) > len(std_case["displayStatus"]) + 10
    assert "「" not in old_case["speakableText"]
    appointment = elder["appointments"]["edges"][0]["node"]
    assert "月" in appointment["displayStatus"]
    assert "上午" in appointment["displayStatus"] or "下午" in appointment["displayStatus"]
    assert len(elder["bills"]["edges"]) <= 5 < standard["bills"]["totalCount"]
    assert len(standard["bills"]["edges"]) == min(20, standard["bills"]["totalCount"])


def test_saved_elder_preference_applies_without_the_header(gateway: GatewayClient) -> None:
    gateway.graphql(
        'mutation { updatePreferences(idempotencyKey: "elder-pref-0001", clientMode: ELDER) { __typename } }',
        as_user="elder",
    )
    me = _me(gateway, "elder")
    assert me["cases"]["edges"][0]["node"]["displayStatus"].startswith("您的「")
    gateway.graphql(
        'mutation { updatePreferences(idempotencyKey: "elder-pref-0002", clientMode: STANDARD) { __typename } }',
        as_user="elder",
    )


def test_one_system_down_leaves_the_others_in_time(gateway: GatewayClient) -> None:
    gateway.faults("workorders", hang=True)
    body = gateway.graphql(HOME, as_user="citizen2")
    assert body["data"]["me"]["workOrders"] is None
    error = next(e for e in body["errors"] if e["path"][-1] == "workOrders")
    assert error["extensions"]["code"] == "DEPARTMENT_TIMEOUT"
    assert error["extensions"]["retryable"] is True
    assert body["data"]["me"]["cases"]["totalCount"] > 0
    assert body["data"]["me"]["bills"]["totalCount"] > 0


def test_sections_are_audited_as_the_persons_own_reads(gateway: GatewayClient) -> None:
    _me(gateway, "legal-rep")
    log = gateway.graphql("{ me { dataAccessLog(first: 3) { edges { node { sections } } } } }", as_user="legal-rep")
    sections = set(log["data"]["me"]["dataAccessLog"]["edges"][0]["node"]["sections"])
    assert {"cases", "workOrders", "ratings", "appointments", "bills", "records"} <= sections


def test_timeline_joins_the_sections_newest_first(gateway: GatewayClient) -> None:
    query = (
        "{ me { timeline(first: 50) { missingSections"
        " entries { totalCount edges { node { at kind title status nodeId } } } } } }"
    )
    timeline = gateway.graphql(query, as_user="citizen")["data"]["me"]["timeline"]
    assert timeline["missingSections"] == []
    nodes = [e["node"] for e in timeline["entries"]["edges"]]
    assert {"CASE", "WORK_ORDER", "RATING", "APPOINTMENT"} <= {n["kind"] for n in nodes}
    moments = [datetime.fromisoformat(n["at"]) for n in nodes]
    assert moments == sorted(moments, reverse=True)
    gateway.faults("ratings", error_rate=1.0)
    # citizen's ratings come from the last good copy; a person never read before has none.
    stale = gateway.graphql(query, as_user="citizen")["data"]["me"]["timeline"]
    assert stale["missingSections"] == []
    assert "RATING" in {e["node"]["kind"] for e in stale["entries"]["edges"]}
    partial = gateway.graphql(query, token=newcomer_token(gateway.idp, 3))["data"]["me"]["timeline"]
    assert partial["missingSections"] == ["ratings"]


def test_case_ratings_come_in_one_batched_call(gateway: GatewayClient) -> None:
    ratings = gateway.simulators["ratings"]
    gateway.http.delete(f"{ratings}/_admin/requests")
    body = gateway.graphql(
        "{ me { cases(first: 20) { edges { node { caseId rating { level source { system } } } } } } }",
        as_user="citizen",
    )
    cases = [e["node"] for e in body["data"]["me"]["cases"]["edges"]]
    assert len(cases) > 3
    assert any(c["rating"] is not None for c in cases)
    counted = gateway.http.get(f"{ratings}/_admin/requests").json()
    assert counted["total"] == 1  # one lookup for every case on the page


def test_common_services_follow_age_history_and_mode(gateway: GatewayClient) -> None:
    query = "{ me { commonServices { code name } } }"
    elder = gateway.graphql(query, as_user="elder", headers={"X-Client-Mode": "elder"})["data"]["me"]["commonServices"]
    standard = gateway.graphql(query, as_user="elder")["data"]["me"]["commonServices"]
    assert len(elder) == 4
    assert len(standard) == 8
    assert [s["code"] for s in elder] == [s["code"] for s in standard][:4]
    young = gateway.graphql(query, as_user="staff")["data"]["me"]["commonServices"]
    # What an 83-year-old needs first is not what a 31-year-old needs first.
    assert {"RS-016", "MZ-007"} & {s["code"] for s in standard}
    assert {s["code"] for s in young} != {s["code"] for s in standard}


def test_elder_answers_are_short_enough_to_read_aloud(gateway: GatewayClient) -> None:
    query = "query($q: String!) { ask(question: $q) { answered text speakableText } }"
    question = {"q": "社保卡丢了怎么挂失？"}
    standard = gateway.graphql(query, question)["data"]["ask"]
    elder = gateway.graphql(query, question, headers={"X-Client-Mode": "elder"})["data"]["ask"]
    assert standard["answered"] is True
    assert elder["answered"] is True
    assert len(elder["text"]) <= 80
    assert len(elder["text"]) <= len(standard["text"])
    assert standard["text"].startswith(elder["text"].rstrip("…。")[:10])
