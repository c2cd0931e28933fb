"""Text similarity for spotting likely duplicate public opinions (民意).

Method
------
Each text is turned into a bag of features:

* words from jieba's accurate-mode segmentation, with latin text lowercased and
  punctuation, whitespace, stop words and uninformative single characters removed;
* character bigrams of the CJK runs (prefixed with ``BIGRAM_PREFIX``), which let two
  texts match even when jieba segments the same phrase differently.

Features are weighted with TF-IDF (sublinear tf ``1 + log(tf)``, smoothed idf
``log((1 + N) / (1 + df)) + 1``) and the vectors are L2-normalised, so the dot product of
two vectors is their cosine similarity. Vectors are sparse dicts and queries walk an
inverted index, so only documents sharing at least one feature with the query are
scored. Everything is pure Python and deterministic (no set/hash-order dependence),
which keeps results reproducible in tests and across processes.

jieba is imported and its dictionary loaded on first use only: importing this module is
cheap, the first call to :func:`tokenize` pays roughly a second to load the dictionary.
"""

from __future__ import annotations

import functools
import logging
import math
import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable
from typing import Generic, TypeVar

__all__ = [
    "BIGRAM_PREFIX",
    "STOP_WORDS",
    "SimilarityIndex",
    "find_duplicates",
    "tokenize",
]

K = TypeVar("K")

#: Marks character-bigram features so they never collide with a two-character word.
BIGRAM_PREFIX = "§"

#: Words too common in citizens' submissions to say anything about the subject.
#: Deliberately short: place names and subject words must survive, because they are
#: what distinguishes one complaint from another.
STOP_WORDS: frozenset[str] = frozenset(
    {
        # particles, pronouns, auxiliaries
        "的", "了", "着", "过", "是", "在", "和", "有", "与", "及", "或", "而", "并", "之",
        "我", "我们", "你", "你们", "他", "他们", "她", "她们", "它", "它们", "咱们",
        "这", "那", "这个", "那个", "这里", "那里", "就", "都", "也", "还", "又",
        "一个", "没有", "什么", "一下", "能", "会", "要", "对", "把", "被", "让", "给", "等",
        "吗", "呢", "吧", "啊", "呀", "很", "非常", "已经", "但是", "因为", "所以", "如果",
        # boilerplate of petitions: present in almost every submission
        "请", "希望", "建议", "问题",
        # bare administrative units; the named place ("东塘村") is kept by jieba as a word
        "村", "镇",
    }
)  # fmt: skip

# CJK Unified Ideographs, Extension A, compatibility ideographs and Extensions B+.
_CJK_TOKEN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f]+")


@functools.cache
def _segmenter() -> Callable[[str], list[str]]:
    """Load jieba once, quietly, and return its accurate-mode ``lcut``."""
    # Imported here because importing jieba alone costs ~0.2 s, and loading its
    # dictionary ~1 s: only code that actually compares texts should pay for it.
    import jieba

    jieba.setLogLevel(logging.WARNING)
    # jieba.initialize() takes its own lock, so a concurrent first call is harmless.
    jieba.initialize()
    lcut: Callable[[str], list[str]] = jieba.lcut
    return lcut


def _is_cjk(token: str) -> bool:
    """True if the token is non-empty and made of CJK ideographs only."""
    # One regex call per token rather than one per character: this runs for every token.
    return _CJK_TOKEN.fullmatch(token) is not None


def tokenize(text: str) -> list[str]:
    """Return the similarity features of ``text``: words, then prefixed CJK bigrams.

    Words come from jieba in the order they appear; latin text is lowercased,
    punctuation/whitespace tokens and :data:`STOP_WORDS` are dropped, and a
    single-character token survives only if it is a CJK character. The list may
    contain repeats: term frequency matters to the caller.
    """
    # NFKC folds full-width latin letters and digits ("Ｇ３１８") into ASCII, which jieba
    # would otherwise split into one token per character.
    normalised = unicodedata.normalize("NFKC", text)
    if not normalised.strip():
        return []

    words: list[str] = []
    runs: list[str] = []
    run: list[str] = []
    for raw in _segmenter()(normalised):
        token = raw.strip().lower()
        if _is_cjk(token):
            if token not in STOP_WORDS:
                words.append(token)
                # Stop words are skipped without ending the run, so "村口的路灯" and
                # "村口路灯" yield the same bigrams.
                run.append(token)
            continue
        # Punctuation, whitespace or latin/digits: the CJK run ends here.
        if run:
            runs.append("".join(run))
            run = []
        if len(token) > 1 and token not in STOP_WORDS and any(c.isalnum() for c in token):
            words.append(token)
    if run:
        runs.append("".join(run))

    # Why bigrams: jieba may cut the same phrase differently depending on its context
    # ("损坏" vs "坏" + "了", "东塘村" vs "东" + "塘村"), and a word-only vector would
    # then miss the overlap. Overlapping character bigrams are segmentation-independent,
    # so near-duplicates worded slightly differently still share many features.
    bigrams = [BIGRAM_PREFIX + chunk[i : i + 2] for chunk in runs for i in range(len(chunk) - 1)]
    return words + bigrams


def _normalised(weights: dict[str, float]) -> dict[str, float]:
    norm = math.sqrt(sum(weight * weight for weight in weights.values()))
    if norm == 0.0:
        return {}
    return {term: weight / norm for term, weight in weights.items()}


def _sublinear_tf(features: list[str]) -> dict[str, float]:
    # 1 + log(tf): a word repeated five times is more relevant, not five times more.
    return {term: 1.0 + math.log(count) for term, count in Counter(features).items()}


class SimilarityIndex(Generic[K]):
    """TF-IDF cosine-similarity index over ``(key, text)`` documents.

    Keys are returned as given and need not be hashable or orderable. Keys are not
    deduplicated: each pair is one document, so pass each key once.
    """

    def __init__(self, documents: Iterable[tuple[K, str]]) -> None:
        self._keys: list[K] = []
        term_frequencies: list[dict[str, float]] = []
        document_frequency: Counter[str] = Counter()
        for key, text in documents:
            tf = _sublinear_tf(tokenize(text))
            self._keys.append(key)
            term_frequencies.append(tf)
            document_frequency.update(tf.keys())

        count = len(self._keys)
        self._idf: dict[str, float] = {
            term: math.log((1 + count) / (1 + df)) + 1.0 for term, df in document_frequency.items()
        }
        # A term the index has never seen is rarer than any it has seen: it gets the
        # smoothed idf of df = 0, the maximum. It cannot match anything, but it weighs on
        # the query's norm, so a query with much novel content scores lower.
        self._unknown_idf = math.log(1 + count) + 1.0

        # Inverted index term -> [(document position, weight)]: a query only touches
        # documents that share a term with it instead of scanning every vector.
        self._postings: dict[str, list[tuple[int, float]]] = {}
        for position, tf in enumerate(term_frequencies):
            vector = _normalised({term: w * self._idf[term] for term, w in tf.items()})
            for term, weight in vector.items():
                self._postings.setdefault(term, []).append((position, weight))

    def __len__(self) -> int:
        return len(self._keys)

    def most_similar(
        self, text: str, *, limit: int = 5, threshold: float = 0.25
    ) -> list[tuple[K, float]]:
        """Return up to ``limit`` ``(key, score)`` pairs with cosine score >= ``threshold``.

        Scores are rounded to 3 decimals and sorted best first; ties keep the order the
        documents were given in. ``threshold`` must be in (0, 1]: a document sharing no
        feature with the query is never returned.
        """
        if limit < 1:
            raise ValueError(f"limit must be at least 1, got {limit}")
        if not 0.0 < threshold <= 1.0:
            raise ValueError(f"threshold must be in (0, 1], got {threshold}")
        if not self._keys:
            return []

        query = _normalised(
            {
                term: w * self._idf.get(term, self._unknown_idf)
                for term, w in _sublinear_tf(tokenize(text)).items()
            }
        )
        scores: dict[int, float] = {}
        for term, query_weight in query.items():
            for position, weight in self._postings.get(term, ()):
                scores[position] = scores.get(position, 0.0) + query_weight * weight

        ranked = sorted(scores.items(), key=lambda item: (-item[1], item[0]))
        results: list[tuple[K, float]] = []
        for position, score in ranked:
            # Compare the rounded score, so a reported score is never below threshold
            # and float noise (0.99999...) cannot change the outcome.
            rounded = round(score, 3)
            if rounded < threshold:
                break
            results.append((self._keys[position], rounded))
            if len(results) == limit:
                break
        return results


def find_duplicates(
    text: str,
    candidates: Iterable[tuple[K, str]],
    *,
    limit: int = 5,
    threshold: float = 0.25,
) -> list[tuple[K, float]]:
    """Rank ``candidates`` by similarity to ``text``; see :meth:`SimilarityIndex.most_similar`.

    Builds a throwaway index, so the idf reflects this candidate set. To query the
    same candidates repeatedly, build a :class:`SimilarityIndex` once instead.
    """
    return SimilarityIndex(candidates).most_similar(text, limit=limit, threshold=threshold)
