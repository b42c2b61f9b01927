"""The jargon hint (principle 11): terms a novice may not know, with plain words to use instead.

Pure: a glossary is loaded once from YAML; ``jargon_in(text, glossary)`` lists what it finds.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

DEFAULT_GLOSSARY = Path(__file__).with_name("glossary.yaml")


@dataclass(frozen=True)
class Jargon:
    term: str
    plain: str


@dataclass(frozen=True)
class Glossary:
    terms: tuple[Jargon, ...]
    pattern: re.Pattern[str] | None

    def find(self, text: str) -> list[Jargon]:
        """Each glossary term used in ``text`` once, in the order they first appear."""
        if self.pattern is None:
            return []
        by_key = {term.term.lower(): term for term in self.terms}
        found: dict[str, Jargon] = {}
        for match in self.pattern.finditer(text):
            key = match.group(0).lower()
            if key in by_key and key not in found:
                found[key] = by_key[key]
        return list(found.values())


class GlossaryError(ValueError):
    pass


def parse_glossary(source: str, *, name: str = "glossary") -> Glossary:
    """A YAML mapping of term → plain words; anything else is refused with where it went wrong."""
    try:
        data = yaml.safe_load(source)
    except yaml.YAMLError as exc:
        raise GlossaryError(f"{name}: not valid YAML ({exc})") from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise GlossaryError(f"{name}: must be a mapping of 'term: plain words'")
    terms = []
    for term, plain in data.items():
        if not isinstance(term, str | int | float) or not isinstance(plain, str) or not plain:
            raise GlossaryError(f"{name}: entry {term!r} needs plain words as text")
        terms.append(Jargon(term=str(term).strip(), plain=plain.strip()))
    if not terms:
        return Glossary(terms=(), pattern=None)
    # Longest first, so "IP address" wins over a shorter term inside it; word edges on both sides.
    alternatives = sorted((re.escape(t.term) for t in terms), key=len, reverse=True)
    pattern = re.compile(r"(?<![\w-])(?:" + "|".join(alternatives) + r")(?![\w-])", re.IGNORECASE)
    return Glossary(terms=tuple(terms), pattern=pattern)


@lru_cache(maxsize=8)
def _load(path: Path, mtime: float) -> Glossary:
    return parse_glossary(path.read_text(encoding="utf-8"), name=str(path))


def load_glossary(path: Path | None) -> Glossary:
    """The configured glossary (re-read when the file changes), or the shipped one."""
    source = path or DEFAULT_GLOSSARY
    try:
        return _load(source, source.stat().st_mtime)
    except OSError as exc:
        raise GlossaryError(f"glossary_file: cannot read {source} ({exc.strerror})") from None
