"""Jinja2 templates shared by the workspace and the portal (autoescaped)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.templating import Jinja2Templates
from starlette.responses import HTMLResponse

from throughline.web.csrf import FIELD, csrf_token

HERE = Path(__file__).parent
STATIC_DIR = HERE / "static"
templates = Jinja2Templates(directory=HERE / "templates")
templates.env.globals["csrf_token"] = csrf_token
templates.env.globals["csrf_field"] = FIELD


def render(
    request: Request,
    name: str,
    context: dict[str, Any] | None = None,
    *,
    status_code: int = 200,
    headers: dict[str, str] | None = None,
) -> HTMLResponse:
    """Render ``name`` with the settings' company name and the CSRF token available."""
    settings = request.app.state.settings
    page = {"company_name": settings.company_name, **(context or {})}
    return templates.TemplateResponse(request, name, page, status_code=status_code, headers=headers)
