"""When two troubleshooting steps are the same step (principle 4), as pure rules.

A step reads as an action done to a thing: "restarted the router" is ``restart`` done to
``router``. Words are lowercased, simply lemmatised ("restarted" → "restart") and mapped
through a synonyms file to concepts, so "power-cycled the modem" is ``restart`` done to
``router`` too. Two steps are the same only when the action and the thing acted on both
match: "restarted the laptop" and "reset the router password" are other steps. A rep's own
judgement ("not the same step", "same as …") on a pair of phrasings overrides the rules.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

DEFAULT_SYNONYMS = Path(__file__).with_name("step_synonyms.yaml")

_HYPHEN_IN_WORD = re.compile(r"(?<=\w)[-‐‑](?=\w)")
_WORD = re.compile(r"[^\W_]+(?:['\u2019][^\W_]+)?", re.UNICODE)
GAP = "..."
_MAX_GAP = 4  # words a gapped phrase may skip: "turned [the old router] off and on"


# Irregular past forms reps write every day; the rest of English is left to the suffix rules.
_IRREGULAR = {
    "ran": "run", "sent": "send", "resent": "resend", "held": "hold", "chose": "choose",
    "forgot": "forget", "made": "make", "took": "take", "went": "go", "did": "do",
    "done": "do", "got": "get", "gave": "give", "found": "find", "kept": "keep",
    "left": "leave", "saw": "see", "told": "tell", "said": "say", "stuck": "stick",
    "built": "build", "rebuilt": "rebuild", "wrote": "write", "rewrote": "rewrite",
    "redid": "redo", "brought": "bring", "bought": "buy", "began": "begin", "begun": "begin",
    "swapped": "swap", "plugged": "plug", "unplugged": "unplug", "re-did": "redo",
}  # fmt: skip


def lemma(word: str) -> str:
    """A crude but consistent base form: plurals and -ed/-ing go, so forms of a word meet.

    It need not be a real word ("update" → "updat"); both sides of every comparison, and the
    synonyms file, pass through the same function.
    """
    w = _IRREGULAR.get(word, word)
    if len(w) <= 2:
        return w
    if w.endswith("ies") and len(w) > 4:
        w = w[:-3] + "i"
    elif w.endswith("es") and len(w) > 4 and (w[-3] in "sxz" or w[-4:-2] in ("ch", "sh")):
        w = w[:-2]
    elif w.endswith("s") and len(w) > 3 and not w.endswith(("ss", "us", "is")):
        w = w[:-1]
    if w.endswith("ied") and len(w) > 4:
        w = w[:-3] + "i"
    elif w.endswith("ing") and len(w) >= 6:
        w = w[:-3]
    elif w.endswith("ed") and len(w) >= 5:
        w = w[:-2]
    if len(w) > 3 and w[-1] == w[-2] and w[-1] not in "lsz":
        w = w[:-1]
    if len(w) > 3 and w.endswith("e"):
        w = w[:-1]
    if len(w) >= 3 and w.endswith("y"):
        w = w[:-1] + "i"
    return w


def words(text: str) -> list[str]:
    """Lowercased lemmas in order; "Wi-Fi" and "power-cycle" read as one word."""
    text = unicodedata.normalize("NFKC", text).casefold()
    text = _HYPHEN_IN_WORD.sub("", text)
    return [
        lemma(token.removesuffix("'s").removesuffix("\u2019s")) for token in _WORD.findall(text)
    ]


class SynonymsError(ValueError):
    pass


@dataclass(frozen=True, eq=False)
class Synonyms:
    """Phrases (as lemma tuples) → concept, for actions and things, plus filler and boundaries.

    Compared by identity, so a loaded file can key a cache cheaply.
    """

    actions: Mapping[tuple[str, ...], str]
    things: Mapping[tuple[str, ...], str]
    filler: frozenset[str]
    boundaries: frozenset[str]
    generic: frozenset[str]
    longest: int
    # "turn ... off and on": (parts, kind, concept), tried before the contiguous phrases.
    gapped: tuple[tuple[tuple[tuple[str, ...], ...], str, str], ...]
    # A misspelt word ("restared") → the known word one letter away, through deletions.
    near: Mapping[str, str]


def parse_synonyms(source: str, *, name: str = "step synonyms") -> Synonyms:
    """The YAML file: concept → phrases for `actions` and `objects`, word lists besides."""
    try:
        data = yaml.safe_load(source)
    except yaml.YAMLError as exc:
        raise SynonymsError(f"{name}: not valid YAML ({exc})") from None
    if not isinstance(data, dict):
        raise SynonymsError(f"{name}: must be a mapping with 'actions' and 'objects'")

    gapped: list[tuple[tuple[tuple[str, ...], ...], str, str]] = []

    def concepts(section: str, kind: str) -> dict[tuple[str, ...], str]:
        raw = data.get(section) or {}
        if not isinstance(raw, dict):
            raise SynonymsError(f"{name}: '{section}' must map a concept to a list of phrases")
        phrases: dict[tuple[str, ...], str] = {}
        for concept, listed in raw.items():
            if not isinstance(listed, list) or not all(isinstance(p, str) for p in listed):
                raise SynonymsError(f"{name}: {section}.{concept} must be a list of phrases")
            for phrase in [str(concept).replace("_", " "), *listed]:
                if GAP in phrase:
                    parts = tuple(tuple(words(part)) for part in phrase.split(GAP))
                    if not all(parts):
                        raise SynonymsError(f"{name}: '{phrase}' needs words around '...'")
                    gapped.append((parts, kind, str(concept)))
                    continue
                key = tuple(words(phrase))
                if key:
                    phrases.setdefault(key, str(concept))
        return phrases

    def word_list(section: str) -> list[str]:
        raw = data.get(section) or []
        if not isinstance(raw, list) or not all(isinstance(w, str) for w in raw):
            raise SynonymsError(f"{name}: '{section}' must be a list of words (quote yes/no/on)")
        return raw

    def word_set(section: str) -> frozenset[str]:
        return frozenset(token for entry in word_list(section) for token in words(entry))

    actions = concepts("actions", "action")
    things = concepts("objects", "thing")
    longest = max((len(key) for key in [*actions, *things]), default=1)
    return Synonyms(
        actions=actions,
        things=things,
        filler=word_set("filler"),
        boundaries=word_set("prepositions"),
        generic=frozenset(
            things.get(tuple(words(entry)), lemma(entry)) for entry in word_list("generic")
        ),
        longest=longest,
        gapped=tuple(gapped),
        near=_near_index([key[0] for key in [*actions, *things] if len(key) == 1]),
    )


def _deletions(word: str) -> set[str]:
    return {word[:i] + word[i + 1 :] for i in range(len(word))}


def _near_index(known: list[str]) -> dict[str, str]:
    """Every known word and its one-letter deletions → the word; ambiguous variants dropped."""
    index: dict[str, str] = {}
    clashes: set[str] = set()
    for word in known:
        if len(word) < 5:
            continue
        for variant in _deletions(word):
            if index.setdefault(variant, word) != word:
                clashes.add(variant)
    for variant in clashes:
        index.pop(variant, None)
    for word in known:
        index[word] = word
    return index


def _spelt(token: str, synonyms: Synonyms) -> str:
    """The known word a long unknown word is one letter short or long of, else the word.

    Only a missing or an extra letter ("restared", "reinstalll"): a changed letter makes
    other real words ("headset" is not "handset").
    """
    if len(token) < 5 or token in synonyms.filler or token in synonyms.boundaries:
        return token
    if token in synonyms.near:
        return synonyms.near[token]
    for candidate in _deletions(token):
        if synonyms.near.get(candidate) == candidate:
            return candidate
    return token


def _gapped_match(
    tokens: list[str], i: int, parts: tuple[tuple[str, ...], ...]
) -> tuple[int, list[str]] | None:
    """Where a gapped phrase starting at ``i`` ends, and the words it skipped."""
    if tuple(tokens[i : i + len(parts[0])]) != parts[0]:
        return None
    at = i + len(parts[0])
    skipped: list[str] = []
    for part in parts[1:]:
        for gap in range(1, _MAX_GAP + 1):
            if tuple(tokens[at + gap : at + gap + len(part)]) == part:
                skipped.extend(tokens[at : at + gap])
                at += gap + len(part)
                break
        else:
            return None
    return at, skipped


@lru_cache(maxsize=8)
def _load(path: Path, mtime: float) -> Synonyms:
    return parse_synonyms(path.read_text(encoding="utf-8"), name=str(path))


def load_synonyms(path: Path | None) -> Synonyms:
    """The configured synonyms file (re-read when it changes), or the shipped one."""
    source = path or DEFAULT_SYNONYMS
    try:
        return _load(source, source.stat().st_mtime)
    except OSError as exc:
        raise SynonymsError(f"step_synonyms_file: cannot read {source} ({exc.strerror})") from None


@dataclass(frozen=True)
class StepForm:
    """What a step description says: its action, the thing acted on and what qualifies it."""

    phrase: str  # the content words as written: the key a rep's judgement is stored under
    action: str | None
    thing: str | None
    modifiers: frozenset[str]  # said of the thing itself: "the [HDMI] cable"
    context: frozenset[str]  # said after it: "the cache [in Chrome]"


def _tag(tokens: list[str], synonyms: Synonyms) -> list[tuple[str, str, str]]:
    """(kind, value) per phrase, longest phrase first: action, thing, boundary or word."""
    tagged: list[tuple[str, str, str]] = []
    tokens = [_spelt(token, synonyms) for token in tokens]
    i = 0
    while i < len(tokens):
        for parts, kind, concept in synonyms.gapped:
            found = _gapped_match(tokens, i, parts)
            if found is not None:
                # The skipped words are what the action was done to: "turned [the hub] off".
                end, skipped = found
                tagged.append((kind, concept, ""))
                tagged.extend(_tag(skipped, synonyms))
                i = end
                break
        else:
            i = _tag_at(tokens, i, synonyms, tagged)
    return tagged


def _tag_at(
    tokens: list[str], i: int, synonyms: Synonyms, tagged: list[tuple[str, str, str]]
) -> int:
    """Tag the longest known phrase at ``i``, or the one word; the index after it."""
    for size in range(min(synonyms.longest, len(tokens) - i), 0, -1):
        key = tuple(tokens[i : i + size])
        if key in synonyms.actions:
            # A word that is both ("email") is an action first, a thing after one.
            tagged.append(("action", synonyms.actions[key], synonyms.things.get(key, "")))
            return i + size
        if key in synonyms.things:
            tagged.append(("thing", synonyms.things[key], ""))
            return i + size
    token = tokens[i]
    if token in synonyms.boundaries:
        tagged.append(("boundary", token, ""))
    elif token not in synonyms.filler:
        tagged.append(("word", token, ""))
    return i + 1


def read_step(description: str, synonyms: Synonyms) -> StepForm:
    """The form of a step: the first action, the head of the phrase that follows it."""
    return _read(description, synonyms)


@lru_cache(maxsize=8192)
def _read(description: str, synonyms: Synonyms) -> StepForm:
    tokens = words(description)
    tagged = _tag(tokens, synonyms)
    skip = synonyms.filler | synonyms.boundaries
    # The rep's own words, without filler: "rebooted the modem" → "reboot modem".
    phrase = " ".join(token for token in tokens if token not in skip)
    start = next((i for i, (kind, _, _) in enumerate(tagged) if kind == "action"), None)
    if start is None:
        # No known action: the first content word stands for it ("toggle airplane mode").
        start = next((i for i, (kind, _, _) in enumerate(tagged) if kind == "word"), None)
    if start is None:
        return StepForm(
            phrase=phrase, action=None, thing=None, modifiers=frozenset(), context=frozenset()
        )
    action = tagged[start][1]
    rest = [
        (kind, value) if kind != "action" or not alias else ("thing", alias)
        for kind, value, alias in tagged[start + 1 :]
    ]
    head: list[str] = []
    span = 0
    for kind, value in rest:
        if kind in ("boundary", "action") and head:
            break
        span += 1
        if kind in ("thing", "word"):
            head.append(value)
    # "the cable connection" is about the cable: a generic last word does not name the thing,
    # nor does a lone one ("the reset button on the router" is about the router).
    popped: list[str] = []
    while len(head) > 1 and head[-1] in synonyms.generic:
        popped.append(head.pop())
    if len(head) == 1 and head[0] in synonyms.generic:
        later = [value for kind, value in rest[span:] if kind == "thing"]
        later = [value for value in later if value not in synonyms.generic]
        if later:
            head = [later[0]]
    thing = head[-1] if head else None
    # Actions said later qualify too: "resent the [reset] email".
    # A generic word said of the thing still tells it apart: "cached [mode]" is not the cache.
    modifiers = set(head[:-1]) | set(popped)
    context = {value for kind, value in rest[span:] if kind != "boundary"}
    context -= synonyms.generic | {thing or ""}
    return StepForm(
        phrase=phrase,
        action=action,
        thing=thing,
        modifiers=frozenset(modifiers),
        context=frozenset(context),
    )


def judgement_key(a: str, b: str) -> tuple[str, str]:
    """A judged pair of phrases in one order, so (a, b) and (b, a) are one judgement."""
    return (a, b) if a <= b else (b, a)


def same_step(
    a: StepForm, b: StepForm, judged: Mapping[tuple[str, str], bool] | None = None
) -> bool:
    """Same step: a rep said so, or the same words, or the same action on the same thing.

    A step without a thing ("rebooted") matches only another without one. Everything else
    said must match too, wherever it is said: "clear the browser cache" and "clear the cache
    in Chrome" are one step, "check the cable" and "check the HDMI cable" are two. Strict on
    purpose: a false alarm teaches reps to ignore the warning.
    """
    if judged:
        verdict = judged.get(judgement_key(a.phrase, b.phrase))
        if verdict is not None:
            return verdict
    if a.phrase and a.phrase == b.phrase:
        return True
    if a.action is None or a.action != b.action or a.thing != b.thing:
        return False
    return a.modifiers | a.context == b.modifiers | b.context


def first_same(
    new: StepForm,
    earlier: Iterable[tuple[int, StepForm]],
    judged: Mapping[tuple[str, str], bool] | None = None,
) -> int | None:
    """The id of the first earlier step that is the same step as ``new``, if any."""
    for step_id, form in earlier:
        if same_step(new, form, judged):
            return step_id
    return None
