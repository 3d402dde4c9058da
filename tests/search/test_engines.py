"""Both engines, through the service: ranking, filters, edits, popularity, and that they agree."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from search.catalogue import Catalogue
from search.documents import FaqRecord
from search.engine import EngineQuery, Filters
from search.evaluation import load_ask_cases, load_search_cases, reference_dir
from search.ranking import DocKind
from search.service import SearchService
from tests.search.conftest import start_service, stop_service

REFERENCE = reference_dir(Path(__file__).resolve().parents[2])


def top_codes(service: SearchService, loop: asyncio.AbstractEventLoop, query: str, **kwargs: object) -> list[str]:
    page = loop.run_until_complete(service.search(query, size=10, **kwargs))  # type: ignore[arg-type]
    return [hit.code for hit in page.hits]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("居民身份证补领", "GA-003"),  # the formal name
        ("我的驾驶证丢了", "GA-016"),  # everyday words
        ("shebaoka", "RS-001"),  # pinyin
        ("sbk", "RS-001"),  # initials
        ("營業執照遺失", "SJ-007"),  # traditional characters
        ("住房公基金 租房提取", "GJJ-002"),  # a near-homophone typo
        ("passport", "GA-011"),  # English
    ],
)
def test_finds_the_service_first(
    service: SearchService, loop: asyncio.AbstractEventLoop, query: str, expected: str
) -> None:
    assert top_codes(service, loop, query)[0] == expected


def test_first_time_service_ranks_above_follow_ups(service: SearchService, loop: asyncio.AbstractEventLoop) -> None:
    codes = top_codes(service, loop, "社会保障卡")
    assert codes.index("RS-001") < codes.index("RS-003")
    # Asked for a follow-up, the follow-up wins.
    assert top_codes(service, loop, "社保卡坏了")[0] == "RS-003"


def test_filters_narrow_the_results(service: SearchService, loop: asyncio.AbstractEventLoop) -> None:
    companies = loop.run_until_complete(service.search("登记", Filters(audience="法人"), size=50))
    assert companies.hits
    assert all(h.item.audience == "法人" for h in companies.hits if h.item)
    police = loop.run_until_complete(service.search("证明", Filters(departments=("省公安厅",)), size=50))
    assert police.hits
    assert {h.item.department for h in police.hits if h.item} == {"省公安厅"}
    only_faq = loop.run_until_complete(service.search("社保卡", Filters(kinds=(DocKind.FAQ,)), size=20))
    assert only_faq.hits
    assert {h.kind for h in only_faq.hits} == {DocKind.FAQ}
    elsewhere = loop.run_until_complete(service.search("社保卡", Filters(region="昆明市"), size=5))
    assert elsewhere.hits  # province-wide items serve every prefecture


def test_hits_are_highlighted_and_paged(service: SearchService, loop: asyncio.AbstractEventLoop) -> None:
    first = loop.run_until_complete(service.search("公积金", size=3))
    second = loop.run_until_complete(service.search("公积金", offset=3, size=3))
    assert first.total == second.total > 6
    assert not {h.code for h in first.hits} & {h.code for h in second.hits}
    assert "<em>公积金</em>" in first.hits[0].highlight


def test_suggest_completes_chinese_pinyin_and_initials(service: SearchService, loop: asyncio.AbstractEventLoop) -> None:
    for prefix in ("社保", "shebao", "sbk"):
        suggestions = loop.run_until_complete(service.suggest(prefix))
        assert any(s.code == "RS-001" for s in suggestions), prefix


def test_engines_agree_on_the_dev_sets(
    catalogue: Catalogue, faqs: list[FaqRecord], loop: asyncio.AbstractEventLoop
) -> None:
    """Same analyzer, same ranking: the top results match between the two engines."""
    embedded = start_service("embedded", "unused", catalogue, faqs, loop)
    elastic = start_service("elasticsearch", "test-search-agree", catalogue, faqs, loop)
    try:
        queries = [c.query for c in load_search_cases(REFERENCE / "search_dev.tsv")]
        queries += [c.question for c in load_ask_cases(REFERENCE / "ask_dev.tsv")]
        same_top = 0
        for query in queries:
            analyzed = embedded.analyzer.analyze(query)
            ours = loop.run_until_complete(embedded.engine.query(EngineQuery.of(analyzed, limit=5)))
            theirs = loop.run_until_complete(elastic.engine.query(EngineQuery.of(analyzed, limit=5)))
            if not ours:
                assert not theirs, query
                continue
            same_top += ours[0].doc_id == theirs[0].doc_id
            # Where the first differs it is a near tie, and each engine's first is the other's second.
            assert ours[0].doc_id in [h.doc_id for h in theirs[:2]], query
            assert theirs[0].score == pytest.approx(ours[0].score, rel=0.1), query
        assert same_top >= 0.95 * len(queries)
    finally:
        stop_service(elastic, loop)
        stop_service(embedded, loop)


def test_faq_edits_are_indexed_at_once(fresh_service: SearchService, loop: asyncio.AbstractEventLoop) -> None:
    service = fresh_service
    record = FaqRecord(
        id="faq-test-lantern",
        question="灯笼节期间社保卡还能补办吗？",
        answer="灯笼节期间各社保经办窗口照常受理社会保障卡补换，也可在一部手机办事通线上申请。",
        variants=("过灯笼节能不能补社保卡",),
        item_codes=("RS-003",),
    )
    loop.run_until_complete(service.upsert_faq(record))
    try:
        answer = loop.run_until_complete(service.ask("灯笼节能补办社保卡吗"))
        assert answer.answered
        assert answer.faq is not None
        assert answer.faq.id == record.id
    finally:
        assert loop.run_until_complete(service.delete_faq(record.id))
    after = loop.run_until_complete(service.ask("灯笼节能补办社保卡吗"))
    assert after.faq is None or after.faq.id != record.id
    hits = loop.run_until_complete(service.search("灯笼节", Filters(kinds=(DocKind.FAQ,))))
    assert record.id not in {h.code for h in hits.hits}


def test_catalogue_changes_are_reindexed(
    fresh_service: SearchService, catalogue: Catalogue, loop: asyncio.AbstractEventLoop
) -> None:
    service = fresh_service
    original = catalogue.items["WL-004"]
    renamed = original.model_copy(
        update={"version": original.version + 1, "guide": original.guide.model_copy(update={"aliases": ["山歌向导证"]})}
    )
    assert loop.run_until_complete(service.apply_catalogue_changes([renamed], [])) == 1
    try:
        assert top_codes(service, loop, "山歌向导证")[0] == "WL-004"
        # Unchanged records are not reindexed.
        assert loop.run_until_complete(service.apply_catalogue_changes([renamed], [])) == 0
    finally:
        loop.run_until_complete(service.apply_catalogue_changes([original], []))


def test_popularity_lifts_a_result(fresh_service: SearchService, loop: asyncio.AbstractEventLoop) -> None:
    service = fresh_service
    codes = top_codes(service, loop, "住房公积金提取")
    runner_up = codes[1]
    before = {h.code: h.score for h in loop.run_until_complete(service.search("住房公积金提取", size=5)).hits}
    for _ in range(99):
        loop.run_until_complete(service.record_click(DocKind.SERVICE_ITEM, runner_up))
    after = {h.code: h.score for h in loop.run_until_complete(service.search("住房公积金提取", size=5)).hits}
    # log10(1 + 99) × popularity weight, on both engines alike.
    assert after[runner_up] - before[runner_up] == pytest.approx(2 * service.engine.ranking.popularity_weight, rel=0.01)
    loop.run_until_complete(service.engine.set_popularity({f"service_item:{runner_up}": 0.0}))
    service.clicks.clear()


def test_best_bets_pin_a_result(catalogue: Catalogue, faqs: list[FaqRecord], loop: asyncio.AbstractEventLoop) -> None:
    from search.embedded import EmbeddedEngine
    from search.factory import build_service

    service = build_service(EmbeddedEngine(), best_bets={"MZ-013": ["敬老"]})
    loop.run_until_complete(service.load(catalogue, faqs))
    assert top_codes(service, loop, "敬老")[0] == "MZ-013"
    loop.run_until_complete(service.engine.aclose())


def test_rebuild_keeps_serving(service: SearchService, loop: asyncio.AbstractEventLoop) -> None:
    count = loop.run_until_complete(service.engine.count())
    assert count == len(service.documents)
    assert loop.run_until_complete(service.engine.health()) == "up"


def test_elasticsearch_reindex_swaps_the_alias_without_downtime(
    catalogue: Catalogue, faqs: list[FaqRecord], loop: asyncio.AbstractEventLoop
) -> None:
    from search.elastic import ElasticsearchEngine

    service = start_service("elasticsearch", "test-search-swap", catalogue, faqs, loop)
    engine = service.engine
    assert isinstance(engine, ElasticsearchEngine)
    try:
        before = loop.run_until_complete(engine._indices_behind_alias())
        documents = list(service.documents.values())

        async def search_while_rebuilding() -> list[int]:
            rebuild = asyncio.create_task(engine.rebuild(documents))
            counts = []
            while not rebuild.done():
                page = await service.search("公积金提取", size=3)
                counts.append(len(page.hits))
                await asyncio.sleep(0.05)
            await rebuild
            return counts

        counts = loop.run_until_complete(search_while_rebuilding())
        after = loop.run_until_complete(engine._indices_behind_alias())
        assert counts
        assert all(count == 3 for count in counts)  # never an empty or missing index
        assert len(before) == len(after) == 1
        assert before != after
        assert not loop.run_until_complete(engine.client.indices.exists(index=before[0]))
    finally:
        stop_service(service, loop)
