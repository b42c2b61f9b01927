"""What a search looks for, and how a match is shown: plain functions, no I/O.

User text is only ever read as words. Punctuation, quotes and operators (``AND``, ``"``,
``*``, ``:``) never reach the database's query syntax, so no query can fail there.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from html import escape

from markupsafe import Markup

from throughline.kit.errors import InvalidInput

MAX_QUERY_CHARS = 200
MAX_SEARCH_WORDS = 12
# Enough of a new case's subject and first message to find its look-alikes.
MAX_SIMILAR_WORDS = 32

# Letters and digits of any script; "_" and punctuation separate words, as the tokenizers do.
_WORD = re.compile(r"[^\W_]+")

# PostgreSQL's English stop words (which its parser drops anyway), so that both databases
# look for the same words.
STOP_WORDS = frozenset(
    """
    i me my myself we our ours ourselves you your yours yourself yourselves he him his himself
    she her hers herself it its itself they them their theirs themselves what which who whom
    this that these those am is are was were be been being have has had having do does did
    doing a an the and but if or because as until while of at by for with about against between
    into through during before after above below to from up down in out on off over under
    again further then once here there when where why how all any both each few more most other
    some such no nor not only own same so than too very s t can will just don should now
    """.split()
)
# Words every support message has: no help telling one problem from another.
_SIMILAR_NOISE = frozenset(
    """
    hi hello thanks thank please help hey dear regards cheers best team support issue problem
    get got would could also im ive dont cant doesnt didnt wont isnt still since yesterday today
    anyone something anything know tried try trying us one two keep keeps
    """.split()
)

# PostgreSQL: each document carries a word for the span of 2^shift documents it falls in, for
# each of these shifts (migration 0014). A search asks first for the newest two spans of the
# smallest; while they hold fewer matches than it ranks, for as many of the newest spans as the
# density seen says are needed, of the smallest shift that needs at most MAX_SPANS of them.
WINDOW_SHIFTS = (15, 17, 19, 21, 23)
MAX_SPANS = 4
# How much more than the expected need the next spans are chosen to hold.
WINDOW_MARGIN = 1.2


@dataclass(frozen=True)
class Window:
    """The newest ``spans`` spans of 2^``shift`` documents up to document ``newest``."""

    shift: int
    spans: int
    newest: int

    @property
    def begins(self) -> int:
        return max((self.newest >> self.shift) - self.spans + 1, 0) << self.shift

    @property
    def size(self) -> int:
        return self.newest - self.begins + 1

    @property
    def whole(self) -> bool:
        """Whether it reaches back to the first document: it is the whole index."""
        return self.begins == 0

    def tsquery(self) -> str:
        top = self.newest >> self.shift
        first = max(top - self.spans + 1, 0)
        return " | ".join(f"w_{self.shift}_{span}" for span in range(top, first - 1, -1))


def first_window(newest: int) -> Window:
    return Window(WINDOW_SHIFTS[0], 2, newest)


def next_window(seen: Window, found: int, wanted: int) -> Window | None:
    """After ``found`` (< ``wanted``) matches in ``seen``: the spans sized for ``wanted`` at
    the density seen, or None to ask the whole index."""
    if found == 0:
        return None  # the words are rare: the whole index holds few of them
    need = seen.size * wanted / found * WINDOW_MARGIN
    for shift in WINDOW_SHIFTS:
        partial = seen.newest - ((seen.newest >> shift) << shift) + 1
        spans = 1 + max(math.ceil((need - partial) / (1 << shift)), 0)
        if spans <= MAX_SPANS:
            bigger = Window(shift, spans, seen.newest)
            if bigger.whole:
                return None
            if bigger.size > seen.size:
                return bigger
    return None


# Marks around a match, from the database's snippet function; code points no text carries.
MATCH_START = "\ue000"
MATCH_END = "\ue001"


def words(text: str) -> list[str]:
    """The words of ``text``, lower case, each once, in order."""
    seen: dict[str, None] = {}
    for word in _WORD.findall(text.lower()):
        seen.setdefault(word, None)
    return list(seen)


def search_terms(query: str) -> list[str]:
    """The words a rep's query looks for (all of them must match); a clear error if none."""
    text = query.strip()
    if not text:
        raise InvalidInput("q: type a word or a case number to search for")
    if len(text) > MAX_QUERY_CHARS:
        raise InvalidInput(f"q: at most {MAX_QUERY_CHARS} characters")
    found = words(text)
    if not found:
        raise InvalidInput("q: has no letters or digits to search for")
    terms = [word for word in found if word not in STOP_WORDS]
    if not terms:
        raise InvalidInput(
            f"q: {', '.join(repr(w) for w in found)} is too common to search for; "
            "add a more specific word"
        )
    if len(terms) > MAX_SEARCH_WORDS:
        raise InvalidInput(f"q: at most {MAX_SEARCH_WORDS} words")
    return terms


def similar_terms(subject: str, first_message: str | None) -> list[str]:
    """The words of a new case that tell its problem apart: subject first, then the customer's
    first message, without stop words, greetings or one-letter words."""
    found = words(f"{subject} {first_message or ''}")
    kept = [w for w in found if len(w) > 1 and w not in STOP_WORDS and w not in _SIMILAR_NOISE]
    return kept[:MAX_SIMILAR_WORDS]


def marked(snippet: str) -> Markup:
    """A snippet as safe HTML: everything escaped first, then each match put in ``<mark>``."""
    html = escape(snippet, quote=True)
    return Markup(html.replace(MATCH_START, "<mark>").replace(MATCH_END, "</mark>"))


def plain(text: str) -> str:
    """Text without the match marks (for a content that happened to carry them)."""
    return text.replace(MATCH_START, "").replace(MATCH_END, "")
