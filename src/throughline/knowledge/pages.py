"""Pages of the knowledge base: the reps' articles (/app/articles) and the portal's answers.

The portal shows public articles only; an internal one is "not found", so its
existence cannot be guessed. Views and "this helped" are counted once per
visitor, remembered in a browser-session cookie.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from markupsafe import Markup
from starlette.responses import HTMLResponse

from throughline.kit.deps import ReadSession, WriteSession
from throughline.kit.errors import DomainError
from throughline.knowledge import repository, service
from throughline.knowledge.rules import Visibility, render_markdown
from throughline.models import Article, Case, Rep, utcnow
from throughline.portal.auth import signed_in_customer
from throughline.portal.pages import Limited
from throughline.search.service import search_portal
from throughline.web.templating import render
from throughline.workspace import auth, forms
from throughline.workspace.auth import PageRep
from throughline.workspace.layout import page

router = APIRouter()

SEEN_COOKIE = "tl_kb_seen"
HELPED_COOKIE = "tl_kb_helped"
REMEMBERED = 50  # article ids a visitor's cookie keeps


def _html(article: Article) -> Markup:
    return Markup(render_markdown(article.body_markdown))  # noqa: S704 - sanitised by nh3


# --- Reps ---------------------------------------------------------------------------------


@router.get("/app/articles", response_class=HTMLResponse)
async def articles_page(request: Request, session: ReadSession, me: PageRep) -> HTMLResponse:
    articles = await repository.listed(session, public_only=False)
    return page(request, "app/articles.html", me, {"articles": articles})


def _form_page(
    request: Request,
    me: Rep,
    *,
    heading: str,
    action: str,
    values: dict[str, Any],
    error: str | None = None,
    preview: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    context = {"heading": heading, "action": action, "error": error, **values}
    if preview is not None:
        context["preview"] = Markup(render_markdown(preview))  # noqa: S704 - sanitised by nh3
    return page(request, "app/article_form.html", me, context, status_code=status_code)


@router.get("/app/articles/new", response_class=HTMLResponse)
async def new_article_page(
    request: Request, session: ReadSession, me: PageRep, case: str | None = None
) -> HTMLResponse:
    """An empty form, or with ?case=TL-n one pre-filled from that solved case."""
    values: dict[str, Any] = {"title": "", "body": "", "visibility": "internal"}
    values["case_number"] = None
    if case:
        try:
            draft = await service.draft_for_case(session, case)
        except DomainError as exc:
            return _form_page(
                request,
                me,
                heading="Write an article",
                action="/app/articles",
                values=values,
                error=exc.message,
                status_code=exc.status_code,
            )
        values.update(title=draft.title, body=draft.body, case_number=draft.case_number)
    return _form_page(
        request, me, heading="Write an article", action="/app/articles", values=values
    )


def _values(form: Any) -> dict[str, Any]:
    return {
        "title": str(form.get("title") or ""),
        "body": str(form.get("body") or ""),
        "visibility": str(form.get("visibility") or Visibility.INTERNAL.value),
        "case_number": str(form.get("case") or "") or None,
    }


@router.post("/app/articles")
async def write_article(request: Request, session: WriteSession, me: PageRep) -> Response:
    form = await forms.read_form(request)
    values = _values(form)
    heading, action = "Write an article", "/app/articles"
    if form.get("do") == "preview":
        return _form_page(
            request, me, heading=heading, action=action, values=values, preview=values["body"]
        )
    try:
        article = await service.write_article(
            session,
            title=values["title"],
            body=values["body"],
            visibility=values["visibility"],
            case_number=values["case_number"],
            actor=auth.actor_of(me),
            now=utcnow(),
        )
    except DomainError as exc:
        await session.rollback()
        return _form_page(
            request,
            me,
            heading=heading,
            action=action,
            values=values,
            error=exc.message,
            status_code=exc.status_code,
        )
    return RedirectResponse(f"/app/articles/{article.slug}", status_code=303)


@router.get("/app/articles/{slug}", response_class=HTMLResponse)
async def article_page(
    slug: str, request: Request, session: ReadSession, me: PageRep
) -> HTMLResponse:
    article = await repository.by_slug(session, slug)
    author, solver = await service.credits(session, article)
    case = await session.get(Case, article.case_id) if article.case_id else None
    editable = service.editable_by(me, article)
    context = {
        "article": article,
        "html": _html(article),
        "author": author,
        "solver": solver,
        "case": case,
        "editable": editable,
    }
    return page(request, "app/article.html", me, context)


@router.get("/app/articles/{slug}/edit", response_class=HTMLResponse)
async def edit_article_page(
    slug: str, request: Request, session: ReadSession, me: PageRep
) -> HTMLResponse:
    article = await repository.by_slug(session, slug)
    service.check_editor(me, article)
    values = {
        "title": article.title,
        "body": article.body_markdown,
        "visibility": article.visibility,
        "case_number": None,
    }
    return _form_page(
        request,
        me,
        heading=f"Edit “{article.title}”",
        action=f"/app/articles/{article.slug}/edit",
        values=values,
    )


@router.post("/app/articles/{slug}/edit")
async def edit_article(slug: str, request: Request, session: WriteSession, me: PageRep) -> Response:
    form = await forms.read_form(request)
    values = _values(form) | {"case_number": None}
    heading, action = "Edit the article", f"/app/articles/{slug}/edit"
    if form.get("do") == "preview":
        return _form_page(
            request, me, heading=heading, action=action, values=values, preview=values["body"]
        )
    try:
        article = await service.edit_article(
            session,
            slug,
            title=values["title"],
            body=values["body"],
            visibility=values["visibility"],
            actor=auth.actor_of(me),
            now=utcnow(),
        )
    except DomainError as exc:
        await session.rollback()
        return _form_page(
            request,
            me,
            heading=heading,
            action=action,
            values=values,
            error=exc.message,
            status_code=exc.status_code,
        )
    return RedirectResponse(f"/app/articles/{article.slug}", status_code=303)


# --- Customers ----------------------------------------------------------------------------


def _remembered(request: Request, name: str) -> list[str]:
    return [part for part in request.cookies.get(name, "").split(".") if part.isdecimal()]


def _remember(response: Response, request: Request, name: str, article: Article) -> None:
    ids = [*_remembered(request, name), str(article.id)][-REMEMBERED:]
    # A browser-session cookie: counted once per visit, not once per page load.
    response.set_cookie(name, ".".join(ids), httponly=True, samesite="lax", path="/portal")


@router.get("/portal/articles", response_class=HTMLResponse)
async def portal_articles(request: Request, session: ReadSession, q: str = "") -> HTMLResponse:
    articles = await repository.listed(session, public_only=True)
    customer = await signed_in_customer(request, session)
    found, problem = await search_portal(session, q)
    return render(
        request,
        "portal/articles.html",
        {"articles": articles, "customer": customer, "q": q, "found": found, "problem": problem},
    )


@router.get("/portal/articles/{slug}", response_class=HTMLResponse)
async def portal_article(slug: str, request: Request, session: WriteSession) -> Response:
    article = await repository.by_slug(session, slug, public_only=True)
    customer = await signed_in_customer(request, session)
    seen = str(article.id) in _remembered(request, SEEN_COOKIE)
    if not seen:
        await service.viewed(session, article)
    response = render(
        request,
        "portal/article.html",
        {
            "article": article,
            "html": _html(article),
            "customer": customer,
            "thanked": str(article.id) in _remembered(request, HELPED_COOKIE),
        },
    )
    if not seen:
        _remember(response, request, SEEN_COOKIE, article)
    return response


@router.post("/portal/articles/{slug}/helped", dependencies=[Limited])
async def portal_article_helped(slug: str, request: Request, session: WriteSession) -> Response:
    article = await repository.by_slug(session, slug, public_only=True)
    response = RedirectResponse(f"/portal/articles/{article.slug}#helped", status_code=303)
    if str(article.id) not in _remembered(request, HELPED_COOKIE):
        await service.helped(session, article)
        _remember(response, request, HELPED_COOKIE, article)
    return response
