"""Mail bodies as the timeline shows them: pure functions, no I/O.

- ``html_to_text``: an HTML-only mail as readable text (paragraphs, line breaks,
  lists and links kept; scripts and styles dropped; blockquotes become ``>``
  quotes so that the quote rules below apply to HTML mail too).
- ``sanitise_html``: HTML safe to show in the rep's browser.
- ``unflow``: RFC 3676 ``format=flowed`` text joined back into paragraphs.
- ``strip_quoted``: the new part of a reply, without quoted history or signature.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

import nh3

# --- HTML to text -------------------------------------------------------------------

_SKIPPED = frozenset({"script", "style", "head", "title", "template", "svg", "iframe", "object"})
_LINE_BLOCKS = frozenset(
    {
        "div",
        "section",
        "article",
        "header",
        "footer",
        "nav",
        "aside",
        "main",
        "tr",
        "dt",
        "dd",
        "form",
        "fieldset",
        "center",
        "caption",
        "figcaption",
        "details",
        "summary",
        "address",
        "table",
    }
)
_PARAGRAPHS = frozenset({"p", "h1", "h2", "h3", "h4", "h5", "h6", "dl", "figure", "hr"})
_SHOWN_SCHEMES = ("http://", "https://", "ftp://", "mailto:")
_WHITESPACE = re.compile(r"\s+")


@dataclass
class _Line:
    depth: int = 0
    parts: list[str] = field(default_factory=list)
    ends_with_space: bool = True  # an empty line: leading space is dropped

    def has_text(self) -> bool:
        return any(part.strip() for part in self.parts)


class _TextRenderer(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lines: list[_Line] = [_Line()]
        self.quote = 0
        self.pre = 0
        self.skipping: list[str] = []
        self.lists: list[list[int]] = []  # [counter]; -1 for an unordered list
        self.links: list[tuple[str, int, int]] = []  # href, line index, part index
        self.paragraphs: list[tuple[bool, int]] = []  # outlook line?, words written before
        self.cells = 0
        self.written = 0  # pieces of visible text written so far

    # -- output primitives
    def _write(self, text: str) -> None:
        line = self.lines[-1]
        if not line.parts:
            line.depth = self.quote
        line.parts.append(text)
        line.ends_with_space = text[-1:].isspace()
        if text.strip():
            self.written += 1

    def _end_line(self) -> None:
        if self.lines[-1].has_text():
            self.lines.append(_Line())

    def _new_line(self) -> None:
        self.lines.append(_Line())

    def _blank_line(self) -> None:
        self._end_line()
        if len(self.lines) >= 2 and self.lines[-2].has_text():
            self.lines.append(_Line())

    def _mark(self) -> tuple[int, int]:
        return len(self.lines) - 1, len(self.lines[-1].parts)

    def _text_since(self, line_index: int, part_index: int) -> str:
        """Text written since a mark, at most a few hundred pieces (link texts are short)."""
        parts = self.lines[line_index].parts[part_index : part_index + 200]
        for line in self.lines[line_index + 1 : line_index + 200]:
            parts.append(" ")
            parts.extend(line.parts[:200])
        return _WHITESPACE.sub(" ", "".join(parts)).strip()

    # -- parser callbacks
    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "body":
            self.skipping = [t for t in self.skipping if t != "head"]  # an unclosed <head>
        if self.skipping or tag in _SKIPPED:
            if tag in _SKIPPED:
                self.skipping.append(tag)
            return
        values = {name: value or "" for name, value in attrs}
        if tag == "br":
            self._new_line()
        elif tag == "p":
            outlook_line = values.get("class", "").lower().startswith("mso")
            if outlook_line:
                self._end_line()  # Outlook writes one <p class=MsoNormal> per line
            else:
                self._blank_line()
            self.paragraphs.append((outlook_line, self.written))
        elif tag in _PARAGRAPHS:
            self._blank_line()
        elif tag in ("ul", "ol"):
            if self.lists:
                self._end_line()
            else:
                self._blank_line()
            start = values.get("start", "1")
            self.lists.append([int(start) - 1 if tag == "ol" and start.isdigit() else -1])
        elif tag == "li":
            self._end_line()
            counter = self.lists[-1] if self.lists else [-1]
            if counter[0] >= 0:
                counter[0] += 1
                bullet = f"{counter[0]}. "
            else:
                bullet = "- "
            self._write("  " * max(len(self.lists) - 1, 0) + bullet)
        elif tag == "blockquote":
            self._blank_line()
            self.quote += 1
        elif tag == "pre":
            self._blank_line()
            self.pre += 1
        elif tag in ("td", "th"):
            if self.cells and not self.lines[-1].ends_with_space:
                self._write("  ")
            self.cells += 1
        elif tag in _LINE_BLOCKS:
            self._end_line()
            if tag == "tr":
                self.cells = 0
        elif tag == "a":
            self.links.append((values.get("href", "").strip(), *self._mark()))
        elif tag == "img":
            alt = _WHITESPACE.sub(" ", values.get("alt", "")).strip()
            if alt:
                self._write(f"[image: {alt}]")

    def handle_endtag(self, tag: str) -> None:
        if self.skipping:
            if tag in self.skipping:
                while self.skipping and self.skipping.pop() != tag:
                    pass
            return
        if tag == "p":
            if self.paragraphs:
                outlook_line, written_before = self.paragraphs.pop()
                if outlook_line:
                    if self.written == written_before:
                        self._new_line()  # an empty Outlook paragraph is a blank line
                    self._end_line()
                    return
            self._blank_line()
        elif tag in _PARAGRAPHS:
            self._blank_line()
        elif tag in ("ul", "ol"):
            if self.lists:
                self.lists.pop()
            if self.lists:
                self._end_line()
            else:
                self._blank_line()
        elif tag == "blockquote":
            self._blank_line()
            self.quote = max(self.quote - 1, 0)
        elif tag == "pre":
            self.pre = max(self.pre - 1, 0)
            self._blank_line()
        elif tag in _LINE_BLOCKS or tag == "li":
            self._end_line()
        elif tag == "a" and self.links:
            href, line_index, part_index = self.links.pop()
            self._show_link(href, self._text_since(line_index, part_index))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in ("br", "img", "hr"):
            self.handle_endtag(tag)

    def handle_data(self, data: str) -> None:
        if self.skipping:
            return
        if self.pre:
            for index, piece in enumerate(data.replace("\r\n", "\n").split("\n")):
                if index:
                    self._new_line()
                if piece:
                    self._write(piece)
            return
        text = _WHITESPACE.sub(" ", data)
        if self.lines[-1].ends_with_space:
            text = text.lstrip()
        if text:
            self._write(text)

    def _show_link(self, href: str, text: str) -> None:
        if not href.lower().startswith(_SHOWN_SCHEMES) or not text:
            return
        shown = href
        if href.lower().startswith("mailto:"):
            shown = href[len("mailto:") :].split("?", 1)[0]
        if shown.rstrip("/").lower() not in text.lower():
            self._write(f" ({shown})")

    def render(self) -> str:
        rendered: list[str] = []
        for line in self.lines:
            text = "".join(line.parts).rstrip()
            if not text.strip():
                rendered.append("")
            elif line.depth:
                rendered.append(">" * line.depth + " " + text.lstrip())
            else:
                rendered.append(text)
        return re.sub(r"\n{3,}", "\n\n", "\n".join(rendered)).strip("\n")


def html_to_text(html: str) -> str:
    """Readable text of an HTML mail body; never raises on broken HTML."""
    renderer = _TextRenderer()
    try:
        renderer.feed(html)
        renderer.close()
    except Exception:  # the HTML is the sender's: whatever breaks, fall back to bare text
        text = re.sub(r"<[^>]*>", " ", re.sub(r"(?is)<(script|style)\b.*?</\1\s*>", " ", html))
        return _WHITESPACE.sub(" ", text).strip()
    return renderer.render()


# --- sanitised HTML -----------------------------------------------------------------

_URL_SCHEMES = {"http", "https", "mailto", "tel", "cid"}


def _keep_attribute(tag: str, attribute: str, value: str) -> str | None:
    # Remote images are tracking pixels: only images carried in the mail itself.
    if tag == "img" and attribute == "src" and not value.strip().lower().startswith("cid:"):
        return None
    return value


def sanitise_html(html: str) -> str:
    """HTML safe to show: no scripts, handlers, ``javascript:`` URLs or remote images.

    Images keep only ``cid:`` sources (parts of the same mail); every link gets
    ``rel="noopener noreferrer"``; relative URLs (meaningless in mail) are dropped.
    """
    cleaned = nh3.clean(
        html,
        clean_content_tags={"script", "style", "title"},
        url_schemes=_URL_SCHEMES,
        attribute_filter=_keep_attribute,
        link_rel="noopener noreferrer",
        url_relative="deny",
        strip_comments=True,
    )
    return cleaned.strip()


# --- format=flowed ------------------------------------------------------------------


def unflow(text: str, *, delsp: bool = False) -> str:
    """Join RFC 3676 soft line breaks (a line ending in a space continues)."""
    out: list[str] = []
    buffer: str | None = None
    buffer_depth = 0

    def flush() -> None:
        if buffer is not None:
            out.append(">" * buffer_depth + " " + buffer if buffer_depth else buffer)

    for line in text.split("\n"):
        stripped = line.lstrip(">")
        depth = len(line) - len(stripped)
        if stripped.startswith(" "):
            stripped = stripped[1:]  # space-stuffing
        soft = stripped.endswith(" ") and stripped != "-- "
        if soft and delsp:
            stripped = stripped[:-1]
        if buffer is not None and depth == buffer_depth:
            buffer += stripped
        else:
            flush()
            buffer, buffer_depth = stripped, depth
        if not soft:
            flush()
            buffer = None
    flush()
    return "\n".join(out)


# --- quoted history and signatures --------------------------------------------------

_ATTRIBUTION_START = re.compile(r"^(?:on|am|le|el|op|il|em|den)\s", re.IGNORECASE)
_ATTRIBUTION = re.compile(
    r"""^(?:
        on\s.+\swrote                       # EN: Gmail, Apple Mail, Thunderbird, Outlook
      | am\s.+\sschrieb(?:\s.+)?            # DE: Am 2. März 2026 um 09:14 schrieb X <x@y>:
      | am\s.+\sgeschrieben                 # DE: Am … hat X geschrieben:
      | le\s.+\sa\sécrit                    # FR: Le lun. 2 mars 2026 à 09:14, X a écrit :
      | el\s.+\sescribió                    # ES: El lun, 2 mar 2026 a las 9:14, X escribió:
      | op\s.+\sschreef(?:\s.+)?            # NL
      | il\s.+\sha\sscritto                 # IT
      | em\s.+\sescreveu                    # PT
      | den\s.+\sskrev(?:\s.+)?             # SV, DA, NO
    )\s?:$""",
    re.IGNORECASE | re.VERBOSE,
)
_ORIGINAL_MESSAGE = re.compile(
    r"^-{2,}\s*(?:original\smessage|ursprüngliche\snachricht|originalnachricht"
    r"|message\sd'origine|mensaje\soriginal|messaggio\soriginale|oorspronkelijk\sbericht"
    r"|originalmeddelande)\s*-{2,}$",
    re.IGNORECASE,
)
_HEADER_FROM = re.compile(r"^\*?(?:from|von|de|expéditeur|da|van|från|fra)\s?:\*?\s*\S", re.I)
_HEADER_SENT = re.compile(
    r"^\*?(?:sent|date|gesendet|datum|envoyé|enviado(?:\sel)?|fecha|inviato|data|verzonden"
    r"|skickat|sendt)\s?:",
    re.I,
)
_HEADER_TO = re.compile(r"^\*?(?:to|an|à|a|para|aan|till|til)\s?:", re.I)
_HEADER_SUBJECT = re.compile(
    r"^\*?(?:subject|betreff|objet|asunto|oggetto|onderwerp|ämne|emne|assunto)\s?:", re.I
)
_FORWARD_MARKER = re.compile(
    r"^(?:-+\s*forwarded message\s*-+|begin forwarded message:|-+\s*weitergeleitete nachricht"
    r"\s*-+|-+\s*message transféré\s*-+|-+\s*mensaje reenviado\s*-+)$",
    re.IGNORECASE,
)
_SEPARATOR = re.compile(r"^[_\-=—–]{3,}$")
_MOBILE_FOOTER = re.compile(
    r"""^(?:
        sent\sfrom\smy\s(?:\S+\s?){1,4}
      | sent\s(?:from|with|via)\s(?:mail|outlook|yahoo\smail|aol|gmail|proton\s?mail|blackberry)
        (?:\s(?:for|on|secure)\s(?:\S+\s?){1,2})?
      | get\soutlook\sfor\s\S+
      | von\smeinem\s(?:\S+\s){1,3}gesendet
      | gesendet\s(?:von|mit)\s(?:\S+\s?){1,4}
      | envoyé\sde\smon\s(?:\S+\s?){1,3}
      | enviado\sdesde\smi\s(?:\S+\s?){1,3}
      | obtener\soutlook\spara\s\S+
    )$""",
    re.IGNORECASE | re.VERBOSE,
)
_MAX_ATTRIBUTION_LINES = 3


def _is_quoted(line: str) -> bool:
    return line.lstrip().startswith(">")


def _attribution_length(lines: list[str], index: int) -> int:
    """How many lines (1-3, clients wrap long ones) an attribution at ``index`` spans; 0 if none."""
    first = lines[index].strip()
    if not _ATTRIBUTION_START.match(first):
        return 0
    joined = ""
    for length in range(1, _MAX_ATTRIBUTION_LINES + 1):
        if index + length > len(lines):
            break
        line = lines[index + length - 1].strip()
        if not line or _is_quoted(line):
            break
        joined = _WHITESPACE.sub(" ", f"{joined} {line}").strip()
        # A real attribution names a date or a time; "On Monday I wrote:" is prose.
        if len(joined) <= 300 and any(c.isdigit() for c in joined) and _ATTRIBUTION.match(joined):
            return length
    return 0


def _is_signature_delimiter(line: str, remaining: int) -> bool:
    # "-- " is the standard delimiter; a bare "--" (trailing space lost) counts
    # only before a signature-sized rest, since "--" also separates grep output.
    return line == "-- " or (line.rstrip() == "--" and remaining <= 8)


def _is_footer(line: str) -> bool:
    return bool(_MOBILE_FOOTER.match(line.strip().rstrip(".!")))


def _interleaving(lines: list[str]) -> list[bool]:
    """For each line: whether new text follows a ``>`` quote further down (an inline reply).

    Computed once, backwards, so that a mail full of attribution-like lines
    costs linear time, not quadratic.
    """
    count = len(lines)
    text_follows = [False] * (count + 1)  # an unquoted line before any signature
    for index in range(count - 1, -1, -1):
        line = lines[index]
        if not line.strip() or _is_quoted(line) or _is_footer(line):
            text_follows[index] = text_follows[index + 1]
        else:
            text_follows[index] = not _is_signature_delimiter(line, count - index - 1)
    interleaved = [False] * (count + 1)
    for index in range(count - 1, -1, -1):
        if _is_quoted(lines[index]):
            interleaved[index] = text_follows[index + 1]
        else:
            interleaved[index] = interleaved[index + 1]
    return interleaved


def _outlook_header_block(lines: list[str], index: int) -> bool:
    """A "From: … Sent: … To: … Subject: …" block, as Outlook writes above the history."""
    if not _HEADER_FROM.match(lines[index].strip()):
        return False
    following = [line.strip() for line in lines[index + 1 : index + 8] if line.strip()][:5]
    has_subject = any(_HEADER_SUBJECT.match(line) for line in following)
    has_sent_or_to = any(_HEADER_SENT.match(line) or _HEADER_TO.match(line) for line in following)
    return has_subject and has_sent_or_to


def _previous_nonblank(lines: list[str], index: int) -> int | None:
    index -= 1
    while index >= 0 and not lines[index].strip():
        index -= 1
    return index if index >= 0 else None


def _history_start(lines: list[str]) -> int | None:
    """Where the quoted history begins, or None (see ``strip_quoted`` for the rules)."""
    interleaved: list[bool] | None = None
    for index, line in enumerate(lines):
        stripped = line.strip()
        if not stripped or _is_quoted(line):
            continue
        if _ORIGINAL_MESSAGE.match(stripped):
            return index
        if _outlook_header_block(lines, index):
            before = _previous_nonblank(lines, index)
            if before is not None and _FORWARD_MARKER.match(lines[before].strip()):
                continue  # a forwarded mail is the content, not history
            if before is not None and _SEPARATOR.match(lines[before].strip()):
                return before
            return index
        length = _attribution_length(lines, index)
        if length:
            interleaved = interleaved or _interleaving(lines)
            if not interleaved[index + length]:
                return index
    return None


def _without_trailing_quote(lines: list[str]) -> list[str]:
    end = len(lines)
    while end and not lines[end - 1].strip():
        end -= 1
    start = end
    while start and (not lines[start - 1].strip() or _is_quoted(lines[start - 1])):
        start -= 1
    if start == end:
        return lines[:end]
    # The attribution line(s) just above the quote go with it.
    for length in range(1, _MAX_ATTRIBUTION_LINES + 1):
        candidate = start - length
        if candidate >= 0 and _attribution_length(lines, candidate) == length:
            return lines[:candidate]
    return lines[:start]


def _without_signature(lines: list[str]) -> list[str]:
    for index, line in enumerate(lines):
        if _is_signature_delimiter(line, len(lines) - index - 1):
            return lines[:index]
    return lines


def _without_trailing_noise(lines: list[str]) -> list[str]:
    end = len(lines)
    while end:
        last = lines[end - 1].strip()
        if not last or _SEPARATOR.match(last) or _is_footer(last):
            end -= 1
        else:
            break
    return lines[:end]


def strip_quoted(text: str) -> str:
    """The new part of a reply: quoted history, signature and mobile footer removed.

    Rules, in order:

    1. History starts at the first unquoted "-----Original Message-----" line, or
       at an Outlook "From: / Sent: / To: / Subject:" block (with the "____" rule
       above it), or at an attribution such as "On <date>, <name> wrote:" (also
       "Am … schrieb …:", "Le … a écrit :", "El … escribió:" and a few more,
       wrapped over up to three lines; it must contain a digit, as real ones carry
       a date). Everything from there on is history and is removed.
       Exception: when new, unquoted text follows ``>`` quoted lines after an
       attribution, the reply is interleaved (answers between the quotes), so it
       is kept whole. A header block right after a "Forwarded message" marker
       is forwarded content, not history, and is kept.
    2. A block of ``>`` quoted lines at the very end (with its attribution) is
       removed; quoted lines followed by new text stay.
    3. The signature, from the first "-- " delimiter line, is removed.
    4. Trailing mobile footers ("Sent from my iPhone", "Get Outlook for iOS",
       "Von meinem iPhone gesendet"…), rules and blank lines are removed.

    If nothing would remain of a message that had content, the whole text is
    returned: showing history is better than showing nothing.
    """
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    start = _history_start(lines)
    if start is not None:
        lines = lines[:start]
    lines = _without_trailing_quote(lines)
    lines = _without_signature(lines)
    lines = _without_trailing_noise(lines)
    result = "\n".join(line.rstrip() for line in lines).strip("\n")
    if not result.strip():
        return text.replace("\r\n", "\n").replace("\r", "\n").strip()
    return result
