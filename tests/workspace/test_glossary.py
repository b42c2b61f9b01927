"""The jargon glossary: what it finds, and how a bad glossary file is reported."""

from __future__ import annotations

from pathlib import Path

import pytest

from throughline.workspace.glossary import GlossaryError, load_glossary, parse_glossary


def test_shipped_glossary_finds_whole_terms_case_insensitively() -> None:
    glossary = load_glossary(None)
    assert len(glossary.terms) >= 60
    found = glossary.find("Reboot the Router, then check the IP address and dns settings.")
    assert [j.term for j in found] == ["reboot", "router", "IP address", "DNS"]
    # Parts of words are not terms: "important" holds "port", "transporter" holds "port".
    assert glossary.find("This is important for the transporter.") == []


def test_a_configured_glossary_replaces_the_shipped_one(tmp_path: Path) -> None:
    path = tmp_path / "ours.yaml"
    path.write_text("SKU: product code\n")
    glossary = load_glossary(path)
    assert [(j.term, j.plain) for j in glossary.find("Which sku is it? Your router?")] == [
        ("SKU", "product code")
    ]


def test_a_bad_glossary_says_what_is_wrong(tmp_path: Path) -> None:
    with pytest.raises(GlossaryError, match="mapping"):
        parse_glossary("- just\n- a list\n")
    with pytest.raises(GlossaryError, match="needs plain words"):
        parse_glossary("DNS:\n")
    with pytest.raises(GlossaryError, match="cannot read"):
        load_glossary(tmp_path / "missing.yaml")


def test_a_bad_glossary_file_stops_the_start_naming_the_setting(tmp_path: Path) -> None:
    from pydantic import ValidationError

    from throughline.config import Settings

    path = tmp_path / "glossary.yaml"
    path.write_text("[not, a, mapping]\n")
    with pytest.raises(ValidationError, match="glossary_file"):
        Settings(glossary_file=path)
    path.write_text("SKU: product code\n")
    assert Settings(glossary_file=path).glossary_file == path
    assert Settings(glossary_file="").glossary_file is None  # type: ignore[arg-type]
