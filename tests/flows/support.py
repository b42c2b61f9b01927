"""Reading the flow pages the way a browser would: their forms, buttons and hidden fields."""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser

import httpx


@dataclass
class Form:
    action: str
    fields: dict[str, str] = field(default_factory=dict)
    # (name, value, visible text) of each submit button
    buttons: list[tuple[str, str, str]] = field(default_factory=list)


class _Forms(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.forms: list[Form] = []
        self._button: list[str] | None = None
        self._button_attrs: dict[str, str] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {key: value or "" for key, value in attrs}
        if tag == "form":
            self.forms.append(Form(action=values.get("action", "")))
        elif tag == "input" and self.forms and values.get("type") == "hidden":
            self.forms[-1].fields[values.get("name", "")] = values.get("value", "")
        elif tag == "button" and self.forms:
            self._button = []
            self._button_attrs = values

    def handle_data(self, data: str) -> None:
        if self._button is not None:
            self._button.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "button" and self._button is not None and self.forms:
            text = " ".join("".join(self._button).split())
            self.forms[-1].buttons.append(
                (self._button_attrs.get("name", ""), self._button_attrs.get("value", ""), text)
            )
            self._button = None


def forms(html: str) -> list[Form]:
    parser = _Forms()
    parser.feed(html)
    return parser.forms


def talk_to_person_form(html: str) -> Form | None:
    """The form whose one button says "Talk to a person" and that posts to .../person."""
    for form in forms(html):
        if form.action.endswith("/person") and any(
            text == "Talk to a person" for _, _, text in form.buttons
        ):
            return form
    return None


def form_posting_to(html: str, suffix: str) -> Form:
    for form in forms(html):
        if form.action.endswith(suffix):
            return form
    raise AssertionError(f"no form posting to …{suffix}")


async def submit(
    client: httpx.AsyncClient, form: Form, extra: dict[str, str] | None = None
) -> httpx.Response:
    """Post a form as a browser does (hidden fields + the pressed button) and follow the 303."""
    response = await client.post(form.action, data={**form.fields, **(extra or {})})
    assert response.status_code == 303, response.text
    page = await client.get(response.headers["location"])
    assert page.status_code == 200, page.text
    return page
