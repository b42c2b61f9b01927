"""Building TwiML replies with an XML library, so text is always escaped correctly."""

from __future__ import annotations

import xml.etree.ElementTree as ET

VOICE = "Polly.Joanna"
CONTENT_TYPE = "text/xml; charset=utf-8"


def response() -> ET.Element:
    return ET.Element("Response")


def say(parent: ET.Element, text: str) -> ET.Element:
    element = ET.SubElement(parent, "Say", voice=VOICE, language="en-US")
    element.text = text
    return element


def gather(parent: ET.Element, *, action: str, timeout: int = 6) -> ET.Element:
    """One key press, posted to ``action``; a caller who presses nothing falls through."""
    return ET.SubElement(
        parent,
        "Gather",
        action=action,
        method="POST",
        numDigits="1",
        timeout=str(timeout),
        input="dtmf",
    )


def dial(parent: ET.Element, number: str, *, action: str | None = None) -> ET.Element:
    attributes = {"timeout": "30"}
    if action:
        attributes.update(action=action, method="POST")
    element = ET.SubElement(parent, "Dial", attributes)
    element.text = number
    return element


def redirect(parent: ET.Element, url: str) -> ET.Element:
    element = ET.SubElement(parent, "Redirect", method="POST")
    element.text = url
    return element


def hangup(parent: ET.Element) -> ET.Element:
    return ET.SubElement(parent, "Hangup")


def to_bytes(root: ET.Element) -> bytes:
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)
