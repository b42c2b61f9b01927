"""The knowledge base's rules: safe rendering, slugs, and drafts written from solved cases."""

from __future__ import annotations

import re

import pytest

from throughline.kit.errors import InvalidInput
from throughline.knowledge.rules import (
    TriedStep,
    check_article,
    draft_from_case,
    numbered_slug,
    plain_text,
    render_markdown,
    slugify,
)


def test_markdown_is_rendered() -> None:
    html = render_markdown("## Fix\n\n1. Open **Settings**\n2. Choose `Wi-Fi`\n")
    assert "<h2>Fix</h2>" in html
    assert "<strong>Settings</strong>" in html
    assert "<code>Wi-Fi</code>" in html


@pytest.mark.parametrize(
    "markdown",
    [
        "<script>alert(1)</script>",
        "[click](javascript:alert(1))",
        '<img src=x onerror="alert(1)">',
        "![x](javascript:alert(1))",
        "<a href='https://x.example' onclick='alert(1)'>x</a>",
    ],
)
def test_nothing_that_runs_reaches_the_page(markdown: str) -> None:
    html = render_markdown(markdown)
    # Shown as words at most: no tag of the output runs anything.
    tags = re.findall(r"<[a-z][^>]*>", html)
    assert not [t for t in tags if re.search(r"\son\w+=|javascript:|^<script", t)], tags


def test_links_are_marked_external() -> None:
    html = render_markdown("[the guide](https://help.example.org/wifi)")
    assert 'href="https://help.example.org/wifi"' in html
    assert 'rel="noopener nofollow"' in html


def test_plain_text_drops_the_marks() -> None:
    assert plain_text("## Fix\n\nOpen **Settings**.") == "Fix Open Settings."


def test_slugs() -> None:
    assert slugify("Wi-Fi drops at 8 pm!") == "wi-fi-drops-at-8-pm"
    assert slugify("Ça marche — déjà") == "ca-marche-deja"
    assert slugify("!!!") == "article"
    assert len(slugify("long " * 100)) <= 80
    assert numbered_slug("wifi", set()) == "wifi"
    assert numbered_slug("wifi", {"wifi", "wifi-2"}) == "wifi-3"


def test_article_checks_name_the_field() -> None:
    with pytest.raises(InvalidInput, match="title"):
        check_article("  ", "body", "public")
    with pytest.raises(InvalidInput, match="title: at most 200"):
        check_article("x" * 201, "body", "public")
    with pytest.raises(InvalidInput, match="body"):
        check_article("Title", "", "public")
    with pytest.raises(InvalidInput, match="visibility"):
        check_article("Title", "body", "everyone")


def test_a_draft_from_a_solved_case() -> None:
    title, body = draft_from_case(
        number="TL-1042",
        subject="Laptop will not join the office Wi-Fi",
        first_message="Since the update it sees the network\nbut will not connect.",
        environment={"os": "Windows 11", "device": "ThinkPad T14", "managed_by_it": True},
        steps=[
            TriedStep("Forget the network and reconnect", "did_not_work"),
            TriedStep("Re-enrol the device certificate", "worked"),
            TriedStep("forget the network and reconnect", "did_not_work"),
        ],
        resolution="The update reset the certificate store.",
    )
    assert title == "Laptop will not join the office Wi-Fi"
    assert "> Since the update it sees the network\n> but will not connect." in body
    assert "- Operating system: Windows 11" in body
    assert "managed by the customer's IT" in body
    fix = body.split("## What fixed it")[1].split("##")[0]
    assert "1. Re-enrol the device certificate" in fix
    assert "The update reset the certificate store." in fix
    assert body.count("Forget the network and reconnect") == 1  # listed once, as not helping
    assert "## What did not help" in body
    assert "TL-1042" in body
