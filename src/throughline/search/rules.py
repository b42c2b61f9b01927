"""What a search looks for, and how a match is shown: plain functions, no I/O.

User text is only ever read as words. Punctuation, quotes and operators (``AND``, ``"``,
``*``, ``:``) never reach the database's query syntax, so no query can fail there.
"""

from __future__ import annotations

import re
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
