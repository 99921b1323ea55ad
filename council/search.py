"""Words for free-text search (issue 6 ``/find``): how a resolution's title and text become indexed words,
and how typed words become prefixes to look for.

Both sides use the comparison form :func:`council.matching.match_key` (ی/ک, digits, ZWNJ as a space,
hamza and madda folded, punctuation dropped), split on spaces; generic words and single letters are left
out and words are cut at :data:`WORD_MAX` characters. A typed word matches every stored word it begins
(«پارک» finds «پارکینگ»), so a typed word longer than the cap is cut the same way and still matches.
"""

from __future__ import annotations

from collections.abc import Iterable

from council.matching import match_key

#: Longest stored word; longer words are cut (a prefix match still finds them).
WORD_MAX = 32
#: Shortest word kept: a single letter would match half the index.
WORD_MIN = 2

#: Words that say nothing about a resolution's subject (in match_key form: آ is ا, ZWNJ a space).
STOPWORDS: frozenset[str] = frozenset(
    {
        "و",
        "در",
        "به",
        "از",
        "که",
        "با",
        "را",
        "این",
        "ان",
        "است",
        "برای",
        "تا",
        "یا",
        "بر",
        "هم",
        "نیز",
        "ها",
        "های",
        "ی",
        "می",
        "ای",
        "اي",
        "شود",
        "شد",
        "شده",
        "باشد",
        "درباره",
        "مصوبه",
        "مصوبات",
        "مصوبهی",
        "وضعیت",
    }
)


def _keep(word: str) -> bool:
    return len(word) >= WORD_MIN and word not in STOPWORDS


def index_words(*texts: str) -> list[str]:
    """The distinct words stored for a resolution whose latest version has ``texts`` (title, text), sorted."""
    words: set[str] = set()
    for text in texts:
        words.update(word[:WORD_MAX] for word in match_key(text).split() if _keep(word))
    return sorted(words)


def query_words(words: Iterable[str]) -> tuple[str, ...]:
    """The prefixes to look for, from typed words (any form): comparison form, generic words and single
    letters left out, cut at :data:`WORD_MAX`, each once, in the order typed."""
    found: list[str] = []
    for typed in words:
        for word in match_key(typed).split():
            if _keep(word) and word[:WORD_MAX] not in found:
                found.append(word[:WORD_MAX])
    return tuple(found)


def prefix_end(prefix: str) -> str:
    """The smallest string above every string that begins with ``prefix`` (in code point order): words
    ``w`` with ``prefix <= w < prefix_end(prefix)`` are those that begin with it.

    It is ``prefix`` with its last letter moved to the next code point (never a surrogate), which
    database statistics estimate far better than ``prefix`` followed by a high code point. ``prefix`` is
    not empty.
    """
    following = ord(prefix[-1]) + 1
    if 0xD800 <= following <= 0xDFFF:
        following = 0xE000
    if following > 0x10FFFF:
        return prefix + "\U0010ffff"
    return prefix[:-1] + chr(following)


#: Words of small talk: a bare message made only of these is not a search («سلام», «ممنون»).
CHITCHAT: frozenset[str] = frozenset(
    {
        "سلام",
        "درود",
        "علیک",
        "صبح",
        "ظهر",
        "عصر",
        "شب",
        "بخیر",
        "خیر",
        "وقت",
        "خوش",
        "خوبی",
        "خوبید",
        "چطوری",
        "ممنون",
        "ممنونم",
        "مرسی",
        "متشکرم",
        "تشکر",
        "سپاس",
        "خداحافظ",
        "خدانگهدار",
        "باشه",
        "بله",
        "نه",
        "اره",
        "لطفا",
        "hi",
        "hello",
        "ok",
        "thanks",
        "yes",
        "no",
    }
)


def search_terms(words: Iterable[str]) -> tuple[str, ...]:
    """The prefixes a bare message searches for: :func:`query_words` without small talk; empty when the
    message is only small talk, generic words or single letters (then it is not a search)."""
    return tuple(word for word in query_words(words) if word not in CHITCHAT)
