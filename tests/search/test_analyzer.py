"""The analyzer: normalisation, segmentation, synonyms, pinyin, typos; and that it never breaks."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from search.analyzer import Analyzer, compact, fuzzy_pinyin, looks_like_pinyin, normalize
from search.service import SearchService


@pytest.fixture(scope="module")
def analyzer(embedded: SearchService) -> Analyzer:
    """The analyzer after it has learnt the catalogue's words."""
    return embedded.analyzer


def test_normalize_folds_width_case_and_traditional() -> None:
    assert normalize("ＳＨＥＢＡＯＫＡ") == "shebaoka"
    assert normalize("營業執照") == "营业执照"
    assert normalize("  社保卡，怎么办？ ") == "社保卡 怎么办"
    assert compact("身份证 丢了！") == "身份证丢了"


@given(st.text(max_size=80))
@settings(max_examples=300, deadline=None)
def test_normalize_is_idempotent(text: str) -> None:
    once = normalize(text)
    assert normalize(once) == once


@given(st.text(max_size=120))
@settings(max_examples=150, deadline=None)
def test_analyze_never_crashes_and_tokens_are_engine_safe(analyzer: Analyzer, text: str) -> None:
    analyzed = analyzer.analyze(text)
    for group in (analyzed.terms, analyzed.synonyms, analyzed.corrections, analyzed.pinyin, analyzed.chars):
        for token in group:
            # Both engines split on whitespace only; a token must stay one token.
            assert token
            assert not any(c.isspace() for c in token)


@given(st.text(alphabet=st.characters(whitelist_categories=("Lo",), max_codepoint=0x9FFF), max_size=30))
@settings(max_examples=100, deadline=None)
def test_tokens_of_normalised_text_are_stable(analyzer: Analyzer, text: str) -> None:
    assert analyzer.tokens(text) == analyzer.tokens(normalize(text))


def test_segmentation_keeps_domain_words(analyzer: Analyzer) -> None:
    assert "公积金" in analyzer.tokens("住房公积金提取")
    assert "社保卡" in analyzer.tokens("我的社保卡丢了")
    # Stopwords go on both sides.
    assert "怎么" not in analyzer.tokens("社保卡怎么办")


def test_everyday_words_expand_to_formal_ones(analyzer: Analyzer) -> None:
    assert "补领" in analyzer.analyze("身份证丢了").synonyms
    assert {"企业", "设立"} <= set(analyzer.analyze("想开公司").synonyms)
    assert "换领" in analyzer.analyze("驾照过期了").synonyms


def test_pinyin_and_initials_are_read_back_as_words(analyzer: Analyzer) -> None:
    assert "社保卡" in analyzer.analyze("shebaoka").corrections
    assert "社保卡" in analyzer.analyze("sbk").corrections
    assert "公积金" in analyzer.analyze("gongjijintiqu").corrections
    assert {"公积金", "提取"} <= set(analyzer.analyze("gongjijin tiqu").corrections)


def test_english_words_are_not_mistaken_for_pinyin(analyzer: Analyzer) -> None:
    analyzed = analyzer.analyze("passport")
    assert analyzed.terms == ("passport",)
    assert not looks_like_pinyin("passport")
    assert looks_like_pinyin("shebaoka")


def test_near_homophones_are_corrected(analyzer: Analyzer) -> None:
    assert "公积金" in analyzer.analyze("公基金提取").corrections
    # Southern fuzzy pinyin: n/l and -ng/-n are one sound for many speakers.
    assert fuzzy_pinyin("老年") == fuzzy_pinyin("脑连")
    assert "社保卡" in analyzer.analyze("社保咔").corrections


def test_words_already_known_are_not_corrected(analyzer: Analyzer) -> None:
    assert analyzer.analyze("公积金提取").corrections == ()


def test_query_key_is_the_compact_normalised_text(analyzer: Analyzer) -> None:
    assert analyzer.analyze("營業 執照").key == "营业执照"
