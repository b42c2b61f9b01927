"""Outbound email: the owner's replies and the customer notices, through the SMTP relay.

Called by the outbox (``customer.deliver``) for every case answered by email.
The message is built from the timeline entry alone, so a retry sends the very
same mail with the same Message-ID; a ``MessageLink`` row, committed with the
outbox's "done", records it for threading the customer's answer and for
bounces. A relay that is down or slow makes the handler raise: the outbox
retries with backoff and nothing is lost. A customer without a usable
address, or an address the relay refuses for good, gets an internal note on
the case instead, once, so the owner knows the customer was not told.
"""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from throughline.cases.timeline import Kind, record
from throughline.channels.delivery import Delivery, Notice, route
from throughline.channels.email import relay
from throughline.channels.email.compose_mail import (
    Envelope,
    build_mail,
    mail_domain,
    mailable_address,
    outbound_message_id,
    thread_references,
)
from throughline.channels.email.headers import message_key
from throughline.channels.notices import compose
from throughline.config import Settings
from throughline.kit.actors import SYSTEM
from throughline.models import Case, Customer, Identity, MessageLink, TimelineEntry, utcnow
from throughline.outbox import service as outbox

log = logging.getLogger("throughline.email")

NO_ADDRESS = "We could not tell the customer: they have no email address"


async def _recipient(session: AsyncSession, customer_id: int) -> tuple[str, str | None]:
    """The customer's name and email address (their own, else an email identity)."""
    customer = await session.get(Customer, customer_id)
    if customer is None:
        return "", None
    if customer.email:
        return customer.name, customer.email
    address = await session.scalar(
        select(Identity.value)
        .where(Identity.customer_id == customer_id, Identity.kind == "email")
        .order_by(Identity.id)
        .limit(1)
    )
    return customer.name, address


async def _thread(session: AsyncSession, case: Case, entry: TimelineEntry) -> list[MessageLink]:
    """The case's mail up to this entry, oldest first: later mail must not change a retry."""
    rows = await session.scalars(
        select(MessageLink)
        .where(
            MessageLink.case_id == case.id,
            or_(
                MessageLink.timeline_entry_id <= entry.id,
                MessageLink.created_at <= entry.created_at,
            ),
        )
        .order_by(MessageLink.id)
    )
    return list(rows)


def _note(
    session: AsyncSession, case: Case, notice: Notice, entry_id: int, body: str, **data: Any
) -> None:
    record(
        session,
        case,
        Kind.NOTE,
        SYSTEM,
        now=utcnow(),
        body=body,
        internal=True,
        notice=notice.value,
        entry_id=entry_id,
        **data,
    )


@route("email")
async def send_email(session: AsyncSession, delivery: Delivery, settings: Settings) -> None:
    case, entry = delivery.case, delivery.entry
    case_id, entry_id, number = case.id, entry.id, case.number  # still readable after the release
    message_id = outbound_message_id(
        secret_key=settings.resolved_secret_key(),
        case_id=case.id,
        case_nonce=case.status_nonce,
        entry_id=entry.id,
        domain=mail_domain(settings.support_address),
    )
    key = message_key(message_id)
    if await session.scalar(select(MessageLink.id).where(MessageLink.message_key == key)):
        return  # already sent and recorded: a second run must not send it again
    name, address = await _recipient(session, case.customer_id)
    if not address:
        _note(session, case, delivery.notice, entry_id, NO_ADDRESS)
        return
    to_address = mailable_address(address)
    if to_address is None:
        _note(
            session,
            case,
            delivery.notice,
            entry_id,
            f"We could not tell the customer: their email address {address!r} is not valid",
        )
        return
    composed = await compose(session, delivery, settings)
    thread = [link for link in await _thread(session, case, entry) if link.message_key != key]
    inbound = [link for link in thread if link.direction == "in"]
    # Answer the customer's latest mail; with none (a case opened another way), our own.
    parent = inbound[-1] if inbound else (thread[-1] if thread else None)
    mail = build_mail(
        composed,
        Envelope(
            message_id=message_id,
            support_address=settings.support_address,
            to_name=name,
            to_address=to_address,
            date=entry.created_at,
            in_reply_to=parent.message_id.strip("<>") if parent else None,
            references=thread_references([link.message_id.strip("<>") for link in thread]),
            automatic=delivery.notice is not Notice.REPLY,
            case_number=case.number,
            notice=delivery.notice.value,
        ),
    )
    if settings.smtp_url:
        target = relay.parse_smtp_url(settings.smtp_url)
        await outbox.release_before_network(session)
        try:
            await relay.send(
                target,
                mail,
                sender=settings.support_address,
                recipient=to_address,
                timeout=settings.smtp_timeout_seconds,
            )
        except relay.RelayRefused as refused:
            fresh = await session.get(Case, case_id)  # loaded again after the release
            if fresh is None:
                return  # the case was deleted meanwhile: nobody left to tell
            _note(
                session,
                fresh,
                delivery.notice,
                entry_id,
                f"We could not tell the customer: the mail server refused {to_address} "
                f"({refused.code} {refused.reply})",
                smtp_code=refused.code,
            )
            return
        state, detail = "sent", f"accepted by {target.describe()}"
    else:
        path = await relay.write_eml(settings.var_dir / "outgoing-mail", mail, message_id)
        log.info("no relay configured (THROUGHLINE_SMTP_URL): %s kept as %s", number, path)
        state, detail = "kept", f"no relay configured; written to {path}"
    session.add(
        MessageLink(
            message_key=key,
            message_id=message_id,
            case_id=case_id,
            direction="out",
            timeline_entry_id=entry_id,
            recipient=to_address,
            delivery=state,
            delivery_detail=detail,
            delivered_at=utcnow() if state == "sent" else None,
            created_at=utcnow(),
        )
    )
