"""POST /api/v1/reports: in-app error reports authenticated by a product key.

A report is JSON, or multipart/form-data with the same JSON in a ``report``
field and log files in ``files``. The key is checked and the product's rate
limit applied before the body is read; the report is stored, and its case
committed, before the 201 leaves.
"""

from __future__ import annotations

import logging
import math
import time
from typing import Annotated, Any

from fastapi import APIRouter, Header, HTTPException, Request, Response
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.datastructures import UploadFile

from throughline.cases import repository as case_repository
from throughline.channels.email.parse import sanitize_filename
from throughline.channels.http import parse_json, process_in_request
from throughline.channels.reports import repository, service
from throughline.channels.reports.schemas import (
    ReportCreated,
    ReportFileOut,
    ReportIn,
    ReportList,
    ReportOut,
)
from throughline.config import Settings
from throughline.kit.deps import AppSettings, CurrentRep, ReadSession
from throughline.kit.errors import DomainError, InvalidInput
from throughline.kit.limits import TokenBuckets
from throughline.models import Product, utcnow

router = APIRouter(prefix="/api/v1", tags=["in-app reports"])
log = logging.getLogger("throughline.reports")

_REQUEST_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "description": "The report as JSON, or multipart/form-data with the same JSON in a "
        "'report' field and log files in 'files'.",
        "content": {
            "application/json": {
                "schema": {
                    "type": "object",
                    "description": "{customer: {email, name}, product, version, summary, "
                    "description?, environment: {os, os_version, app_version, device, "
                    "managed_by_it?}, diagnostics?: object}",
                }
            },
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["report"],
                    "properties": {
                        "report": {"type": "string", "description": "ReportIn as JSON"},
                        "files": {
                            "type": "array",
                            "items": {"type": "string", "format": "binary"},
                        },
                    },
                }
            },
        },
    }
}


class UnsupportedMediaType(DomainError):
    status_code = 415


def _limiter(request: Request, settings: Settings) -> TokenBuckets:
    """One bucket per product key, per process, kept on the app."""
    limiter: TokenBuckets | None = getattr(request.app.state, "report_rate", None)
    if limiter is None:
        limiter = TokenBuckets(per_minute=settings.report_requests_per_minute)
        request.app.state.report_rate = limiter
    return limiter


async def _read_multipart(
    request: Request, settings: Settings
) -> tuple[ReportIn, list[service.LogFile]]:
    try:
        form = await request.form(max_files=settings.max_attachments + 1, max_fields=10)
    except HTTPException as exc:
        if "files" in str(exc.detail).lower():
            raise InvalidInput(
                f"files: at most {settings.max_attachments} log files may come with a report"
            ) from None
        raise InvalidInput(f"body: not a readable multipart form ({exc.detail})") from None
    try:
        unknown = sorted(set(form.keys()) - {"report", "files"})
        if unknown:
            raise InvalidInput(f"{unknown[0]}: unknown field; send 'report' and 'files'")
        field = form.get("report")
        if field is None:
            raise InvalidInput("report: missing; put the report's JSON in a 'report' field")
        raw = field if isinstance(field, str) else await field.read(settings.max_request_bytes)
        report = parse_json(ReportIn, raw, "report")
        uploads = form.getlist("files")
        if len(uploads) > settings.max_attachments:
            raise InvalidInput(
                f"files: {len(uploads)} sent; at most {settings.max_attachments} log files "
                "may come with a report"
            )
        files = []
        for upload in uploads:
            if not isinstance(upload, UploadFile):
                raise InvalidInput("files: each must be a file, not a text field")
            name = sanitize_filename(upload.filename or "") or "log.txt"
            data = await upload.read(settings.max_attachment_bytes + 1)
            if len(data) > settings.max_attachment_bytes:
                raise service.TooLarge(
                    f"files: {name} is larger than {settings.max_attachment_bytes} bytes, "
                    "the limit for one log file"
                )
            content_type = upload.content_type or "application/octet-stream"
            files.append(service.LogFile(filename=name, content_type=content_type, data=data))
        return report, files
    finally:
        await form.close()


@router.post(
    "/reports",
    status_code=201,
    response_model=ReportCreated,
    openapi_extra=_REQUEST_BODY,
    responses={
        202: {"description": "Stored; it will be filed on a case shortly (number: null)"},
        401: {"description": "Missing, unknown or revoked product key"},
        403: {"description": "The report names another product than the key's"},
        413: {"description": "Body, a log file or the diagnostics too large"},
        422: {"description": "A field is wrong (named), or too many log files"},
        429: {"description": "Too many reports from this product key"},
    },
)
async def submit_report(
    request: Request,
    response: Response,
    settings: AppSettings,
    x_api_key: Annotated[
        str | None, Header(description="The product's key (throughline product add)")
    ] = None,
) -> ReportCreated:
    """A product files a customer's error report; the customer gets a case number."""
    database = request.app.state.database
    async with database.unit_of_work(write=False) as session:
        product = await service.authenticate(session, x_api_key)
        session.expunge(product)
    limiter = _limiter(request, settings)
    if not limiter.allow(f"product:{product.id}", time.monotonic()):
        wait = max(1, math.ceil(60 / settings.report_requests_per_minute))
        raise HTTPException(
            status_code=429,
            detail=f"too many reports from {product.name}: at most "
            f"{settings.report_requests_per_minute} a minute; try again in {wait} s",
            headers={"Retry-After": str(wait)},
        )
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    files: list[service.LogFile] = []
    if content_type == "multipart/form-data":
        report, files = await _read_multipart(request, settings)
    elif content_type in ("application/json", ""):
        body = await request.body()
        if len(body) > settings.max_request_bytes:
            raise service.TooLarge(
                f"a report without log files may be at most {settings.max_request_bytes} bytes"
            )
        report = parse_json(ReportIn, body, "body")
    else:
        raise UnsupportedMediaType(
            f"content-type: {content_type!r} is not accepted; send application/json, or "
            "multipart/form-data with a 'report' field and 'files'"
        )
    now = utcnow()
    async with database.unit_of_work(write=True) as session:
        product = await session.get(Product, product.id)
        assert product is not None  # revoked keys are refused, products are never deleted
        inbound_id = await service.store(
            session, product, report, files, settings=settings, now=now
        )

    async def file(session: AsyncSession) -> ReportCreated:
        submitted = await service.file_report(session, inbound_id, settings=settings, now=now)
        return ReportCreated(
            number=submitted.case.number,
            status_url=submitted.status_url,
            appended=submitted.appended,
        )

    created = await process_in_request(database, file, log=log, stored=f"report {inbound_id}")
    if created is None:
        response.status_code = 202
        return ReportCreated(number=None, status_url=None, appended=False)
    return created


@router.get("/cases/{number}/reports", response_model=ReportList)
async def case_reports(number: str, session: ReadSession, _actor: CurrentRep) -> ReportList:
    """The error reports on a case with their environment, diagnostics and log files."""
    case = await case_repository.get_case(session, number)
    reports = await repository.reports_of_case(session, case.id)
    names = await repository.product_names(session, {r.product_id for r in reports})
    entry_ids = {r.timeline_entry_id for r in reports if r.timeline_entry_id is not None}
    files = await repository.files_of_entries(session, entry_ids)
    return ReportList(
        number=case.number,
        reports=[
            ReportOut(
                id=r.id,
                product=names.get(r.product_id, "?"),
                version=r.version,
                summary=r.summary,
                signature=r.signature,
                environment=r.environment or {},
                diagnostics=r.diagnostics or {},
                files=[
                    ReportFileOut(
                        id=f.id,
                        filename=f.filename,
                        size=f.size,
                        content_type=f.content_type,
                        kept=not f.too_large,
                    )
                    for f in files
                    if f.timeline_entry_id == r.timeline_entry_id
                ],
                timeline_entry_id=r.timeline_entry_id,
                created_at=r.created_at,
            )
            for r in reports
        ],
    )
