"""The knowledge base's rules, without I/O: slugs, safe rendering, and drafts from solved cases.

Principle 10: solutions become knowledge-base articles. A draft written from a
case keeps the customer's own words for the problem, the environment it
happened in, what worked (and what did not, so nobody tries it first next
time) and the owner's resolution summary.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

import nh3
from markdown_it import MarkdownIt

from throughline.kit.errors import InvalidInput

MAX_TITLE = 200
MAX_BODY = 100_000
MAX_SLUG = 80


class Visibility(StrEnum):
    PUBLIC = "public"  # the portal shows it to customers, and reps see it
    INTERNAL = "internal"  # reps only


VISIBILITIES = tuple(v.value for v in Visibility)

# CommonMark with raw HTML off: Markdown is the only way to format an article.
_markdown = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
_markdown.enable("table")
_markdown.enable("strikethrough")

ALLOWED_TAGS = {
    "p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "strong", "em", "del", "code", "pre",
    "blockquote", "ul", "ol", "li", "a", "img", "table", "thead", "tbody", "tr", "th", "td",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "img": {"src", "alt", "title"}, "ol": {"start"}}


def render_markdown(body: str) -> str:
    """HTML safe to put on any page: rendered, then sanitised (nh3), links marked external.

    Invariant: no script, event handler, style or ``javascript:`` URL survives,
    whatever the Markdown says.
    """
    return nh3.clean(
        _markdown.render(body),
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener nofollow",
    )


def plain_text(body: str) -> str:
    """The article's words without Markdown marks: for summaries and the search index."""
    text = nh3.clean(_markdown.render(body), tags=set())
    return re.sub(r"\s+", " ", text).strip()


def slugify(title: str) -> str:
    """``"Wi-Fi drops at 8 pm!"`` → ``"wi-fi-drops-at-8-pm"``: never empty, at most 80 long."""
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_title.lower()).strip("-")
    slug = re.sub(r"-{2,}", "-", slug)[:MAX_SLUG].strip("-")
    return slug or "article"


def numbered_slug(base: str, taken: set[str]) -> str:
    """``base``, or ``base-2``, ``base-3`` … : the first one not taken."""
    if base not in taken:
        return base
    n = 2
    while f"{base[: MAX_SLUG - 6]}-{n}" in taken:
        n += 1
    return f"{base[: MAX_SLUG - 6]}-{n}"


def check_article(title: str, body: str, visibility: str) -> tuple[str, str, Visibility]:
    """The title, body and visibility, stripped, or InvalidInput naming what is wrong."""
    title = title.strip()
    if not title:
        raise InvalidInput("title: an article needs a title")
    if len(title) > MAX_TITLE:
        raise InvalidInput(f"title: at most {MAX_TITLE} characters, not {len(title)}")
    if "\x00" in title or "\x00" in body:
        raise InvalidInput("body: must not contain NUL characters")
    if not body.strip():
        raise InvalidInput("body: an article needs some text")
    if len(body) > MAX_BODY:
        raise InvalidInput(f"body: at most {MAX_BODY} characters, not {len(body)}")
    if visibility not in VISIBILITIES:
        raise InvalidInput(f"visibility: one of {', '.join(VISIBILITIES)}, not {visibility!r}")
    return title, body.strip(), Visibility(visibility)


def may_edit(*, rep_id: int, is_lead: bool, author_id: int) -> bool:
    """The author keeps their article; leads look after the whole knowledge base."""
    return is_lead or rep_id == author_id


@dataclass(frozen=True)
class TriedStep:
    description: str
    outcome: str  # worked, did_not_work, unknown


ENVIRONMENT_WORDS = (
    ("device", "Device"),
    ("os", "Operating system"),
    ("app_version", "App version"),
)


def environment_lines(environment: Mapping[str, object]) -> list[str]:
    lines = [
        f"- {label}: {environment[key]}"
        for key, label in ENVIRONMENT_WORDS
        if isinstance(environment.get(key), str) and str(environment[key]).strip()
    ]
    managed = environment.get("managed_by_it")
    if managed is True:
        lines.append("- The computer is managed by the customer's IT (no admin rights)")
    elif managed is False:
        lines.append("- The customer has admin rights on the computer")
    return lines


def _quote(text: str) -> str:
    return "\n".join(f"> {line}" if line.strip() else ">" for line in text.strip().splitlines())


def draft_from_case(
    *,
    number: str,
    subject: str,
    first_message: str | None,
    environment: Mapping[str, object],
    steps: Sequence[TriedStep],
    resolution: str | None,
) -> tuple[str, str]:
    """A title and Markdown body for an article, pre-filled from a solved case.

    Each step appears once, in the order first tried; the ones that worked are
    the fix, the others are listed as "did not help" so readers skip them.
    """
    seen: dict[str, TriedStep] = {}
    for step in steps:
        key = step.description.strip().lower()
        if key and (key not in seen or step.outcome == "worked"):
            seen[key] = TriedStep(step.description.strip(), step.outcome)
    worked = [s.description for s in seen.values() if s.outcome == "worked"]
    failed = [s.description for s in seen.values() if s.outcome == "did_not_work"]
    parts = ["## The problem", ""]
    parts.append(_quote(first_message) if first_message and first_message.strip() else subject)
    env = environment_lines(environment)
    if env:
        parts += ["", "## Where it happened", "", *env]
    parts += ["", "## What fixed it", ""]
    parts += [f"{i}. {d}" for i, d in enumerate(worked, 1)] or ["(describe the fix)"]
    if resolution and resolution.strip():
        parts += ["", resolution.strip()]
    if failed:
        parts += ["", "## What did not help", "", *[f"- {d}" for d in failed]]
    parts += ["", f"*Written from case {number}.*"]
    return subject.strip()[:MAX_TITLE], "\n".join(parts) + "\n"
