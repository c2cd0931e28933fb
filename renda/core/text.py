"""Chinese text: one normalisation, one stop-word list and one jieba tokenizer, used by the
duplicate detection (`renda.cases.similarity`) and the portal's search (`renda.portal.search`).

Normalisation folds full-width latin, digits, punctuation and spaces to half-width (NFKC)
and runs of whitespace to one space. Case is folded per token, after segmentation, because
jieba's dictionary holds mixed-case words ("T恤", "B超").

The segmenter is jieba with a user dictionary: the domain terms below (小快灵, 双联系…) and
the congress's own names — regions (镇, 村, 社区) and areas here in core, departments and
stations through providers that their apps register (`register_words`, called from
`AppConfig.ready()`). Each process builds its own dictionary from the providers on first
use and reads them again every `NAMES_REFRESH_SECONDS`, so no process depends on a word
another process learnt; a name takes jieba's suggested frequency (just enough to keep it
whole). jieba is imported on first use only: importing it costs ~0.2 s and loading its
dictionary about a second.
"""

from __future__ import annotations

import logging
import re
import threading
import time
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

__all__ = [
    "DOMAIN_TERMS",
    "STOP_WORDS",
    "Analysis",
    "analyse",
    "is_cjk",
    "normalise",
    "register_words",
    "reset_dictionary",
    "tokens",
    "warm_up",
]

log = logging.getLogger(__name__)

#: Function words: particles, pronouns, auxiliaries, prepositions. They occur in every text
#: and say nothing about its subject. Deliberately short: place names and subject words
#: must survive. A caller may drop more (the duplicate detection drops petition boilerplate).
STOP_WORDS: frozenset[str] = frozenset(
    {
        "的", "了", "着", "过", "是", "在", "和", "有", "与", "及", "或", "而", "并", "之",
        "我", "我们", "你", "你们", "他", "他们", "她", "她们", "它", "它们", "咱们",
        "这", "那", "这个", "那个", "这里", "那里", "就", "都", "也", "还", "又",
        "一个", "没有", "什么", "一下", "能", "会", "要", "对", "把", "被", "让", "给", "等",
        "吗", "呢", "吧", "啊", "呀", "很", "非常", "已经", "但是", "因为", "所以", "如果",
        "为", "以", "于", "从", "向", "将", "其", "中", "上", "下",
    }
)  # fmt: skip

#: Terms of the congress's work that jieba would cut into pieces (小快 + 灵, 双 + 联系).
DOMAIN_TERMS: tuple[str, ...] = (
    "人大代表",
    "联络站",
    "联络点",
    "小快灵",
    "双联系",
    "回选区",
    "述职评议",
    "民主测评",
    "票决制",
    "交办会",
    "接待日",
    "履职档案",
    "重点督办",
    "跟踪办理",
    "民生实事",
)

#: How often a process reads the names again (a new village or department becomes a word
#: in every process within this time).
NAMES_REFRESH_SECONDS = 300
#: Longer names are not added as words (a whole sentence is not a name).
MAX_WORD_CHARS = 30

# CJK Unified Ideographs, Extension A, compatibility ideographs and Extensions B+.
_CJK_TOKEN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f]+")
_SPACES = re.compile(r"\s+")
# What jieba matches against its dictionary (its `re_han_default`): a name with any other
# character could never be found as one word.
_DICTIONARY_WORD = re.compile(r"[\u4E00-\u9FD5a-zA-Z0-9+#&._%\-]+")

WordProvider = Callable[[], Iterable[str]]


def normalise(text: str) -> str:
    """Full-width latin, digits, punctuation and spaces to half-width ("Ｇ３１８" → "G318"),
    whitespace runs to one space, trimmed."""
    return _SPACES.sub(" ", unicodedata.normalize("NFKC", text or "")).strip()


def is_cjk(token: str) -> bool:
    """True if the token is non-empty and made of CJK ideographs only."""
    # One regex call per token rather than one per character: this runs for every token.
    return _CJK_TOKEN.fullmatch(token) is not None


# --- the user dictionary --------------------------------------------------------------------


def _region_names() -> Iterator[str]:
    from renda.core.models import Area, Region

    yield from Region.objects.values_list("name", flat=True)
    yield from Area.objects.values_list("name", flat=True)


_providers: list[WordProvider] = [_region_names]


def register_words(provider: WordProvider) -> None:
    """Add a source of words to keep whole (names of departments, stations…). Call it from
    `AppConfig.ready()`: every process registers the same providers and reads them itself."""
    if provider not in _providers:
        _providers.append(provider)


def _dictionary_word(name: str) -> str | None:
    word = normalise(name)
    if 2 <= len(word) <= MAX_WORD_CHARS and _DICTIONARY_WORD.fullmatch(word):
        return word
    return None


class _Dictionary:
    """jieba's tokenizer with this process's user words. Every change restores jieba's own
    entries first and adds the words in sorted order, so the same words give the same
    dictionary whatever was loaded before."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.tokenizer: Any = None
        self.words: frozenset[str] = frozenset()
        self.read_at: float | None = None  # when the providers were last read
        self._base_total = 0
        self._saved: dict[str, int | None] = {}  # jieba's entries we changed (None: absent)

    def current(self) -> tuple[Any, frozenset[str]]:
        if self.tokenizer is None or self._due():
            with self.lock:
                if self.tokenizer is None:
                    self.tokenizer = self._load()
                    self._base_total = self.tokenizer.total
                    self._apply(frozenset(DOMAIN_TERMS))
                if self._due():
                    self._read_names()
        return self.tokenizer, self.words

    def warm_up(self) -> None:
        """Load jieba and the domain terms now (no database access: the names are read on
        the first segmentation, as always)."""
        with self.lock:
            if self.tokenizer is None:
                self.tokenizer = self._load()
                self._base_total = self.tokenizer.total
                self._apply(frozenset(DOMAIN_TERMS))

    def reset(self) -> None:
        with self.lock:
            if self.tokenizer is not None:
                self._apply(frozenset(DOMAIN_TERMS))
            self.read_at = None

    def _due(self) -> bool:
        return self.read_at is None or time.monotonic() - self.read_at > NAMES_REFRESH_SECONDS

    @staticmethod
    def _load() -> Any:
        # Imported here: importing jieba costs ~0.2 s, loading its dictionary ~1 s, and only
        # code that segments text should pay for it.
        import jieba

        jieba.setLogLevel(logging.WARNING)
        tokenizer = jieba.Tokenizer()
        tokenizer.initialize()  # takes jieba's own lock: a concurrent first call is harmless
        return tokenizer

    def _read_names(self) -> None:
        self.read_at = time.monotonic()
        words = set(DOMAIN_TERMS)
        try:
            for provider in _providers:
                words.update(w for w in map(_dictionary_word, provider()) if w)
        except Exception:  # no database yet (migrations, a test without one): try later
            log.warning("The names for Chinese segmentation could not be read.", exc_info=True)
            return
        if frozenset(words) != self.words:
            self._apply(frozenset(words))

    def _apply(self, words: frozenset[str]) -> None:
        tokenizer = self.tokenizer
        freq = tokenizer.FREQ
        for key, value in self._saved.items():
            if value is None:
                freq.pop(key, None)
            else:
                freq[key] = value
        tokenizer.total = self._base_total
        self._saved = {}
        for word in sorted(words):
            for end in range(1, len(word) + 1):
                self._saved.setdefault(word[:end], freq.get(word[:end]))
            # jieba's suggestion: just frequent enough to beat the word's own split.
            new = tokenizer.suggest_freq(word)
            tokenizer.total += new - (freq.get(word) or 0)
            freq[word] = new
            for end in range(1, len(word)):
                freq.setdefault(word[:end], 0)  # prefixes let jieba's DAG reach the word
        self.words = words


_dictionary = _Dictionary()


def warm_up() -> None:
    """Load the segmenter at once instead of on the first search (~1–3 s). The serving
    process calls it when it starts (`renda/wsgi.py`, each gunicorn worker); management
    commands and tests do not, since most never segment text."""
    _dictionary.warm_up()
    try:
        _dictionary.current()  # and the names of regions and departments (the database)
    except Exception:  # noqa: BLE001  the database may not answer yet: read on first use
        log.warning("segmenter names not read at start; read on the first search", exc_info=True)


def reset_dictionary() -> None:
    """Forget the names read so far: the next segmentation reads them again (tests, after a
    bulk import of regions or departments)."""
    _dictionary.reset()


# --- segmentation ---------------------------------------------------------------------------


def _cut_for_search(tokenizer: Any, names: frozenset[str], text: str) -> Iterator[str]:
    """jieba's search mode — each word's dictionary 2- and 3-grams, then the word — and for
    a user word also its longer dictionary sub-words ("城乡建设" in "城乡建设办公室"), which
    jieba would have found had the name not been made one word."""
    freq = tokenizer.FREQ
    for word in tokenizer.cut(text):
        size = len(word)
        longest = size - 1 if word in names else min(3, size - 1)
        for n in range(2, longest + 1):
            for i in range(size - n + 1):
                if freq.get(word[i : i + n]):
                    yield word[i : i + n]
        yield word


@dataclass(frozen=True)
class Analysis:
    """The words of a text, and (accurate mode) its runs of CJK words for bigrams."""

    words: list[str]
    runs: list[str]

    def bigrams(self) -> list[str]:
        """Overlapping character bigrams of the CJK runs: they do not depend on where jieba
        cut, so two texts worded slightly differently still share them."""
        return [run[i : i + 2] for run in self.runs for i in range(len(run) - 1)]


def analyse(
    text: str, *, search: bool = False, stop_words: frozenset[str] = STOP_WORDS
) -> Analysis:
    """Segment `text` with jieba, accurate mode (or search mode: words and their dictionary
    sub-words, "人大代表" → "人大", "代表", "人大代表").

    Words come in order, lowercased; punctuation, whitespace and `stop_words` are dropped and
    a single character survives only if it is a CJK ideograph. Repeats are kept (term
    frequency matters). In accurate mode the CJK runs are kept too: a stop word is skipped
    without ending a run ("村口的路灯" and "村口路灯" give the same run), anything that is not
    CJK ends it.
    """
    normalised = normalise(text)
    if not normalised:
        return Analysis([], [])
    tokenizer, names = _dictionary.current()
    raw_tokens = (
        _cut_for_search(tokenizer, names, normalised) if search else tokenizer.cut(normalised)
    )
    words: list[str] = []
    runs: list[str] = []
    run: list[str] = []
    for raw in raw_tokens:
        token = raw.strip().lower()
        if is_cjk(token):
            if token not in stop_words:
                words.append(token)
                run.append(token)
            continue
        if run:
            runs.append("".join(run))
            run = []
        if len(token) > 1 and token not in stop_words and any(c.isalnum() for c in token):
            words.append(token)
    if run:
        runs.append("".join(run))
    return Analysis(words, [] if search else runs)


def tokens(
    text: str, *, search: bool = False, stop_words: frozenset[str] = STOP_WORDS
) -> list[str]:
    """The words of `text` (see `analyse`)."""
    return analyse(text, search=search, stop_words=stop_words).words
