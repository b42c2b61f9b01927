"""What a notice says to the customer, in plain words, the same on every channel.

Email (plain text and HTML) and webhook channels both start from ``compose``;
every message ends with who owns the case, how to reach them directly, and the
status link (principles 1 and 2: the customer never has to ask who has it).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from throughline.cases.service import status_url
from throughline.channels.delivery import Delivery, Notice
from throughline.config import Settings
from throughline.kit.security import status_token
from throughline.models import Case, Customer, Rep
from throughline.reports.rules import RATINGS
from throughline.reports.satisfaction import rating_url


@dataclass(frozen=True)
class Composed:
    """One notice ready to send: a subject line and plain-text paragraphs."""

    subject: str  # carries [TL-n], so a reply threads even without headers
    greeting: str
    paragraphs: tuple[str, ...]  # the message itself
    owner_name: str | None
    contact_lines: tuple[str, ...]  # the owner's direct contact
    status_url: str
    sender_name: str  # "<Rep name> at <Company> Support", or "<Company> Support"

    @property
    def text(self) -> str:
        """The whole message as plain text, ending with the contact and the status link."""
        parts = [self.greeting, *self.paragraphs, "—", *self.signature()]
        return "\n\n".join(parts) + "\n"

    def signature(self) -> list[str]:
        lines = []
        if self.owner_name:
            lines.append(
                "\n".join([f"{self.owner_name} looks after your case.", *self.contact_lines])
            )
        lines.append(f"See your case at any time: {self.status_url}")
        return lines


def case_status_url(settings: Settings, case: Case) -> str:
    return status_url(settings, status_token(settings.resolved_secret_key(), case.status_nonce))


def contact_lines(rep: Rep) -> tuple[str, ...]:
    lines = [f"Email: {rep.email}"]
    if rep.phone:
        phone = rep.phone + (f", extension {rep.extension}" if rep.extension else "")
        lines.append(f"Phone: {phone}")
    elif rep.extension:
        lines.append(f"Extension: {rep.extension}")
    return tuple(lines)


def subject_for(case: Case) -> str:
    return f"[{case.number}] {case.subject}"


async def compose(session: AsyncSession, delivery: Delivery, settings: Settings) -> Composed:
    case, entry = delivery.case, delivery.entry
    customer = await session.get(Customer, case.customer_id)
    owner = await session.get(Rep, case.owner_id) if case.owner_id else None
    writer = await session.get(Rep, entry.actor_rep_id) if entry.actor_rep_id else owner
    company = settings.company_name
    first_name = (customer.name.split()[0] if customer and customer.name.strip() else "").strip()
    greeting = f"Hello {first_name}," if first_name and "@" not in first_name else "Hello,"
    body = (entry.body or "").strip()
    paragraphs: list[str]
    if delivery.notice is Notice.REPLY:
        paragraphs = [body]
    elif delivery.notice is Notice.RECEIVED:
        paragraphs = [
            f"We have your message about “{case.subject}”. Its case number is {case.number}."
        ]
        if owner is not None:
            paragraphs.append(
                f"{owner.name} is looking after it from now until it is fixed, and you can "
                "reach them directly. Reply to this email to add anything; it goes to them."
            )
        else:
            paragraphs.append(
                f"The next available person will take it by {case.due_at:%Y-%m-%d %H:%M} UTC "
                "and stay with it until it is fixed. Reply to this email to add anything."
            )
    elif delivery.notice is Notice.RESOLUTION_PROPOSED:
        paragraphs = [
            "We think your problem is fixed:",
            body,
            "Is it? Please tell us on your case page (the link below), or reply to this "
            "email. If it is still broken, just say so and we will keep going. "
            f"If we do not hear from you within {settings.auto_resolve_days:g} days, "
            "we will close the case; a reply at any time reopens it.",
        ]
    elif delivery.notice is Notice.RESOLVED:
        paragraphs = [
            "Thank you for confirming that it is fixed: your case is resolved. "
            "A reply at any time opens it again with the same person.",
            "How did we do? One click is enough (you can change it later):",
            "\n".join(
                f"{r.face} {r.score} {r.words}: {rating_url(settings, case, r)}" for r in RATINGS
            ),
        ]
    else:  # Notice.AUTO_RESOLVED
        paragraphs = [body]
    sender = f"{writer.name} at {company} Support" if writer else f"{company} Support"
    return Composed(
        subject=subject_for(case),
        greeting=greeting,
        paragraphs=tuple(p for p in paragraphs if p),
        owner_name=owner.name if owner else None,
        contact_lines=contact_lines(owner) if owner else (),
        status_url=case_status_url(settings, case),
        sender_name=sender,
    )
