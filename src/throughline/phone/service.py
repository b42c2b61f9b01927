"""A call through the phone directory: a person is always one key away.

A caller whose number belongs to a customer with an open case hears about
that case first and is offered its owner directly (or, when the owner is off
shift, is told so honestly and offered the next person of the owner's team).
Everyone else hears the two-level menu; "0" reaches a person on every menu,
and a caller who presses nothing is put through to a person too. Every call
that reaches (or tries to reach) a person becomes a timeline entry on the
customer's case, with the menu path; a new caller gets a new case.
"""

from __future__ import annotations

import logging
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from throughline.cases.rules import Reason
from throughline.cases.service import NewCase, open_case, put_on_owner_list
from throughline.cases.timeline import record
from throughline.config import Settings
from throughline.customers import repository as customers_repository
from throughline.customers.rules import normalize_identity
from throughline.kit.actors import Actor
from throughline.models import Case, PhoneCall, Rep, utcnow
from throughline.phone import repository, twiml
from throughline.phone.directory import PERSON_KEY, Choice, Department, Directory
from throughline.schedules.service import when_back

log = logging.getLogger("throughline.phone")

MENU_URL = "/voice/menu"
AFTER_DIAL_URL = "/voice/after-dial"
CALL_KIND = "phone_call"
CHANNEL = "phone"


@dataclass(frozen=True)
class CallIn:
    call_sid: str
    from_number: str
    to_number: str
    digits: str = ""


@dataclass(frozen=True)
class Destination:
    """Where a choice leads: a team's free person, a fixed number, or the caller's owner."""

    label: str
    team: str | None = None
    dial: str | None = None
    severity: int = 3
    subject: str | None = None
    prefer_owner: bool = False
    extra: dict[str, str] = field(default_factory=dict)


def _destination(choice: Choice, *, subject: str) -> Destination:
    return Destination(
        label=choice.name,
        team=choice.team,
        dial=choice.dial,
        severity=choice.severity,
        subject=subject,
    )


def first_name(rep: Rep) -> str:
    return rep.name.split()[0] if rep.name.split() else rep.name


def number_of(rep: Rep) -> str | None:
    return rep.phone or rep.extension


def can_take_calls(rep: Rep) -> bool:
    return rep.on_shift and rep.is_active and number_of(rep) is not None


async def _call(session: AsyncSession, call: CallIn, *, now: datetime) -> PhoneCall:
    stored = await repository.call_by_sid(session, call.call_sid)
    if stored is None:
        stored = PhoneCall(
            call_sid=call.call_sid,
            from_number=call.from_number,
            to_number=call.to_number,
            path=[],
            created_at=now,
            updated_at=now,
        )
        number = normalize_identity("phone", call.from_number)
        if number:
            customer = await customers_repository.by_identity(session, "phone", number)
            stored.customer_id = customer.id if customer else None
        session.add(stored)
        await session.flush()
    stored.updated_at = now
    return stored


def _walk(stored: PhoneCall, step: str) -> None:
    # A new list: the JSON column notices a new value, not an in-place append.
    stored.path = [*stored.path, step]


def _caller(stored: PhoneCall) -> str:
    return stored.from_number or "a hidden number"


def _menu_path(stored: PhoneCall) -> str:
    return " > ".join(stored.path) or "(none)"


async def _callers_case(session: AsyncSession, stored: PhoneCall) -> Case | None:
    """The case this call is about: the one it was put on, else the caller's open case."""
    case = await session.get(Case, stored.case_id) if stored.case_id is not None else None
    if case is None and stored.customer_id is not None:
        case = await repository.open_case_of(session, stored.customer_id)
    return case


def _record_call(
    session: AsyncSession, case: Case, stored: PhoneCall, *, body: str, now: datetime, **data: Any
) -> None:
    """The call goes on the case's timeline, told by the customer."""
    record(
        session,
        case,
        CALL_KIND,
        Actor.of_customer(case.customer_id),
        now=now,
        body=body,
        channel=CHANNEL,
        call_sid=stored.call_sid,
        **data,
    )


def _menu_prompt(directory: Directory, department: Department | None) -> str:
    parts = []
    if department is None:
        entries = [(item.key, item.name) for item in directory.departments]
    else:
        parts.append(f"{department.name}.")
        entries = [(item.key, item.name) for item in department.options]
    parts.extend(f"For {name}, press {key}." for key, name in entries)
    parts.append(f"To talk to a person, press {PERSON_KEY}.")
    return " ".join(parts)


def _gather(root: ET.Element, at: str, prompt: str) -> ET.Element:
    gather = twiml.gather(root, action=f"{MENU_URL}?at={at}")
    twiml.say(gather, prompt)
    # Pressing nothing is an answer too: it reaches a person, nobody is stuck in the menu.
    twiml.redirect(root, f"{MENU_URL}?at={at}&silent=1")
    return root


def main_menu(root: ET.Element, directory: Directory, *, greeting: bool) -> ET.Element:
    prompt = _menu_prompt(directory, None)
    if greeting:
        prompt = f"{directory.greeting} {prompt}"
    return _gather(root, "main", prompt)


async def _owner_prompt(session: AsyncSession, case: Case, owner: Rep) -> str:
    name = first_name(owner)
    if can_take_calls(owner):
        return (
            f"You are calling about case {case.number}. "
            f"Press 1 to reach {name}, who is handling it. "
            f"Press 2 for the main menu. To talk to a person, press {PERSON_KEY}."
        )
    if owner.on_shift and owner.is_active:
        absent = f"{name}, who is handling it, cannot take phone calls."
    else:
        # From the owner's schedule, in the caller's time where known; never a guess.
        back = await when_back(
            session, owner, customer_id=case.customer_id, now=utcnow(), name=name
        )
        when = back or f"I do not know when {name} will be back."
        absent = f"{name}, who is handling it, is not working right now. {when}"
    team = await repository.team_of(session, owner.id)
    teammate = await repository.free_rep(session, team=team, exclude=owner.id) if team else None
    other = teammate or await repository.free_rep(session, exclude=owner.id)
    if other is not None:
        offer = f"Press 1 to reach {first_name(other)}"
        offer += f" from the {team} team" if teammate is not None else ""
        offer += ", who can see everything on your case."
    else:
        offer = (
            f"Nobody else is free right now. Press 1 to leave word, and {name} will call you back."
        )
    return (
        f"You are calling about case {case.number}. {absent} {offer} Press 2 for the main menu. "
        f"To talk to a person, press {PERSON_KEY}."
    )


async def incoming(
    session: AsyncSession, call: CallIn, *, directory: Directory, now: datetime
) -> ET.Element:
    stored = await _call(session, call, now=now)
    root = twiml.response()
    if stored.customer_id is not None:
        case = await repository.open_case_of(session, stored.customer_id)
        if case is not None:
            stored.case_id = case.id
            owner = await session.get(Rep, case.owner_id) if case.owner_id else None
            if owner is not None:
                return _gather(root, "owner", await _owner_prompt(session, case, owner))
    return main_menu(root, directory, greeting=True)


async def menu(
    session: AsyncSession,
    call: CallIn,
    *,
    at: str,
    silent: bool,
    directory: Directory,
    settings: Settings,
    now: datetime,
) -> ET.Element:
    """The caller pressed ``call.digits`` on menu ``at`` ("owner", "main" or "d<n>")."""
    stored = await _call(session, call, now=now)
    root = twiml.response()
    digits = call.digits.strip()[:1]
    if not digits and not silent:
        return _repeat(root, at, directory)
    if not digits or digits == PERSON_KEY:
        _walk(
            stored, f"{digits} talk to a person" if digits else "no key pressed: talk to a person"
        )
        return await connect(
            session,
            stored,
            root,
            Destination(label="a person", prefer_owner=True),
            settings=settings,
            now=now,
        )
    if at == "owner":
        case = await session.get(Case, stored.case_id) if stored.case_id else None
        if digits == "1" and case is not None:
            _walk(stored, f"1 the owner of {case.number}")
            # When the owner cannot take it: the next person of their team, as offered.
            team = await repository.team_of(session, case.owner_id) if case.owner_id else None
            return await connect(
                session,
                stored,
                root,
                Destination(label="the owner", prefer_owner=True, team=team),
                settings=settings,
                now=now,
            )
        if digits == "2":
            _walk(stored, "2 main menu")
            return main_menu(root, directory, greeting=False)
    elif at == "main":
        department = directory.department(digits)
        if department is not None:
            _walk(stored, f"{department.key} {department.name}")
            if department.options:
                return _gather(root, f"d{department.key}", _menu_prompt(directory, department))
            return await connect(
                session,
                stored,
                root,
                _destination(department, subject=department.name),
                settings=settings,
                now=now,
            )
    elif at.startswith("d"):
        department = directory.department(at[1:])
        option = department.option(digits) if department else None
        if department is not None and option is not None:
            _walk(stored, f"{option.key} {option.name}")
            return await connect(
                session,
                stored,
                root,
                _destination(option, subject=f"{department.name}: {option.name}"),
                settings=settings,
                now=now,
            )
    twiml.say(root, f"Sorry, {digits} is not on this menu.")
    return _repeat(root, at, directory)


def _repeat(root: ET.Element, at: str, directory: Directory) -> ET.Element:
    department = directory.department(at[1:]) if at.startswith("d") else None
    if department is not None:
        return _gather(root, at, _menu_prompt(directory, department))
    if at == "owner":
        # The owner menu's words depend on the owner's shift: start the call's menu again.
        twiml.redirect(root, "/voice/incoming")
        return root
    return main_menu(root, directory, greeting=False)


async def _case_for_call(
    session: AsyncSession,
    stored: PhoneCall,
    destination: Destination,
    *,
    settings: Settings,
    now: datetime,
) -> tuple[Case, bool]:
    """The caller's open case, or a new case for a caller who reaches a person."""
    case = await _callers_case(session, stored)
    if case is not None:
        stored.case_id = case.id
        return case, False
    case = await open_phone_case(session, stored, destination, settings=settings, now=now)
    stored.case_id = case.id
    stored.customer_id = case.customer_id
    return case, True


async def open_phone_case(
    session: AsyncSession,
    stored: PhoneCall,
    destination: Destination,
    *,
    settings: Settings,
    now: datetime,
) -> Case:
    """A case for a caller, known by their phone number rather than an email address."""
    number = normalize_identity("phone", stored.from_number)
    subject = destination.subject or "Phone call"
    case, _token = await open_case(
        session,
        NewCase(
            email=None,
            identity=("phone", number) if number else ("call", stored.call_sid),
            name=f"Caller {number or 'with a hidden number'}",
            subject=f"Phone: {subject}"[:300],
            body=f"Phone call from {_caller(stored)} about: {subject}. "
            f"Menu path: {_menu_path(stored)}.",
            severity=destination.severity,
            channel=CHANNEL,
        ),
        settings=settings,
        now=now,
    )
    return case


async def connect(
    session: AsyncSession,
    stored: PhoneCall,
    root: ET.Element,
    destination: Destination,
    *,
    settings: Settings,
    now: datetime,
) -> ET.Element:
    case, is_new = await _case_for_call(session, stored, destination, settings=settings, now=now)
    owner = await session.get(Rep, case.owner_id) if case.owner_id else None
    rep: Rep | None = None
    number = destination.dial
    if number is None:
        # A new caller's case already has its owner (the same assignment as every channel):
        # they talk to that person from the first call, not to whoever is free on the team.
        if (destination.prefer_owner or is_new) and owner is not None and can_take_calls(owner):
            rep = owner
        if rep is None and destination.team:
            rep = await repository.free_rep(session, team=destination.team)
        if rep is None:
            rep = await repository.free_rep(session)
        number = number_of(rep) if rep else None
    if rep is not None and owner is not None and rep.id == owner.id:
        outcome = "owner"
    elif rep is not None:
        outcome = "team" if destination.team else "person"
    else:
        outcome = "number" if number else "nobody"
    stored.outcome = outcome
    stored.dialled = number
    where = (
        f"connected to {rep.name} ({number})"
        if rep is not None
        else (f"connected to {number}" if number else "nobody was free to take it")
    )
    _record_call(
        session,
        case,
        stored,
        now=now,
        body=f"Phone call from {_caller(stored)}. Menu: {_menu_path(stored)}. Call {where}.",
        path=list(stored.path),
        dialled=number,
        rep_id=rep.id if rep else None,
        outcome=outcome,
    )
    if not is_new:
        case.contact_count += 1
        case.updated_at = now
        if owner is not None and (rep is None or rep.id != owner.id):
            # The owner did not take this call: it goes on their list like a reply would.
            await put_on_owner_list(
                session, case, Reason.CUSTOMER_REPLIED, settings=settings, now=now
            )
    if number is None:
        keeper = f"{first_name(owner)}, who is handling it," if owner else "the next free person"
        back = None
        if owner is not None and not owner.on_shift:
            back = await when_back(
                session, owner, customer_id=case.customer_id, now=now, name=first_name(owner)
            )
        twiml.say(
            root,
            f"Nobody is free to take your call right now. Your case number is {case.number}. "
            + (f"{back} " if back else "")
            + f"We have noted your call, and {keeper} will call you back. Goodbye.",
        )
        twiml.hangup(root)
        return root
    whom = first_name(rep) if rep is not None else destination.label
    twiml.say(root, f"Your case number is {case.number}. Connecting you to {whom}.")
    # What happens after the dial (answered, or not) is decided by after_dial().
    twiml.dial(root, number, action=AFTER_DIAL_URL)
    return root


async def after_dial(
    session: AsyncSession, call: CallIn, *, status: str, settings: Settings, now: datetime
) -> ET.Element:
    """The dialled person's phone finished: hang up after a conversation, else say so."""
    root = twiml.response()
    stored = await _call(session, call, now=now)
    if status in ("completed", "answered"):
        twiml.hangup(root)
        return root
    case = await session.get(Case, stored.case_id) if stored.case_id else None
    if case is None:
        twiml.say(root, "Nobody answered. Please call again. Goodbye.")
        twiml.hangup(root)
        return root
    stored.outcome = "no_answer"
    _record_call(
        session,
        case,
        stored,
        now=now,
        body=f"The call from {_caller(stored)} to {stored.dialled} "
        f"was not answered ({status}); the customer expects a call back.",
        outcome="no_answer",
    )
    if case.owner_id is not None:
        await put_on_owner_list(session, case, Reason.CUSTOMER_REPLIED, settings=settings, now=now)
    twiml.say(
        root,
        f"Nobody answered. We have noted your call on case {case.number} "
        "and will call you back. Goodbye.",
    )
    twiml.hangup(root)
    return root


async def ended(session: AsyncSession, call: CallIn, *, status: str, now: datetime) -> None:
    """The call is over (the provider's status callback). A caller with a case who hung up
    in the menu, before reaching anybody, still leaves a trace on their case's timeline."""
    stored = await _call(session, call, now=now)
    if stored.outcome is not None:
        return  # already on the timeline
    stored.outcome = "hung_up"
    case = await _callers_case(session, stored)
    if case is None:
        return  # a new caller who reached nobody: there is no case to note it on
    stored.case_id = case.id
    _record_call(
        session,
        case,
        stored,
        now=now,
        body=f"Phone call from {_caller(stored)} ended in the menu "
        f"({status or 'hung up'}). Menu: {_menu_path(stored)}.",
        path=list(stored.path),
        outcome="hung_up",
    )
