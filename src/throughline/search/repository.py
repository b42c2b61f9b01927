"""Every query of the search index: the dialect-specific SQL (FTS5, ``tsvector``) lives here.

The index itself is written by triggers (migration 0009), so a write path pays one
indexed row per message, note, step or case and no round trip; ``rebuild`` refills it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    bindparam,
    cast,
    column,
    func,
    literal_column,
    select,
    table,
    text,
)
from sqlalchemy.dialects.postgresql import TSQUERY
from sqlalchemy.ext.asyncio import AsyncSession

from throughline.models import Article, Case, Step, TeamMember
from throughline.search.rules import (
    MATCH_END,
    MATCH_START,
    Window,
    first_window,
    next_window,
)
from throughline.search.schema import INDEXED_KINDS

# A query matching more documents than this ranks the newest this many: a rep searching a
# desk of millions of messages wants the best of the recent ones, and every search stays
# bounded however common its words are.
RANKED_CANDIDATES = 2000
# "Solved before" ranks the newest this many resolved cases sharing a word with the new one:
# the fixes a rep can still apply are the recent ones, and the panel stays bounded on a desk
# of a million resolved cases whose common words ("printer", "offline") match most of them.
SOLVED_CANDIDATES = 1000
SNIPPET_WORDS = 18

_KINDS = ", ".join(f"'{kind}'" for kind in INDEXED_KINDS)
_FIRST_MESSAGE = (
    "(SELECT t.body FROM timeline_entries t WHERE t.case_id = c.id "
    "AND t.kind = 'message_in' ORDER BY t.id LIMIT 1)"
)


def rebuild_statements(dialect: str) -> list[str]:
    """Refill the whole index from its sources (cases, timeline entries, steps, articles)."""
    if dialect == "sqlite":
        worked = "group_concat(s.description, '. ')"
        return [
            "DELETE FROM search_index",
            "DELETE FROM search_solved",
            "INSERT INTO search_index (rowid, title, body, scope, case_id) "
            "SELECT id * 4, 'TL-' || id || ' ' || subject, coalesce(resolution_summary, ''), "
            "'case', id FROM cases",
            "INSERT INTO search_index (rowid, title, body, scope, case_id) "
            "SELECT id * 4 + 1, '', body, replace(kind, '_', ''), case_id "
            f"FROM timeline_entries WHERE kind IN ({_KINDS}) AND body IS NOT NULL",
            "INSERT INTO search_index (rowid, title, body, scope, case_id) "
            "SELECT id * 4 + 2, title, body_markdown, 'article ' || visibility, NULL "
            "FROM articles",
            _solved_insert("search_solved (rowid, subject, problem, fix)", worked),
            "INSERT INTO search_index (search_index) VALUES ('optimize')",
            "INSERT INTO search_solved (search_solved) VALUES ('optimize')",
        ]
    worked = "string_agg(s.description, '. ' ORDER BY s.id)"
    return [
        "TRUNCATE search_documents, search_solved",
        # In the order they were written, as the triggers would have numbered them.
        "INSERT INTO search_documents (seq, id, scope, case_id, title, body) "
        "SELECT row_number() OVER (ORDER BY at, id), id, scope, case_id, title, body FROM ("
        "SELECT id * 4 AS id, 'case' AS scope, id AS case_id, "
        "'TL-' || id || ' ' || subject AS title, coalesce(resolution_summary, '') AS body, "
        "created_at AS at FROM cases "
        "UNION ALL SELECT id * 4 + 1, replace(kind, '_', ''), case_id, '', body, created_at "
        f"FROM timeline_entries WHERE kind IN ({_KINDS}) AND body IS NOT NULL "
        "UNION ALL SELECT id * 4 + 2, 'article ' || visibility, NULL, title, body_markdown, "
        "created_at FROM articles) AS written ORDER BY 1",
        "SELECT setval('search_documents_seq', coalesce(max(seq), 0) + 1, false) "
        "FROM search_documents",
        _solved_insert("search_solved (case_id, subject, problem, fix)", worked),
        "ANALYZE search_documents",
        "ANALYZE search_solved",
    ]


def _solved_insert(target: str, worked: str) -> str:
    return (
        f"INSERT INTO {target} SELECT c.id, c.subject, coalesce({_FIRST_MESSAGE}, ''), "
        f"coalesce((SELECT {worked} FROM steps s WHERE s.case_id = c.id "
        "AND s.outcome = 'worked'), '') || ' ' || coalesce(c.resolution_summary, '') "
        "FROM cases c WHERE c.status = 'resolved'"
    )


async def rebuild(session: AsyncSession) -> dict[str, int]:
    """Refill the index; returns how many documents each part holds now."""
    dialect = _dialect(session)
    for statement in rebuild_statements(dialect):
        await session.execute(text(statement))
    documents = "search_index" if dialect == "sqlite" else "search_documents"
    return {
        "documents": int(await session.scalar(text(f"SELECT count(*) FROM {documents}")) or 0),
        "solved cases": int(await session.scalar(text("SELECT count(*) FROM search_solved")) or 0),
    }


@dataclass(frozen=True)
class SearchFilter:
    status: str | None = None
    owner_id: int | None = None
    team_id: int | None = None
    since: datetime | None = None
    until: datetime | None = None

    @property
    def on_cases(self) -> bool:
        return any(
            value is not None
            for value in (self.status, self.owner_id, self.team_id, self.since, self.until)
        )


@dataclass(frozen=True)
class Hit:
    doc_id: int
    scope: str
    case_id: int | None
    score: float
    title: str
    snippet: str


def _dialect(session: AsyncSession) -> str:
    return session.get_bind().dialect.name


def _case_conditions(filters: SearchFilter) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if filters.status is not None:
        conditions.append(Case.status == filters.status)
    if filters.owner_id is not None:
        conditions.append(Case.owner_id == filters.owner_id)
    if filters.team_id is not None:
        conditions.append(
            Case.owner_id.in_(
                select(TeamMember.rep_id).where(TeamMember.team_id == filters.team_id)
            )
        )
    if filters.since is not None:
        conditions.append(Case.created_at >= filters.since)
    if filters.until is not None:
        conditions.append(Case.created_at < filters.until)
    return conditions


# SQLite: FTS5. Columns title, body, scope (indexed: "case", "messagein", "note", …), case_id.
_fts = table("search_index", column("rowid"), column("scope"), column("case_id"))
_FTS: ColumnElement[Any] = literal_column("search_index")


def _fts_words(terms: Sequence[str], joiner: str) -> str:
    """An FTS5 expression over title and body: each word quoted, so it is only ever a word."""
    return "{title body} : (" + joiner.join(f'"{term}"' for term in terms) + ")"


def _fts_candidates(match: str, filters: SearchFilter, limit: int) -> Select[tuple[int, ...]]:
    query = select(
        _fts.c.rowid.label("doc_id"),
        _fts.c.scope.label("scope"),
        _fts.c.case_id.label("case_id"),
        (-func.bm25(_FTS, 4.0, 1.0, 0.0)).label("score"),
    ).where(_FTS.op("MATCH")(bindparam("match", match)))
    if filters.on_cases:
        query = query.join(Case, Case.id == _fts.c.case_id).where(*_case_conditions(filters))
    return query.order_by(_fts.c.rowid.desc()).limit(limit)


async def _search_sqlite(
    session: AsyncSession,
    match: str,
    filters: SearchFilter,
    *,
    limit: int,
    offset: int,
) -> list[Hit]:
    candidates = _fts_candidates(match, filters, RANKED_CANDIDATES).subquery()
    ranked = (
        await session.execute(
            select(candidates)
            .order_by(candidates.c.score.desc(), candidates.c.doc_id.desc())
            .limit(limit)
            .offset(offset)
        )
    ).all()
    if not ranked:
        return []
    shown = text(
        "SELECT rowid, highlight(search_index, 0, :start, :end) AS title, "
        "snippet(search_index, 1, :start, :end, '…', :words) AS snippet "
        "FROM search_index WHERE search_index MATCH :match AND rowid IN :ids"
    ).bindparams(bindparam("ids", expanding=True))
    texts = {
        row.rowid: (row.title, row.snippet)
        for row in await session.execute(
            shown,
            {
                "start": MATCH_START,
                "end": MATCH_END,
                "words": SNIPPET_WORDS,
                "match": match,
                "ids": [row.doc_id for row in ranked],
            },
        )
    }
    return [
        Hit(row.doc_id, row.scope, row.case_id, float(row.score), *texts.get(row.doc_id, ("", "")))
        for row in ranked
    ]


# PostgreSQL: a table with a generated tsvector (title weight A, body B) and a GIN index.
_docs = table(
    "search_documents",
    column("id"),
    column("scope"),
    column("case_id"),
    column("title"),
    column("body"),
    column("document"),
    column("seq"),
)
_ENGLISH: ColumnElement[Any] = literal_column("'english'")
_NEWEST = text("SELECT last_value FROM search_documents_seq")


def _tsquery(terms: Sequence[str], joiner: str) -> ColumnElement[object]:
    # The words are letters and digits only (rules.words), so the operators are ours alone.
    return func.to_tsquery(_ENGLISH, bindparam("tsquery", joiner.join(terms)))


async def _search_postgresql(
    session: AsyncSession,
    terms: Sequence[str],
    filters: SearchFilter,
    *,
    limit: int,
    offset: int,
    only: str | None,
    any_word: bool,
) -> list[Hit]:
    words = _tsquery(terms, " | " if any_word else " & ")
    if only is not None:
        # Through the articles table: a few primary-key lookups, where the GIN index would
        # hand over every message of the desk sharing a word, to be dropped by the scope.
        ranked = (
            await session.execute(_ranked(words, filters, only=only), _page(limit, offset))
        ).all()
    else:
        ranked = await _newest_ranked(session, words, filters, _page(limit, offset))
    if not ranked:
        return []
    marks = f"StartSel={MATCH_START}, StopSel={MATCH_END}"
    options = (
        f'{marks}, MaxWords={SNIPPET_WORDS}, MinWords=6, MaxFragments=2, FragmentDelimiter=" … "'
    )
    headline_options = f"{marks}, HighlightAll=true"
    shown = await session.execute(
        select(
            _docs.c.id,
            func.ts_headline(_ENGLISH, _docs.c.title, words, headline_options).label("title"),
            func.ts_headline(_ENGLISH, _docs.c.body, words, options).label("snippet"),
        ).where(_docs.c.id.in_(bindparam("ids", expanding=True))),
        {"ids": [row.id for row in ranked]},
    )
    texts = {row.id: (row.title, row.snippet) for row in shown}
    return [
        Hit(row.id, row.scope, row.case_id, float(row.score), *texts.get(row.id, ("", "")))
        for row in ranked
    ]


def _page(limit: int, offset: int) -> dict[str, int]:
    return {"limit": limit, "offset": offset}


def _ranked(
    words: ColumnElement[object],
    filters: SearchFilter,
    *,
    only: str | None = None,
    spans: bool = False,
) -> Select[Any]:
    """The page of the newest ``RANKED_CANDIDATES`` matches, best first, with how many there
    were; ``spans``: only in the documents the tsquery ``:spans`` names (rules.Window)."""
    match = words
    if spans:
        match = words.op("&&")(cast(bindparam("spans"), TSQUERY))
    candidates = select(_docs.c.id, _docs.c.seq, _docs.c.scope, _docs.c.case_id, _docs.c.document)
    candidates = candidates.where(_docs.c.document.op("@@")(match))
    if only is not None:
        candidates = candidates.where(_docs.c.id.in_(select(Article.id * 4 + 2)))
    if only == "public":
        candidates = candidates.where(_docs.c.scope == "article public")
    elif only == "article":
        candidates = candidates.where(_docs.c.scope.like("article %"))
    if filters.on_cases:
        candidates = candidates.join(Case, Case.id == _docs.c.case_id).where(
            *_case_conditions(filters)
        )
    # "seq + 0": the newest matches are taken from the GIN index's bitmap, never by walking
    # the whole order backwards in search of words that are rare among the newest.
    newest = (_docs.c.seq + literal_column("0")) if only is None else _docs.c.seq
    found = candidates.order_by(newest.desc()).limit(RANKED_CANDIDATES).subquery()
    score = func.ts_rank(found.c.document, words).label("score")
    return (
        select(
            found.c.id,
            found.c.scope,
            found.c.case_id,
            score,
            func.count().over().label("found"),
        )
        .order_by(score.desc(), found.c.seq.desc())
        .limit(bindparam("limit"))
        .offset(bindparam("offset"))
    )


async def _newest_ranked(
    session: AsyncSession,
    words: ColumnElement[object],
    filters: SearchFilter,
    page: dict[str, int],
) -> Sequence[Any]:
    """Look in the newest spans of documents, then in bigger ones while they hold fewer than
    ``RANKED_CANDIDATES`` matches, at last in all: the cost follows the matches ranked, not
    how many older documents share the words."""
    # The sequence's last number: documents still being written may lie below it, none above.
    newest = int(await session.scalar(_NEWEST) or 0)
    window: Window | None = first_window(newest)
    while window is not None:
        ranked = (
            await session.execute(
                _ranked(words, filters, spans=True), {**page, "spans": window.tsquery()}
            )
        ).all()
        # (A page past the matches has no rows: it is looked for in the whole index.)
        found = ranked[0].found if ranked else 0
        if found >= RANKED_CANDIDATES or window.whole:
            return ranked
        window = next_window(window, found, RANKED_CANDIDATES)
    return (await session.execute(_ranked(words, filters), page)).all()


async def search(
    session: AsyncSession,
    terms: Sequence[str],
    filters: SearchFilter,
    *,
    limit: int,
    offset: int,
    only: str | None = None,
    any_word: bool = False,
) -> list[Hit]:
    """Documents holding every one of ``terms`` (or any, ``any_word``), best first, with
    marked title and snippet. ``only``: "article" (articles), "public" (public articles)."""
    if _dialect(session) == "sqlite":
        match = _fts_words(terms, " OR " if any_word else " ")
        if only is not None:
            match = f"({match}) AND scope : {only}"
        return await _search_sqlite(session, match, filters, limit=limit, offset=offset)
    return await _search_postgresql(
        session, terms, filters, limit=limit, offset=offset, only=only, any_word=any_word
    )


async def articles_by_id(session: AsyncSession, ids: set[int]) -> dict[int, Article]:
    if not ids:
        return {}
    found = await session.scalars(select(Article).where(Article.id.in_(ids)))
    return {article.id: article for article in found}


def article_id(doc_id: int) -> int:
    return (doc_id - 2) // 4


@dataclass(frozen=True)
class Solved:
    case_id: int
    score: float


_solved_fts = table("search_solved", column("rowid"))
_SOLVED: ColumnElement[Any] = literal_column("search_solved")
_solved_pg = table("search_solved", column("case_id"), column("document"))


async def solved_like(
    session: AsyncSession, terms: Sequence[str], *, exclude_case_id: int | None, limit: int
) -> list[Solved]:
    """Resolved cases sharing the most telling of ``terms`` (any of them), best first:
    BM25 on SQLite, ``ts_rank`` on PostgreSQL, among the newest ``SOLVED_CANDIDATES``
    resolved cases that share a word."""
    if not terms:
        return []
    if _dialect(session) == "sqlite":
        # FTS5 walks the doclists newest rowid first and stops at the limit; bm25 is then
        # computed for those rows only.
        match = " OR ".join(f'"{term}"' for term in terms)
        found = select(
            _solved_fts.c.rowid.label("case_id"),
            (-func.bm25(_SOLVED, 2.0, 1.0, 1.0)).label("score"),
        ).where(_SOLVED.op("MATCH")(bindparam("match", match)))
        if exclude_case_id is not None:
            found = found.where(_solved_fts.c.rowid != exclude_case_id)
        candidates = found.order_by(_solved_fts.c.rowid.desc()).limit(SOLVED_CANDIDATES).subquery()
        query = (
            select(candidates.c.case_id, candidates.c.score)
            .order_by(candidates.c.score.desc(), candidates.c.case_id.desc())
            .limit(limit)
        )
    else:
        # A backward walk of the primary key that stops at the limit: common words fill it
        # within a few thousand rows, where ranking every match would read most of the table.
        tsquery = _tsquery(terms, " | ")
        found_pg = select(_solved_pg.c.case_id, _solved_pg.c.document).where(
            _solved_pg.c.document.op("@@")(tsquery)
        )
        if exclude_case_id is not None:
            found_pg = found_pg.where(_solved_pg.c.case_id != exclude_case_id)
        newest = found_pg.order_by(_solved_pg.c.case_id.desc()).limit(SOLVED_CANDIDATES).subquery()
        score = func.ts_rank(newest.c.document, tsquery, 1).label("score")
        query = (
            select(newest.c.case_id, score)
            .order_by(score.desc(), newest.c.case_id.desc())
            .limit(limit)
        )
    return [Solved(row.case_id, float(row.score)) for row in await session.execute(query)]


async def worked_steps(session: AsyncSession, case_ids: Sequence[int]) -> dict[int, list[str]]:
    """The steps that worked on each of these cases, in the order they were tried."""
    found: dict[int, list[str]] = {case_id: [] for case_id in case_ids}
    if not case_ids:
        return found
    rows = await session.execute(
        select(Step.case_id, Step.description)
        .where(and_(Step.case_id.in_(case_ids), Step.outcome == "worked"))
        .order_by(Step.id)
    )
    for row in rows:
        found[row.case_id].append(row.description)
    return found
