"""Text similarity for spotting likely duplicate public opinions (民意).

Method
------
Each text is turned into a bag of features (by ``renda.core.text``, the platform's one
Chinese tokenizer):

* words from jieba's accurate-mode segmentation (with the congress's names and terms in
  its dictionary), with latin text lowercased and punctuation, whitespace, stop words,
  petition boilerplate and uninformative single characters removed;
* character bigrams of the CJK runs (prefixed with ``BIGRAM_PREFIX``), which let two
  texts match even when jieba segments the same phrase differently.

Features are weighted with TF-IDF (sublinear tf ``1 + log(tf)``, smoothed idf
``log((1 + N) / (1 + df)) + 1``) and the vectors are L2-normalised, so the dot product of
two vectors is their cosine similarity. Vectors are sparse dicts and queries walk an
inverted index, so only documents sharing at least one feature with the query are
scored. Everything is pure Python and deterministic (no set/hash-order dependence),
which keeps results reproducible in tests and across processes.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable
from typing import Generic, TypeVar

from renda.core import text as chinese

__all__ = [
    "BIGRAM_PREFIX",
    "BOILERPLATE",
    "STOP_WORDS",
    "SimilarityIndex",
    "find_duplicates",
    "tokenize",
]

K = TypeVar("K")

#: Marks character-bigram features so they never collide with a two-character word.
BIGRAM_PREFIX = "§"

#: Boilerplate of petitions, present in almost every submission, and the bare administrative
#: units (the named place, "东塘村", is one word of the tokenizer's dictionary): dropped here
#: on top of the function words, but a search for them must still work.
BOILERPLATE: frozenset[str] = frozenset({"请", "希望", "建议", "问题", "村", "镇"})
STOP_WORDS: frozenset[str] = chinese.STOP_WORDS | BOILERPLATE


def tokenize(text: str) -> list[str]:
    """Return the similarity features of ``text``: words, then prefixed CJK bigrams.

    Words come from jieba in the order they appear; latin text is lowercased,
    punctuation/whitespace tokens and :data:`STOP_WORDS` are dropped, and a
    single-character token survives only if it is a CJK character. The list may
    contain repeats: term frequency matters to the caller.
    """
    analysis = chinese.analyse(text, stop_words=STOP_WORDS)
    # Why bigrams: jieba may cut the same phrase differently depending on its context
    # ("损坏" vs "坏" + "了"), and a word-only vector would then miss the overlap.
    return analysis.words + [BIGRAM_PREFIX + pair for pair in analysis.bigrams()]


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
