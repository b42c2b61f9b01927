"""Rendering a workspace page: the signed-in rep and their role go to every template."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from starlette.responses import HTMLResponse

from throughline.models import Rep, utcnow
from throughline.web.templating import render
from throughline.workspace import auth, format

format.register()


def page(
    request: Request, name: str, me: Rep, context: dict[str, Any], **kwargs: Any
) -> HTMLResponse:
    return render(
        request,
        name,
        {
            "me": me,
            "role": auth.role_of(me),
            "is_lead": auth.is_lead(me),
            "is_admin": auth.is_admin(me),
            "now": utcnow(),
            **context,
        },
        **kwargs,
    )
