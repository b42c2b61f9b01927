"""What makes two error reports "the same error", and how a report reads to a rep. No I/O.

Two reports are the same error when they come from the same product and
version and their summaries differ only in what changes from one occurrence
to the next: letter case, spacing, numbers (counts, ports, line numbers),
hex ids and addresses, UUIDs, and quoted or absolute paths. The words of the
message, and its error codes' position in it, stay.
"""

from __future__ import annotations

import hashlib
import json
import re
from datetime import timedelta
from typing import Any

# The window in which the same customer's same error joins their open case.
SAME_ERROR_WINDOW = timedelta(hours=24)

_UUID = re.compile(r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b")
_QUOTED = re.compile(r"\"[^\"]*\"|'[^']*'|`[^`]*`|“[^”]*”")
# C:\Users\maria\file.txt, \\server\share\x, /home/maria/file.txt, ~/x/y
_WINDOWS_PATH = re.compile(r"(?:\b[a-z]:|\\\\[^\s\\]+)\\[^\s]*")
_UNIX_PATH = re.compile(r"(?:(?<=\s)|^)~?(?:/[^\s/]+)+/?")
_HEX_PREFIXED = re.compile(r"\b0x[0-9a-f]+\b")
# A run of hex of 8 or more characters with at least one digit: a hash, address or id.
_HEX_ID = re.compile(r"\b(?=[0-9a-f]*\d)[0-9a-f]{8,}\b")
_NUMBER = re.compile(r"\d+")
_SPACE = re.compile(r"\s+")


def normalise_summary(summary: str) -> str:
    """The summary with what varies between occurrences of one error replaced by markers."""
    text = summary.lower()
    text = _UUID.sub("<id>", text)
    text = _QUOTED.sub("<text>", text)
    text = _WINDOWS_PATH.sub("<path>", text)
    text = _UNIX_PATH.sub("<path>", text)
    text = _HEX_PREFIXED.sub("<hex>", text)
    text = _HEX_ID.sub("<id>", text)
    text = _NUMBER.sub("<n>", text)
    return _SPACE.sub(" ", text).strip(" .:;!")


def signature(product: str, version: str, summary: str) -> str:
    """sha256 of product, version and normalised summary: equal for the same error."""
    key = "\x1f".join([product.strip().lower(), version.strip(), normalise_summary(summary)])
    return hashlib.sha256(key.encode()).hexdigest()


def diagnostics_size(diagnostics: dict[str, Any]) -> int:
    """How many bytes the diagnostics take as compact JSON (what the size limit counts)."""
    return len(json.dumps(diagnostics, separators=(",", ":"), ensure_ascii=False).encode())


def environment_words(environment: dict[str, Any]) -> str:
    """The environment in one line a rep reads at a glance."""
    parts = []
    system = " ".join(str(environment[k]) for k in ("os", "os_version") if environment.get(k))
    if system:
        parts.append(system)
    if environment.get("app_version"):
        parts.append(f"app {environment['app_version']}")
    if environment.get("device"):
        parts.append(f"device {environment['device']}")
    if environment.get("managed_by_it") is True:
        parts.append("managed by their IT department")
    elif environment.get("managed_by_it") is False:
        parts.append("not managed by IT")
    return ", ".join(parts)


def _size_words(size: int) -> str:
    if size < 1024:
        return f"{size} bytes"
    if size < 1024 * 1024:
        return f"{size / 1024:.0f} KB"
    return f"{size / (1024 * 1024):.1f} MB"


def report_text(
    *,
    product: str,
    version: str,
    summary: str,
    description: str | None,
    environment: dict[str, Any],
    diagnostics: dict[str, Any],
    files: list[tuple[str, int]],
) -> str:
    """The timeline entry of a report: what happened, where, and what came with it."""
    lines = [f"Error report from {product} {version}: {summary}"]
    if description:
        lines += ["", description]
    lines.append("")
    where = environment_words(environment)
    if where:
        lines.append(f"Environment: {where}")
    if diagnostics:
        keys = sorted(diagnostics)
        shown = ", ".join(keys[:8]) + (f" and {len(keys) - 8} more" if len(keys) > 8 else "")
        lines.append(f"Diagnostics: {len(keys)} field{'s' * (len(keys) != 1)} ({shown})")
    if files:
        names = ", ".join(f"{name} ({_size_words(size)})" for name, size in files)
        lines.append(f"Log files: {names}")
    return "\n".join(lines).strip()


def subject_for(product: str, summary: str) -> str:
    subject = f"{product}: {summary}"
    return subject if len(subject) <= 300 else subject[:299] + "…"
