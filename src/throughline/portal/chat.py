"""Live chat over a websocket: the conversation is a case's timeline (channel "chat").

The first message opens a case through ``open_case``; later ones are
``customer_message``. Replies reach the customer because this connection
polls the case's public timeline (one indexed query per second), so a rep
answering from any process, through the workspace or the API, shows up live.
While the chat is open, its presence row keeps the "chat" delivery route from
also sending those replies by email; once it is closed, the conversation
continues by email.

Protocol (JSON text frames):
  server → {"type": "hello", "signed_in", "name"}           on connect
  client → {"type": "start", "token"?, "name"?, "email"?}   resume a case (its status token)
                                                            or give who is writing
  server → {"type": "case", "number", "token", "status_url"}  the case the chat is on
  server → {"type": "entry", "id", "kind", "author", "mine", "body", "at"}
  server → {"type": "availability", "online", "text"}      who can answer, honestly
  client → {"type": "message", "body"}
  server → {"type": "error", "field"?, "detail"}

Self-service guides inside the chat (the flows runner of flows/service.py, not a copy):
  server → {"type": "guides", "guides": [{"name", "title", "summary"}]}  after "ready"
  client → {"type": "flow_start", "flow"}                   start a guide
  client → {"type": "flow_resume", "token"}                 come back to a stored run
  client → {"type": "flow_answer", "token", "node", "choice"}  1-9; instruction: 1 fixed, 2 not
  client → {"type": "flow_person", "token"}                 "Talk to a person", on any step
  server → {"type": "flow", "token", "flow", "title", "state", "node", "talk_to_person",
            "case", "history"?}                             the step to show (history on resume)
When a run ends ``person`` (asked for, or the guide reached ``open_case``) its case
opens with every step tried, under the chat's customer, and the chat is bound to
that case: a "case" message follows and later messages land on the same timeline.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from fastapi import APIRouter, WebSocket, WebSocketDisconnect
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from throughline.cases import service as cases
from throughline.cases.repository import pending_due_dates, rep_names
from throughline.cases.rules import Status
from throughline.channels.delivery import ROUTES, Delivery, route
from throughline.config import Settings
from throughline.cues import proficiency
from throughline.customers.rules import PROFICIENCIES
from throughline.customers.status import case_for_token
from throughline.db import Database
from throughline.flows import loader as flow_loader
from throughline.flows import repository as flow_repository
from throughline.flows import service as flows
from throughline.flows import views as flow_views
from throughline.flows.rules import INSTRUCTION, Flow
from throughline.kit.actors import Actor
from throughline.kit.errors import DomainError
from throughline.models import Case, Customer, FlowRun, Rep, TimelineEntry, utcnow
from throughline.portal import auth, repository
from throughline.portal.rules import (
    RepPresence,
    chat_is_open,
    chat_subject,
    is_online,
    offline_words,
    online_words,
    someone_can_take_new,
)
from throughline.schedules.service import when_back

router = APIRouter(include_in_schema=False)
log = logging.getLogger("throughline.chat")

CHANNEL = "chat"
CHAT_SEVERITY = 3  # "something is wrong": the rep sets the real severity once they know more
PRESENCE_EVERY = 15.0  # seconds between presence writes (the window is 45 s)
AVAILABILITY_EVERY = 20.0


@route(CHANNEL)
async def deliver_chat(session: AsyncSession, delivery: Delivery, settings: Settings) -> None:
    """Shown live while the customer's chat is open; otherwise it continues by email."""
    seen = await repository.chat_seen_at(session, delivery.case.id)
    if chat_is_open(seen, utcnow()):
        return
    await ROUTES["email"](session, delivery, settings)


def origin_allowed(origin: str | None, *, host: str | None, settings: Settings) -> bool:
    """Same site, the configured base URL, or a site listed in chat_allowed_origins."""
    if origin is None:
        return False  # browsers always send Origin on websockets; others need no widget
    origin = origin.rstrip("/")
    base = urlsplit(settings.base_url)
    allowed = {f"{base.scheme}://{base.netloc}", *settings.chat_allowed_origins}
    if host:
        allowed |= {f"http://{host}", f"https://{host}"}
    return origin in allowed


@dataclass
class Chat:
    socket: WebSocket
    database: Database
    settings: Settings
    customer_id: int | None = None
    name: str = ""
    email: str = ""
    proficiency: str | None = None  # the customer's own answer at the start, if any
    case_id: int | None = None
    token: str | None = None
    last_entry_id: int = 0
    send_lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    async def send(self, message: dict[str, Any]) -> None:
        async with self.send_lock:
            await self.socket.send_text(json.dumps(message, default=str))

    async def error(self, detail: str, field_name: str | None = None) -> None:
        await self.send({"type": "error", "field": field_name, "detail": detail})


def _entry(entry: TimelineEntry, reps: dict[int, Rep], company: str) -> dict[str, Any]:
    if entry.actor_kind == "customer":
        author = "You"
    elif entry.actor_rep_id and entry.actor_rep_id in reps:
        author = reps[entry.actor_rep_id].name
    else:
        author = company
    body = entry.body
    if entry.kind == "owner_change":
        body = (
            f"{(entry.data or {}).get('rep_name') or 'A named person'} now looks after your case."
        )
    return {
        "type": "entry",
        "id": entry.id,
        "kind": entry.kind,
        "author": author,
        "mine": entry.actor_kind == "customer",
        "body": body,
        "at": entry.created_at.isoformat(),
    }


async def _push_new_entries(chat: Chat) -> None:
    if chat.case_id is None:
        return
    async with chat.database.unit_of_work(write=False) as session:
        entries = await repository.public_entries_after(session, chat.case_id, chat.last_entry_id)
        reps = await rep_names(session, {e.actor_rep_id for e in entries if e.actor_rep_id})
    for entry in entries:
        chat.last_entry_id = entry.id
        await chat.send(_entry(entry, reps, chat.settings.company_name))


async def _mark_present(chat: Chat) -> None:
    if chat.case_id is None:
        return
    try:
        async with chat.database.unit_of_work() as session:
            await repository.mark_chat_seen(session, chat.case_id, now=utcnow())
    except IntegrityError:
        pass  # another connection to the same case wrote it first: it is marked either way


async def availability(
    session: AsyncSession, case: Case | None, *, email: str, settings: Settings, now: datetime
) -> dict[str, Any]:
    """Can someone answer live? If not, say honestly when and that email takes over."""
    if case is not None and case.owner_id is not None:
        owner = await session.get(Rep, case.owner_id)
        presence = _presence(owner) if owner else None
        if owner and presence and is_online(presence, now):
            return {"type": "availability", "online": True, "text": online_words(owner.name)}
        due = None
        if case.status not in (Status.RESOLVED, Status.RESOLUTION_PROPOSED):
            pending = await pending_due_dates(session, case.id)
            due = min(pending) if pending else case.due_at
        back = None
        if owner is not None and not owner.on_shift:
            back = await when_back(session, owner, customer_id=case.customer_id, now=now)
        text = offline_words(
            owner_name=owner.name if owner else None, due=due, email=email, back=back
        )
        return {"type": "availability", "online": False, "text": text}
    reps = [_presence(rep) for rep in await repository.reps_on_shift(session)]
    if someone_can_take_new(reps, now):
        return {"type": "availability", "online": True, "text": online_words(None)}
    due = case.due_at if case is not None else now + settings.severity_target(CHAT_SEVERITY)
    text = offline_words(owner_name=None, due=due, email=email or None)
    return {"type": "availability", "online": False, "text": text}


def _presence(rep: Rep) -> RepPresence:
    return RepPresence(
        on_shift=rep.on_shift,
        last_seen_at=rep.last_seen_at,
        active_cases=rep.active_cases,
        capacity=rep.capacity,
    )


async def _send_availability(chat: Chat) -> None:
    async with chat.database.unit_of_work(write=False) as session:
        case = await session.get(Case, chat.case_id) if chat.case_id else None
        message = await availability(
            session, case, email=chat.email, settings=chat.settings, now=utcnow()
        )
    await chat.send(message)


async def _send_case(chat: Chat, case: Case) -> None:
    assert chat.token is not None
    await chat.send(
        {
            "type": "case",
            "number": case.number,
            "token": chat.token,
            "status_url": cases.status_url(chat.settings, chat.token),
        }
    )


async def _start(chat: Chat, message: dict[str, Any]) -> None:
    token = message.get("token")
    if isinstance(token, str) and token and len(token) <= 200:
        try:
            async with chat.database.unit_of_work(write=False) as session:
                case = await case_for_token(session, token)
                customer = await session.get(Customer, case.customer_id)
        except DomainError:
            await chat.send({"type": "forget"})  # a stale token: start a fresh chat
        else:
            chat.case_id, chat.token = case.id, token
            chat.customer_id = case.customer_id
            if customer is not None:
                chat.name, chat.email = customer.name, customer.email or chat.email
            await _mark_present(chat)
            await _send_case(chat, case)
            await _push_new_entries(chat)
            await _send_availability(chat)
            return
    if chat.customer_id is None:
        name = str(message.get("name") or "").strip()
        email = str(message.get("email") or "").strip()
        if not name or len(name) > 200 or "\x00" in name:
            await chat.error("Your name: please tell us what to call you.", "name")
            return
        if not _valid_email(email):
            await chat.error("Your email: please enter an address we can write to.", "email")
            return
        chat.name, chat.email = name, email
        said = str(message.get("proficiency") or "").strip()
        if said and said not in PROFICIENCIES:
            await chat.error(
                "How comfortable are you with technology: choose one answer.", "proficiency"
            )
            return
        chat.proficiency = said or None
    await chat.send({"type": "ready"})
    await _send_availability(chat)
    await _send_guides(chat)


def _valid_email(value: str) -> bool:
    from email_validator import EmailNotValidError, validate_email

    if not value or len(value) > 320:
        return False
    try:
        validate_email(value, check_deliverability=False)
    except EmailNotValidError:
        return False
    return True


async def _message(chat: Chat, message: dict[str, Any]) -> None:
    body = message.get("body")
    if not isinstance(body, str) or not body.strip():
        await chat.error("Your message: please write something before sending.", "body")
        return
    body = body.strip()
    limit = chat.settings.chat_message_chars
    if len(body) > limit or "\x00" in body:
        await chat.error(f"Your message: please keep it under {limit} characters.", "body")
        return
    if not chat.email:
        await chat.error("Please tell us your name and email first.", "email")
        return
    client = auth.client_address(chat.socket)
    per_minute = chat.settings.chat_messages_per_minute
    senders = auth.limiter(chat.socket.app.state, "chat", per_minute)
    if not senders.allow(client, time.monotonic()):
        await chat.error("You are sending messages very quickly; please wait a moment.", "body")
        return
    now = utcnow()
    opened: Case | None = None
    async with chat.database.unit_of_work() as session:
        if chat.case_id is None:
            case, token = await cases.open_case(
                session,
                cases.NewCase(
                    email=chat.email,
                    name=chat.name,
                    subject=chat_subject(body),
                    body=body,
                    severity=CHAT_SEVERITY,
                    channel=CHANNEL,
                ),
                settings=chat.settings,
                now=now,
            )
            if chat.proficiency:
                customer = await session.get(Customer, case.customer_id)
                assert customer is not None
                await proficiency.record(
                    session, customer, chat.proficiency, by=Actor.of_customer(customer.id), now=now
                )
            await session.flush()
            # Present from the first moment: the "received" notice is shown here, not mailed.
            await repository.mark_chat_seen(session, case.id, now=now)
            chat.case_id, chat.token, chat.customer_id = case.id, token, case.customer_id
            opened = case
        else:
            current = await session.get(Case, chat.case_id, with_for_update=True)
            if current is None:
                await chat.error("This conversation is no longer available.")
                return
            await cases.customer_message(
                session, current, body=body, settings=chat.settings, now=now, channel=CHANNEL
            )
    if opened is not None:
        await _send_case(chat, opened)
        await _send_availability(chat)
    await _push_new_entries(chat)


async def _send_guides(chat: Chat) -> None:
    """The self-service guides the customer may walk here before talking to a person."""
    async with chat.database.unit_of_work(write=False) as session:
        guides = await flow_loader.load_all(session, chat.settings)
    await chat.send(
        {
            "type": "guides",
            "guides": [
                {"name": flow.name, "title": flow.title, "summary": flow.summary}
                for flow in guides.values()
            ],
        }
    )


async def _flow_message(
    session: AsyncSession, run: FlowRun, flow: Flow, token: str, *, history: bool = False
) -> dict[str, Any]:
    """The step to show, as the flows API shows it ("Talk to a person" on every one)."""
    view = flow_views.run_out(run, flow, token).model_dump(mode="json")
    message: dict[str, Any] = {"type": "flow", **view}
    if run.case_id is not None:
        case = await session.get(Case, run.case_id)
        message["case"] = {"number": case.number if case else f"TL-{run.case_id}"}
    if history:
        message["history"] = [
            {"text": item.text, "answer": item.answer}
            for item in await flow_repository.answers(session, run.id)
        ]
    return message


def _run_token(message: dict[str, Any]) -> str | None:
    token = message.get("token")
    return token if isinstance(token, str) and 0 < len(token) <= 200 else None


def _flow_allowed(chat: Chat) -> bool:
    client = auth.client_address(chat.socket)
    per_minute = chat.settings.customer_requests_per_minute
    return auth.limiter(chat.socket.app.state, "chat-flow", per_minute).allow(
        client, time.monotonic()
    )


async def _on_a_case(chat: Chat) -> bool:
    """A chat already on a case goes on there: a guide would open a second one."""
    if chat.case_id is None:
        return False
    await chat.error(
        "You are already talking with us about your case: write your message below.", "flow"
    )
    return True


async def _flow_start(chat: Chat, message: dict[str, Any]) -> None:
    if not chat.email:
        await chat.error("Please tell us your name and email first.", "email")
        return
    if await _on_a_case(chat):
        return
    name = message.get("flow")
    if not isinstance(name, str) or not name:
        await chat.error("Guide: please pick one of the guides.", "flow")
        return
    if not _flow_allowed(chat):
        await chat.error("You are going very quickly; please wait a moment.", "flow")
        return
    async with chat.database.unit_of_work() as session:
        flow = await flow_loader.load_one(session, chat.settings, name)
        run, token = await flows.start(
            session, flow, channel=CHANNEL, now=utcnow(), customer_id=chat.customer_id
        )
        shown = await _flow_message(session, run, flow, token)
    await chat.send(shown)


async def _flow_resume(chat: Chat, message: dict[str, Any]) -> None:
    token = _run_token(message)
    if token is None:
        await chat.send({"type": "flow_forget"})
        return
    try:
        async with chat.database.unit_of_work(write=False) as session:
            run = await flows.get_run(session, token)
            flow = await flow_loader.load_one(session, chat.settings, run.flow_name)
            shown = await _flow_message(session, run, flow, token, history=True)
            bind = run.state == flows.PERSON and chat.case_id is None
    except DomainError:
        await chat.send({"type": "flow_forget"})  # a stale run: the guides are offered again
        return
    await chat.send(shown)
    if bind:  # the chat closed between "a person, please" and the case: finish it now
        await _bind_run_case(chat, token)


async def _flow_answer(chat: Chat, message: dict[str, Any]) -> None:
    token = _run_token(message)
    node = message.get("node")
    choice = message.get("choice")
    if token is None or not isinstance(node, str) or not 0 < len(node) <= 64:
        await chat.error("Guide: that answer could not be read.", "flow")
        return
    if isinstance(choice, bool) or not isinstance(choice, int) or not 1 <= choice <= 9:
        await chat.error("Guide: please pick one of the answers.", "flow")
        return
    if await _on_a_case(chat):
        return
    if not _flow_allowed(chat):
        await chat.error("You are going very quickly; please wait a moment.", "flow")
        return
    refused: DomainError | None = None
    async with chat.database.unit_of_work() as session:
        run = await flows.get_run(session, token, for_update=True)
        flow = await flow_loader.load_one(session, chat.settings, run.flow_name)
        current = flow.nodes.get(run.node)
        fixed: bool | None = None
        picked: int | None = choice
        if current is not None and current.type == INSTRUCTION and node == run.node:
            # As in the flows API: for "Did that fix it?", 1 is yes and 2 is no.
            fixed, picked = (choice == 1 if choice in (1, 2) else None), None
        try:
            await flows.answer(
                session, run, flow, node=node, choice=picked, fixed=fixed, now=utcnow()
            )
        except DomainError as exc:
            refused = exc  # e.g. a second click: say so, and show where the run is now
        shown = await _flow_message(session, run, flow, token)
        reached_person = run.state == flows.PERSON and refused is None
    if refused is not None:
        await chat.error(refused.message, "flow")
    await chat.send(shown)
    if reached_person:
        await _bind_run_case(chat, token)


async def _flow_person(chat: Chat, message: dict[str, Any]) -> None:
    token = _run_token(message)
    if token is None:
        await chat.error("Guide: this guide is not known; pick it again.", "flow")
        return
    if not chat.email:
        await chat.error("Please tell us your name and email first.", "email")
        return
    if await _on_a_case(chat):
        return
    async with chat.database.unit_of_work() as session:
        run = await flows.get_run(session, token, for_update=True)
        flow = await flow_loader.load_one(session, chat.settings, run.flow_name)
        await flows.talk_to_person(session, run, now=utcnow())
        shown = await _flow_message(session, run, flow, token)
    await chat.send(shown)
    await _bind_run_case(chat, token)


async def _bind_run_case(chat: Chat, token: str) -> None:
    """Open the run's case (with every step tried) and go on with the chat on that case."""
    if not chat.email:
        await chat.error("Please tell us your name and email first.", "email")
        return
    now = utcnow()
    async with chat.database.unit_of_work() as session:
        run = await flows.get_run(session, token, for_update=True)
        flow = await flow_loader.load_one(session, chat.settings, run.flow_name)
        case, case_token = await flows.open_case_for(
            session,
            run,
            flow,
            flows.Contact(name=chat.name or chat.email, email=chat.email),
            settings=chat.settings,
            now=now,
        )
        await session.flush()
        # Present from the first moment: the "received" notice is shown here, not mailed.
        await repository.mark_chat_seen(session, case.id, now=now)
        # What the guide opened the case with was just walked here, step by step: only what
        # follows is shown (a later visit with the case's token shows the whole timeline).
        shown = await repository.last_public_entry_id(session, case.id)
    chat.case_id, chat.token, chat.customer_id = case.id, case_token, case.customer_id
    chat.last_entry_id = max(chat.last_entry_id, shown)
    await _send_case(chat, case)
    await _send_availability(chat)
    await _push_new_entries(chat)


FLOW_MESSAGES = {
    "flow_start": _flow_start,
    "flow_resume": _flow_resume,
    "flow_answer": _flow_answer,
    "flow_person": _flow_person,
}


async def _poll(chat: Chat) -> None:
    """Push new public entries; keep presence and availability fresh."""
    last_presence = last_availability = time.monotonic()
    while True:
        await asyncio.sleep(chat.settings.chat_poll_seconds)
        try:
            await _push_new_entries(chat)
            clock = time.monotonic()
            if clock - last_presence >= PRESENCE_EVERY:
                last_presence = clock
                await _mark_present(chat)
            if clock - last_availability >= AVAILABILITY_EVERY:
                last_availability = clock
                await _send_availability(chat)
        except Exception:  # noqa: BLE001 - a failed round is tried again next second
            log.warning("chat poll failed", exc_info=True)


@router.websocket("/chat/ws")
async def chat_socket(websocket: WebSocket) -> None:
    settings: Settings = websocket.app.state.settings
    database: Database = websocket.app.state.database
    if not origin_allowed(
        websocket.headers.get("origin"), host=websocket.headers.get("host"), settings=settings
    ):
        await websocket.close(code=1008, reason="origin not allowed")
        return
    await websocket.accept()
    chat = Chat(socket=websocket, database=database, settings=settings)
    async with database.unit_of_work(write=False) as session:
        customer = await auth.signed_in_customer(websocket, session)
    if customer is not None:
        chat.customer_id, chat.name, chat.email = customer.id, customer.name, customer.email or ""
    await chat.send(
        {
            "type": "hello",
            "signed_in": customer is not None,
            "name": chat.name if customer is not None and "@" not in chat.name else None,
        }
    )
    poller = asyncio.create_task(_poll(chat))
    # The largest frame a sane message can need (4 bytes a character, plus the JSON around it).
    max_frame = settings.chat_message_chars * 4 + 2048
    try:
        while True:
            text = await websocket.receive_text()
            if len(text) > max_frame:
                await chat.error(
                    f"Your message: please keep it under {settings.chat_message_chars} characters.",
                    "body",
                )
                continue
            try:
                message = json.loads(text)
            except ValueError:
                await chat.error("That message could not be read.")
                continue
            if not isinstance(message, dict):
                await chat.error("That message could not be read.")
                continue
            kind = message.get("type")
            try:
                if kind == "start":
                    await _start(chat, message)
                elif kind == "message":
                    await _message(chat, message)
                elif kind in FLOW_MESSAGES:
                    await FLOW_MESSAGES[kind](chat, message)
                else:
                    await chat.error("That message could not be read.")
            except DomainError as exc:
                await chat.error(exc.message)
    except WebSocketDisconnect:
        pass
    finally:
        poller.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await poller
