"""Tests for renda.cases.similarity: pure Python, no database needed."""

from __future__ import annotations

import pytest

from renda.cases.similarity import BIGRAM_PREFIX, SimilarityIndex, find_duplicates, tokenize

STREETLIGHT = "东塘村村口的路灯坏了三个月，晚上出行很不安全"
STREETLIGHT_REWORDED = "东塘村村口路灯损坏已经好几个月了，晚上走路不安全"
SCHOOL_TRAFFIC = "希望学校门口增加交通协管员，早上接送孩子太拥堵"
MARKET_NOISE = "菜市场早上噪音太大，摊贩占道经营，影响居民休息"
RIVER = "清河河道有人倾倒垃圾，夏天河水发臭"

CANDIDATES = [
    ("school", SCHOOL_TRAFFIC),
    ("market", MARKET_NOISE),
    ("river", RIVER),
    ("light", STREETLIGHT_REWORDED),
]


def _words(text: str) -> list[str]:
    return [token for token in tokenize(text) if not token.startswith(BIGRAM_PREFIX)]


# --- tokenize ---------------------------------------------------------------------------


def test_tokenize_keeps_meaningful_words_and_drops_punctuation_and_stop_words():
    tokens = tokenize("东塘村的路灯坏了，晚上很黑！")

    assert "路灯" in tokens
    assert "晚上" in tokens
    for dropped in ("，", "！", "的", "了", "很"):
        assert dropped not in tokens


def test_tokenize_drops_full_width_and_ascii_punctuation_and_whitespace():
    text = "“路灯”（村口）《通知》【急】…—；：‘好’、？ ! , . \t\n"
    tokens = _words(text)

    assert tokens == ["路灯", "村口", "通知", "急", "好"]
    assert all(token.strip() == token and token for token in tokenize(text))


def test_tokenize_drops_petition_boilerplate():
    words = _words("我们希望请政府建议解决一下这个问题，非常着急")

    assert words == ["政府", "解决", "着急"]


def test_tokenize_keeps_cjk_single_characters_but_not_latin_or_digit_ones():
    words = _words("路灯坏 a 3 号")

    assert "坏" in words
    assert "号" in words
    assert "a" not in words
    assert "3" not in words


def test_tokenize_lowercases_latin_and_keeps_digits_in_mixed_text():
    words = _words("G318国道 路面破损 WIFI 2024")

    assert words == ["g318", "国道", "路面", "破损", "wifi", "2024"]


def test_tokenize_folds_full_width_latin_and_digits():
    assert _words("Ｇ３１８国道") == _words("G318国道") == ["g318", "国道"]


def test_tokenize_adds_prefixed_bigrams_of_cjk_runs():
    tokens = tokenize("路灯损坏，G318国道")
    bigrams = [token for token in tokens if token.startswith(BIGRAM_PREFIX)]

    # Punctuation and latin text end a run: no bigram spans "坏，" or "8国".
    assert bigrams == [BIGRAM_PREFIX + pair for pair in ("路灯", "灯损", "损坏", "国道")]


def test_tokenize_bigrams_ignore_stop_words_inside_a_run():
    def bigrams(text: str) -> list[str]:
        return [token for token in tokenize(text) if token.startswith(BIGRAM_PREFIX)]

    assert bigrams("村口的路灯") == bigrams("村口路灯")


def test_tokenize_empty_and_punctuation_only_text():
    assert tokenize("") == []
    assert tokenize("   \n") == []
    assert tokenize("，。！？……") == []


# --- similarity -------------------------------------------------------------------------


def test_reworded_duplicate_scores_above_threshold_and_ranks_first():
    results = find_duplicates(STREETLIGHT, CANDIDATES, limit=10, threshold=0.01)

    assert results[0][0] == "light"
    assert results[0][1] >= 0.25
    scores = dict(results)
    assert scores.get("school", 0.0) < results[0][1]
    assert scores.get("school", 0.0) < 0.25


def test_reworded_duplicate_is_found_at_default_threshold():
    results = find_duplicates(STREETLIGHT, CANDIDATES)

    assert [key for key, _ in results] == ["light"]


def test_unrelated_query_returns_nothing_at_default_threshold():
    candidates = [("light", STREETLIGHT), ("light2", STREETLIGHT_REWORDED), ("river", RIVER)]

    assert find_duplicates(SCHOOL_TRAFFIC, candidates) == []


def test_identical_text_scores_one():
    results = find_duplicates(RIVER, CANDIDATES)

    assert results[0] == ("river", 1.0)


def test_duplicate_documents_both_score_one():
    index = SimilarityIndex([(1, STREETLIGHT), (2, STREETLIGHT)])

    assert index.most_similar(STREETLIGHT) == [(1, 1.0), (2, 1.0)]


def test_empty_candidates_return_nothing():
    assert find_duplicates(STREETLIGHT, []) == []
    assert len(SimilarityIndex([])) == 0


def test_empty_or_featureless_text_returns_nothing():
    assert find_duplicates("", CANDIDATES) == []
    assert find_duplicates("，。！", CANDIDATES) == []
    assert find_duplicates("的了吗", CANDIDATES) == []


def test_empty_candidate_text_never_matches():
    results = find_duplicates(STREETLIGHT, [("empty", ""), ("light", STREETLIGHT_REWORDED)])

    assert [key for key, _ in results] == ["light"]


def test_results_sorted_descending_and_limit_respected():
    candidates = [
        ("far", "东塘村晚上出行"),
        ("exact", STREETLIGHT),
        ("near", STREETLIGHT_REWORDED),
        ("school", SCHOOL_TRAFFIC),
    ]
    index = SimilarityIndex(candidates)

    everything = index.most_similar(STREETLIGHT, limit=10, threshold=0.001)
    assert [key for key, _ in everything[:3]] == ["exact", "near", "far"]
    scores = [score for _, score in everything]
    assert scores == sorted(scores, reverse=True)

    assert index.most_similar(STREETLIGHT, limit=2, threshold=0.001) == everything[:2]
    assert index.most_similar(STREETLIGHT, limit=1, threshold=0.001) == everything[:1]


def test_threshold_filters_out_lower_scores():
    index = SimilarityIndex(CANDIDATES)
    loose = index.most_similar(STREETLIGHT, limit=10, threshold=0.001)
    cut = loose[0][1]

    strict = index.most_similar(STREETLIGHT, limit=10, threshold=cut)
    assert strict == [pair for pair in loose if pair[1] >= cut]
    assert index.most_similar(STREETLIGHT, limit=10, threshold=min(1.0, cut + 0.001)) == []


def test_scores_are_rounded_to_three_decimals():
    for _, score in find_duplicates(STREETLIGHT, CANDIDATES, limit=10, threshold=0.001):
        assert score == round(score, 3)
        assert 0.0 < score <= 1.0


def test_ties_keep_candidate_order():
    index = SimilarityIndex([("b", RIVER), ("a", RIVER), ("c", RIVER)])

    assert [key for key, _ in index.most_similar(RIVER)] == ["b", "a", "c"]


def test_results_are_deterministic_across_runs():
    first = find_duplicates(STREETLIGHT, CANDIDATES, limit=10, threshold=0.001)
    for _ in range(3):
        assert find_duplicates(STREETLIGHT, CANDIDATES, limit=10, threshold=0.001) == first
        assert (
            SimilarityIndex(CANDIDATES).most_similar(STREETLIGHT, limit=10, threshold=0.001)
            == first
        )


def test_unknown_query_terms_lower_the_score():
    index = SimilarityIndex(CANDIDATES)
    plain = index.most_similar(STREETLIGHT_REWORDED)
    padded = index.most_similar(STREETLIGHT_REWORDED + "，另外垃圾桶太少，公交站台破旧")

    assert plain == [("light", 1.0)]
    assert padded[0][0] == "light"
    assert padded[0][1] < 1.0


def test_keys_can_be_any_type():
    key = ("case", 42)
    index = SimilarityIndex([(key, STREETLIGHT)])

    assert index.most_similar(STREETLIGHT) == [(key, 1.0)]


def test_candidates_may_be_a_one_shot_iterator():
    results = find_duplicates(STREETLIGHT, iter(CANDIDATES))

    assert [key for key, _ in results] == ["light"]


@pytest.mark.parametrize("limit", [0, -1])
def test_invalid_limit_is_rejected(limit):
    with pytest.raises(ValueError, match="limit"):
        SimilarityIndex(CANDIDATES).most_similar(STREETLIGHT, limit=limit)


@pytest.mark.parametrize("threshold", [0.0, -0.1, 1.5])
def test_invalid_threshold_is_rejected(threshold):
    with pytest.raises(ValueError, match="threshold"):
        SimilarityIndex(CANDIDATES).most_similar(STREETLIGHT, threshold=threshold)
