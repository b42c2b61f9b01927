"""In-app error reports: products and their keys, and a report becoming (part of) a case.

A report is stored first (an ``InboundMessage`` holding its JSON, its log files
written content-addressed, and an outbox job to file it) and committed; filing
it on a case happens next, in the request when all goes well, else in the
worker. Filing twice is harmless: a filed report is left alone.

Services change the session and never commit; the request or CLI command commits once.
"""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from throughline.cases import service as cases
from throughline.channels import inbound
from throughline.channels.files import write_content
from throughline.channels.notices import case_status_url
from throughline.channels.reports import repository
from throughline.channels.reports.rules import (
    SAME_ERROR_WINDOW,
    diagnostics_size,
    report_text,
    signature,
    subject_for,
)
from throughline.channels.reports.schemas import ReportIn
from throughline.config import Settings
from throughline.customers import service as customers
from throughline.kit.actors import Actor
from throughline.kit.audit import audit
from throughline.kit.errors import (
    Conflict,
    DomainError,
    Forbidden,
    InvalidInput,
    NotFound,
    Unauthorized,
)
from throughline.kit.security import hash_secret
from throughline.models import (
    Case,
    ErrorReport,
    Product,
    StoredFile,
    utcnow,
)
from throughline.outbox import service as outbox

# The channel of cases that reports open: answered by email to the customer's address.
CHANNEL = "in_app"
# A report is about something that is wrong, not (yet) known to be down.
REPORT_SEVERITY = 3
PROCESS_TOPIC = "reports.file"


class TooLarge(DomainError):
    status_code = 413


@dataclass(frozen=True)
class LogFile:
    filename: str
    content_type: str
    data: bytes


@dataclass(frozen=True)
class Submitted:
    case: Case
    status_url: str
    appended: bool


def new_product_key() -> str:
    return "tlp_" + secrets.token_urlsafe(32)


async def add_product(
    session: AsyncSession, name: str, *, actor: Actor, now: datetime
) -> tuple[Product, str]:
    """A product and its key; the key is returned once and only its sha256 is kept."""
    name = name.strip()
    if not name or len(name) > 100:
        raise InvalidInput("name: a product name has 1 to 100 characters")
    if await repository.product_by_name(session, name) is not None:
        raise Conflict(f"a product named {name!r} already exists")
    key = new_product_key()
    product = Product(
        name=name, key_hash=hash_secret(key), key_prefix=key[:12], is_active=True, created_at=now
    )
    session.add(product)
    await session.flush()
    audit(session, actor, "product.add", "product", product.id, name=name)
    return product, key


async def revoke_product(session: AsyncSession, name: str, *, actor: Actor) -> Product:
    product = await repository.product_by_name(session, name.strip())
    if product is None:
        raise NotFound(f"no product {name!r}")
    product.is_active = False
    audit(session, actor, "product.revoke", "product", product.id, name=product.name)
    return product


async def authenticate(session: AsyncSession, key: str | None) -> Product:
    if not key:
        raise Unauthorized(
            "missing product key: send 'X-Api-Key: <key>' (from 'throughline product add NAME')"
        )
    product = await repository.product_by_key_hash(session, hash_secret(key.strip()))
    if product is None:
        raise Unauthorized("unknown or revoked product key")
    return product


def check_report(product: Product, report: ReportIn, settings: Settings) -> None:
    """The key's product must be the one named in the report; diagnostics have a size cap."""
    if report.product.casefold() != product.name.casefold():
        raise Forbidden(
            f"product: this key belongs to {product.name!r}, not {report.product!r}; "
            "send reports for each product with its own key"
        )
    size = diagnostics_size(report.diagnostics)
    if size > settings.max_diagnostics_bytes:
        raise TooLarge(
            f"diagnostics: {size} bytes as JSON; at most {settings.max_diagnostics_bytes} "
            "bytes are kept (send large logs as files)"
        )


async def store(
    session: AsyncSession,
    product: Product,
    report: ReportIn,
    files: list[LogFile],
    *,
    settings: Settings,
    now: datetime,
) -> int:
    """Keep the report as it arrived, with the job that files it; returns the stored id.

    A report the key may not send, or with oversized diagnostics, is refused here.
    """
    check_report(product, report, settings)
    kept = [
        {
            "filename": log.filename,
            "content_type": log.content_type[:200],
            "sha256": write_content(settings, log.data),
            "size": len(log.data),
        }
        for log in files
    ]
    # Products send no id of their own for a report: each request is a report.
    external_id = uuid.uuid4().hex
    raw = report.model_dump_json().encode()
    row = inbound.received(
        channel=f"report:{product.id}",
        source="http",
        external_id=external_id,
        raw=raw,
        envelope={"product_id": product.id, "files": kept},
        now=now,
    )
    session.add(row)
    await session.flush()
    await outbox.enqueue(
        session, PROCESS_TOPIC, {"inbound_id": row.id}, now=now, dedupe_key=f"report-in:{row.id}"
    )
    return row.id


async def file_report(
    session: AsyncSession, inbound_id: int, *, settings: Settings, now: datetime
) -> Submitted:
    """File a stored report on a case, once; later calls return what the first one did."""
    row = await inbound.lock(session, inbound_id, what="stored report")
    if row.state != "received" and row.case_id is not None:
        case = await session.get(Case, row.case_id)
        assert case is not None
        return Submitted(
            case=case,
            status_url=case_status_url(settings, case),
            appended=row.outcome == "appended",
        )
    row.attempts += 1
    product = await session.get(Product, row.envelope["product_id"])
    if product is None:
        raise NotFound(f"the product of stored report {inbound_id} is gone")
    report = ReportIn.model_validate_json(row.raw)
    submitted = await submit(
        session,
        product,
        report,
        list(row.envelope.get("files") or []),
        settings=settings,
        now=now,
        inbound_id=row.id,
    )
    await inbound.processed(
        session,
        row,
        submitted.case,
        outcome="appended" if submitted.appended else "new_case",
        job_key=f"report-in:{row.id}",
        now=now,
    )
    return submitted


@outbox.handler(PROCESS_TOPIC)
async def file_report_job(
    session: AsyncSession, payload: dict[str, Any], settings: Settings
) -> None:
    """The worker's safety net: a report stored but not filed in its request is filed here."""
    await file_report(session, int(payload["inbound_id"]), settings=settings, now=utcnow())


async def submit(
    session: AsyncSession,
    product: Product,
    report: ReportIn,
    files: list[dict[str, Any]],
    *,
    settings: Settings,
    now: datetime,
    inbound_id: int | None = None,
) -> Submitted:
    """File the report: on the customer's open case about the same error from the last 24 h,
    or on a new case. The environment goes on the customer's profile and on the case.
    ``files`` are log files already written (filename, content_type, sha256, size)."""
    environment = report.environment.as_profile()
    email = str(report.customer.email)
    customer, _made = await customers.find_or_make(
        session,
        kind="email",
        value=email,
        name=report.customer.name or email,
        now=now,
        environment=environment,
    )
    # One report of a customer at a time: the same error sent twice at once joins one case.
    await session.flush()
    await session.refresh(customer, with_for_update=True)
    same_error = signature(product.name, report.version, report.summary)
    text = report_text(
        product=product.name,
        version=report.version,
        summary=report.summary,
        description=report.description,
        environment=environment,
        diagnostics=report.diagnostics,
        files=[(f["filename"], int(f["size"])) for f in files],
    )
    case = await repository.open_case_with_same_error(
        session, customer.id, same_error, since=now - SAME_ERROR_WINDOW
    )
    appended = case is not None
    if case is not None:
        await cases.customer_message(
            session, case, body=text, settings=settings, now=now, channel=CHANNEL
        )
        case.environment = {**(case.environment or {}), **environment}
    else:
        case, _token = await cases.open_case(
            session,
            cases.NewCase(
                email=email,
                name=report.customer.name or email,
                subject=subject_for(product.name, report.summary),
                body=text,
                severity=REPORT_SEVERITY,
                channel=CHANNEL,
                environment=environment,
            ),
            settings=settings,
            now=now,
        )
    await session.flush()
    entry = await repository.last_customer_entry(session, case.id)
    assert entry is not None  # written just above
    entry.data = {**(entry.data or {}), "error_report": True, "signature": same_error}
    stored = ErrorReport(
        product_id=product.id,
        customer_id=customer.id,
        case_id=case.id,
        signature=same_error,
        version=report.version,
        summary=report.summary,
        environment=environment,
        diagnostics=report.diagnostics,
        timeline_entry_id=entry.id,
        created_at=now,
    )
    session.add(stored)
    for log in files:
        session.add(
            StoredFile(
                sha256=log["sha256"],
                size=int(log["size"]),
                content_type=log["content_type"],
                filename=log["filename"],
                case_id=case.id,
                timeline_entry_id=entry.id,
                inbound_message_id=inbound_id,
                created_at=now,
            )
        )
    await session.flush()
    return Submitted(case=case, status_url=case_status_url(settings, case), appended=appended)
