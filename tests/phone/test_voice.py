"""Voice webhooks as a telephony provider calls them: form posts in, TwiML out.

Replies are parsed with an XML parser and checked for their structure: a
Gather of one key that posts to the next menu, its Say, a Dial to the right
number. Every menu offers "0" for a person, and pressing it reaches one.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import AsyncIterator
from itertools import count

import httpx
import pytest
from sqlalchemy import select

from tests.builders import Personas, create_case, make_rep, set_shift
from throughline.app import create_app
from throughline.config import Settings
from throughline.db import Database
from throughline.models import (
    CaseAttention,
    Identity,
    PhoneCall,
    Team,
    TeamMember,
    TimelineEntry,
    utcnow,
)
from throughline.phone import signature

CALLER = "+15550100200"
_sids = count(1)


def _twiml(response: httpx.Response) -> ET.Element:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/xml")
    root = ET.fromstring(response.content)
    assert root.tag == "Response"
    return root


def _menu(root: ET.Element) -> tuple[str, str]:
    """(where the key press goes, what the caller hears) of a one-key menu."""
    gather = root.find("Gather")
    assert gather is not None, ET.tostring(root)
    assert gather.get("numDigits") == "1"
    assert gather.get("method") == "POST"
    say = gather.find("Say")
    assert say is not None
    assert say.text
    # A caller who presses nothing is sent on (to a person), never left in silence.
    after = root.find("Redirect")
    assert after is not None
    assert after.text == f"{gather.get('action')}&silent=1"
    return str(gather.get("action")), say.text


def _dialled(root: ET.Element) -> str | None:
    dial = root.find("Dial")
    return dial.text if dial is not None else None


class Call:
    def __init__(self, client: httpx.AsyncClient, caller: str = CALLER) -> None:
        self.client = client
        self.fields = {"CallSid": f"CA{next(_sids):032d}", "From": caller, "To": "+15550009999"}

    async def incoming(self) -> ET.Element:
        return _twiml(await self.client.post("/voice/incoming", data=self.fields))

    async def press(self, action: str, digits: str) -> ET.Element:
        return _twiml(await self.client.post(action, data={**self.fields, "Digits": digits}))


async def test_every_menu_offers_a_person_on_zero(
    client: httpx.AsyncClient, database: Database, people: Personas
) -> None:
    call = Call(client, "+15550100300")
    action, main = _menu(await call.incoming())
    assert action == "/voice/menu?at=main"
    assert main.startswith("Thank you for calling.")
    assert main.endswith("To talk to a person, press 0.")
    menus = [(action, main)]
    for key in "1234":
        root = await Call(client).press(action, key)
        if root.find("Gather") is not None:
            menus.append(_menu(root))
    assert len(menus) == 4  # the main menu and three departments with options
    zero_calls = []
    for where, words in menus:
        assert words.endswith("To talk to a person, press 0."), words
        zero = Call(client)
        assert _dialled(await zero.press(where, "0")) == "2201"  # Olivia, on shift
        zero_calls.append(zero.fields["CallSid"])
    async with database.unit_of_work(write=False) as session:
        paths = list(
            await session.scalars(select(PhoneCall.path).where(PhoneCall.call_sid.in_(zero_calls)))
        )
    assert paths == [["0 talk to a person"]] * 4


async def test_a_new_caller_reaching_a_person_gets_a_case_with_the_menu_path(
    client: httpx.AsyncClient, database: Database, people: Personas
) -> None:
    call = Call(client)
    action, _ = _menu(await call.incoming())
    action, words = _menu(await call.press(action, "1"))
    assert action == "/voice/menu?at=d1"
    assert words.startswith("Internet and Wi-Fi. For My internet is down, press 1.")
    root = await call.press(action, "1")
    assert _dialled(root) == "2201"
    dial = root.find("Dial")
    assert dial is not None
    assert dial.get("action") == "/voice/after-dial"
    said = root.find("Say")
    assert said is not None
    assert said.text == "Your case number is TL-1001. Connecting you to Olivia."

    async with database.unit_of_work(write=False) as session:
        stored = await session.scalar(select(PhoneCall))
        assert stored is not None
        assert stored.path == ["1 Internet and Wi-Fi", "1 My internet is down"]
        # Tier 2 has nobody on shift: the case's new owner, free, takes the call.
        assert (stored.outcome, stored.dialled, stored.case_id) == ("owner", "2201", 1001)
        entries = list(
            await session.scalars(select(TimelineEntry).where(TimelineEntry.case_id == 1001))
        )
        identity = await session.scalar(select(Identity).where(Identity.kind == "phone"))
    call_entry = next(entry for entry in entries if entry.kind == "phone_call")
    assert call_entry.data["path"] == ["1 Internet and Wi-Fi", "1 My internet is down"]
    assert call_entry.channel == "phone"
    assert identity is not None
    assert identity.value == CALLER
    case = (await client.get("/api/v1/cases/TL-1001", headers=people.owner.headers)).json()
    assert case["subject"] == "Phone: Internet and Wi-Fi: My internet is down"
    assert case["severity"] == 2

    # The phone rang out: the caller is told so and the case notes it.
    after = _twiml(
        await client.post("/voice/after-dial", data={**call.fields, "DialCallStatus": "no-answer"})
    )
    say = after.find("Say")
    assert say is not None
    assert "noted your call on case TL-1001" in (say.text or "")
    assert after.find("Hangup") is not None


async def test_wrong_keys_repeat_the_menu_and_silence_reaches_a_person(
    client: httpx.AsyncClient, database: Database, people: Personas
) -> None:
    call = Call(client)
    action, _ = _menu(await call.incoming())
    root = await call.press(action, "8")
    assert root[0].tag == "Say"
    assert root[0].text == "Sorry, 8 is not on this menu."
    assert _menu(root)[0] == action
    silent = _twiml(await client.post(f"{action}&silent=1", data=call.fields))
    assert _dialled(silent) == "2201"
    async with database.unit_of_work(write=False) as session:
        stored = await session.scalar(select(PhoneCall))
    assert stored is not None
    assert stored.path == ["no key pressed: talk to a person"]


async def _returning_caller(client: httpx.AsyncClient, database: Database, people: Personas) -> str:
    case = await create_case(client, people.owner)
    async with database.unit_of_work() as session:
        identity = await session.scalar(select(Identity).where(Identity.kind == "email"))
        assert identity is not None
        session.add(
            Identity(
                customer_id=identity.customer_id, kind="phone", value=CALLER, created_at=utcnow()
            )
        )
    return str(case["number"])


async def test_a_returning_caller_is_offered_their_owner_first(
    client: httpx.AsyncClient, database: Database, people: Personas
) -> None:
    number = await _returning_caller(client, database, people)
    call = Call(client, "+1 (555) 010-0200")  # the same number, written differently
    action, words = _menu(await call.incoming())
    assert action == "/voice/menu?at=owner"
    assert words == (
        f"You are calling about case {number}. Press 1 to reach Olivia, who is handling it. "
        "Press 2 for the main menu. To talk to a person, press 0."
    )
    root = await call.press(action, "1")
    assert _dialled(root) == "2201"
    async with database.unit_of_work(write=False) as session:
        entry = await session.scalar(
            select(TimelineEntry).where(TimelineEntry.kind == "phone_call")
        )
    assert entry is not None
    assert entry.case_id == int(number.removeprefix("TL-"))
    assert entry.data["outcome"] == "owner"
    assert entry.data["path"] == [f"1 the owner of {number}"]
    main = await Call(client, CALLER).press(action, "2")
    assert _menu(main)[0] == "/voice/menu?at=main"


async def test_an_owner_off_shift_is_said_honestly_and_the_next_person_offered(
    client: httpx.AsyncClient, database: Database, people: Personas
) -> None:
    number = await _returning_caller(client, database, people)
    await make_rep(database, "Nina Next", extension="2300")
    await set_shift(database, people.owner, False)
    call = Call(client)
    action, words = _menu(await call.incoming())
    assert words == (
        f"You are calling about case {number}. Olivia, who is handling it, is not working right "
        "now. I do not know when Olivia will be back. Press 1 to reach Nina, who can see "
        "everything on your case. Press 2 for the main menu. To talk to a person, press 0."
    )
    assert _dialled(await call.press(action, "1")) == "2300"
    # The owner finds the call on their list when they are back.
    async with database.unit_of_work(write=False) as session:
        reasons = list(await session.scalars(select(CaseAttention.reason)))
    assert "customer_replied" in reasons


@pytest.fixture
async def signed_client(settings: Settings, database: Database) -> AsyncIterator[httpx.AsyncClient]:
    signed = settings.model_copy(update={"twilio_auth_token": "provider-token"})
    app = create_app(signed, database=database, run_worker=False)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client


def test_the_signature_matches_the_providers_published_example() -> None:
    params = {
        "CallSid": "CA1234567890ABCDE",
        "Caller": "+14158675310",
        "Digits": "1234",
        "From": "+14158675310",
        "To": "+18005551212",
    }
    url = "https://mycompany.com/myapp.php?foo=1&bar=2"
    assert signature.compute("12345", url, params.items()) == "GvWf1cFY/Q7PnoempGyD5oXAezc="


async def test_requests_must_be_signed_when_a_token_is_set(
    signed_client: httpx.AsyncClient, people: Personas
) -> None:
    fields = {"CallSid": "CA-signed", "From": "+15550100999", "To": "+15550009999"}
    unsigned = await signed_client.post("/voice/incoming", data=fields)
    assert unsigned.status_code == 403
    assert "X-Twilio-Signature" in unsigned.json()["detail"]
    good = signature.compute("provider-token", "http://testserver/voice/incoming", fields.items())
    wrong = signature.compute("other-token", "http://testserver/voice/incoming", fields.items())
    refused = await signed_client.post(
        "/voice/incoming", data=fields, headers={"X-Twilio-Signature": wrong}
    )
    assert refused.status_code == 403
    root = _twiml(
        await signed_client.post(
            "/voice/incoming", data=fields, headers={"X-Twilio-Signature": good}
        )
    )
    assert _menu(root)[0] == "/voice/menu?at=main"
    # The query string is part of what is signed.
    pressed = {**fields, "Digits": "0"}
    url = "http://testserver/voice/menu?at=main"
    root = _twiml(
        await signed_client.post(
            "/voice/menu?at=main",
            data=pressed,
            headers={
                "X-Twilio-Signature": signature.compute("provider-token", url, pressed.items())
            },
        )
    )
    assert _dialled(root) == "2201"


async def test_a_request_without_a_call_id_is_refused_naming_it(client: httpx.AsyncClient) -> None:
    response = await client.post("/voice/incoming", data={"From": CALLER})
    assert response.status_code == 422
    assert response.json()["detail"] == "CallSid: required"


async def test_a_caller_who_hangs_up_in_the_menu_is_noted_on_their_case(
    client: httpx.AsyncClient, database: Database, people: Personas
) -> None:
    number = await _returning_caller(client, database, people)
    call = Call(client)
    action, _ = _menu(await call.incoming())
    await call.press(action, "2")  # the main menu; then the caller hangs up
    done = await client.post("/voice/status", data={**call.fields, "CallStatus": "completed"})
    assert _twiml(done).find("*") is None  # an empty <Response/>
    async with database.unit_of_work(write=False) as session:
        entries = list(
            await session.scalars(select(TimelineEntry).where(TimelineEntry.kind == "phone_call"))
        )
    assert len(entries) == 1
    assert entries[0].case_id == int(number.removeprefix("TL-"))
    assert entries[0].data["path"] == ["2 main menu"]
    assert entries[0].data["outcome"] == "hung_up"
    # A second status callback for the same call notes nothing more.
    await client.post("/voice/status", data={**call.fields, "CallStatus": "completed"})
    async with database.unit_of_work(write=False) as session:
        again = list(
            await session.scalars(select(TimelineEntry).where(TimelineEntry.kind == "phone_call"))
        )
    assert len(again) == 1


async def test_the_next_person_offered_is_from_the_owners_team(
    client: httpx.AsyncClient, database: Database, people: Personas
) -> None:
    number = await _returning_caller(client, database, people)
    async with database.unit_of_work() as session:
        tier2 = await session.scalar(select(Team).where(Team.name == "Tier 2"))
        assert tier2 is not None
        session.add(TeamMember(team_id=tier2.id, rep_id=people.owner.id))
    # Free and idle, but not of Olivia's team; Tess is of her team.
    await make_rep(database, "Nina Next", extension="2300")
    await make_rep(database, "Tess Teammate", extension="2400", teams=["Tier 2"])
    await set_shift(database, people.owner, False)
    call = Call(client)
    action, words = _menu(await call.incoming())
    assert words.startswith(
        f"You are calling about case {number}. Olivia, who is handling it, is not working right "
        "now. I do not know when Olivia will be back. Press 1 to reach Tess from the Tier 2 "
        "team, who can see everything on your case."
    )
    assert _dialled(await call.press(action, "1")) == "2400"


async def test_a_new_caller_talks_to_the_owner_of_their_new_case_not_just_anyone_free(
    client: httpx.AsyncClient, database: Database, people: Personas
) -> None:
    # Someone of the team the caller chose is free too; the case goes to its owner by the
    # usual assignment, and the caller must reach that owner, the one who keeps the case.
    await make_rep(database, "Tess Teammate", extension="2400", teams=["Tier 2"])
    call = Call(client)
    action, _ = _menu(await call.incoming())
    action, _ = _menu(await call.press(action, "1"))
    root = await call.press(action, "1")
    case = (await client.get("/api/v1/cases/TL-1001", headers=people.owner.headers)).json()
    assert case["owner"] is not None
    assert _dialled(root) == case["owner"]["extension"]
    async with database.unit_of_work(write=False) as session:
        stored = await session.scalar(select(PhoneCall))
    assert stored is not None
    assert stored.outcome == "owner"
