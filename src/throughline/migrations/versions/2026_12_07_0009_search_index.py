"""search index: cases, timeline messages and steps, solved cases for "similar cases"

SQLite: FTS5 virtual tables (porter stemming). PostgreSQL: tables with a stored, generated
``tsvector`` and a GIN index. On both, triggers keep the index in step with every write, in
the same transaction and without a round trip from the application: one indexed row per
new case, per message or note, and per resolved case.

Document ids in ``search_index`` / ``search_documents``: a case is ``id * 4``, a timeline
entry ``id * 4 + 1``, an article ``id * 4 + 2`` (scope "article public" or
"article internal", so that the portal can search public ones only).

Revision ID: 0009
Revises: 0010
Create Date: 2026-12-07 06:30:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0009"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

KINDS = "('message_in', 'message_out', 'note', 'step', 'escalation', 'escalation_answer')"

# What a resolved case is found by: its problem (the first message) and what fixed it.
_FIRST_MESSAGE = (
    "(SELECT t.body FROM timeline_entries t WHERE t.case_id = {c}.id "
    "AND t.kind = 'message_in' ORDER BY t.id LIMIT 1)"
)
_WORKED = "(SELECT {agg} FROM steps s WHERE s.case_id = {c}.id AND s.outcome = 'worked')"

SQLITE = [
    "CREATE VIRTUAL TABLE search_index USING fts5(title, body, scope, case_id UNINDEXED, "
    "tokenize = 'porter unicode61 remove_diacritics 2')",
    "CREATE VIRTUAL TABLE search_solved USING fts5(subject, problem, fix, "
    "tokenize = 'porter unicode61 remove_diacritics 2')",
    f"""CREATE TRIGGER search_timeline_insert AFTER INSERT ON timeline_entries
    WHEN new.kind IN {KINDS} AND new.body IS NOT NULL BEGIN
      INSERT INTO search_index (rowid, title, body, scope, case_id)
      VALUES (new.id * 4 + 1, '', new.body, replace(new.kind, '_', ''), new.case_id);
    END""",
    """CREATE TRIGGER search_timeline_delete AFTER DELETE ON timeline_entries
    WHEN old.kind IN {KINDS} BEGIN
      DELETE FROM search_index WHERE rowid = old.id * 4 + 1;
    END""".replace("{KINDS}", KINDS),
    """CREATE TRIGGER search_case_insert AFTER INSERT ON cases BEGIN
      INSERT INTO search_index (rowid, title, body, scope, case_id)
      VALUES (new.id * 4, 'TL-' || new.id || ' ' || new.subject,
              coalesce(new.resolution_summary, ''), 'case', new.id);
    END""",
    """CREATE TRIGGER search_case_update AFTER UPDATE OF subject, resolution_summary ON cases
    WHEN new.subject IS NOT old.subject
      OR new.resolution_summary IS NOT old.resolution_summary BEGIN
      UPDATE search_index SET title = 'TL-' || new.id || ' ' || new.subject,
        body = coalesce(new.resolution_summary, '') WHERE rowid = new.id * 4;
    END""",
    f"""CREATE TRIGGER search_case_solved AFTER UPDATE OF status ON cases
    WHEN new.status = 'resolved' AND old.status <> 'resolved' BEGIN
      DELETE FROM search_solved WHERE rowid = new.id;
      INSERT INTO search_solved (rowid, subject, problem, fix)
      VALUES (new.id, new.subject, coalesce({_FIRST_MESSAGE.format(c="new")}, ''),
              coalesce({_WORKED.format(agg="group_concat(s.description, '. ')", c="new")}, '')
              || ' ' || coalesce(new.resolution_summary, ''));
    END""",
    """CREATE TRIGGER search_case_reopened AFTER UPDATE OF status ON cases
    WHEN old.status = 'resolved' AND new.status <> 'resolved' BEGIN
      DELETE FROM search_solved WHERE rowid = new.id;
    END""",
    """CREATE TRIGGER search_article_insert AFTER INSERT ON articles BEGIN
      INSERT INTO search_index (rowid, title, body, scope, case_id)
      VALUES (new.id * 4 + 2, new.title, new.body_markdown, 'article ' || new.visibility, NULL);
    END""",
    """CREATE TRIGGER search_article_update
    AFTER UPDATE OF title, body_markdown, visibility ON articles BEGIN
      UPDATE search_index SET title = new.title, body = new.body_markdown,
        scope = 'article ' || new.visibility WHERE rowid = new.id * 4 + 2;
    END""",
    """CREATE TRIGGER search_article_delete AFTER DELETE ON articles BEGIN
      DELETE FROM search_index WHERE rowid = old.id * 4 + 2;
    END""",
    """CREATE TRIGGER search_case_delete AFTER DELETE ON cases BEGIN
      DELETE FROM search_index WHERE rowid = old.id * 4;
      DELETE FROM search_solved WHERE rowid = old.id;
    END""",
]

# "TL-1042" would parse as "tl" and the signed number "-1042": index the number as a word.
_PG_DOCUMENT = (
    "setweight(to_tsvector('english', replace(title, 'TL-', 'TL ')), 'A') || "
    "setweight(to_tsvector('english', body), 'B')"
)
_PG_SOLVED = (
    "setweight(to_tsvector('english', subject), 'A') || "
    "setweight(to_tsvector('english', problem), 'B') || "
    "setweight(to_tsvector('english', fix), 'C')"
)

POSTGRESQL = [
    f"""CREATE TABLE search_documents (
      id bigint PRIMARY KEY,
      scope text NOT NULL,
      case_id bigint,
      title text NOT NULL DEFAULT '',
      body text NOT NULL DEFAULT '',
      document tsvector GENERATED ALWAYS AS ({_PG_DOCUMENT}) STORED)""",
    "CREATE INDEX search_documents_document ON search_documents USING gin (document)",
    f"""CREATE TABLE search_solved (
      case_id bigint PRIMARY KEY,
      subject text NOT NULL DEFAULT '',
      problem text NOT NULL DEFAULT '',
      fix text NOT NULL DEFAULT '',
      document tsvector GENERATED ALWAYS AS ({_PG_SOLVED}) STORED)""",
    "CREATE INDEX search_solved_document ON search_solved USING gin (document)",
    f"""CREATE FUNCTION search_timeline_changed() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF TG_OP = 'DELETE' THEN
        DELETE FROM search_documents WHERE id = OLD.id * 4 + 1;
        RETURN OLD;
      END IF;
      IF NEW.kind IN {KINDS} AND NEW.body IS NOT NULL THEN
        INSERT INTO search_documents (id, scope, case_id, body)
        VALUES (NEW.id * 4 + 1, replace(NEW.kind, '_', ''), NEW.case_id, NEW.body);
      END IF;
      RETURN NEW;
    END $$""",
    """CREATE TRIGGER search_timeline_changed AFTER INSERT OR DELETE ON timeline_entries
    FOR EACH ROW EXECUTE FUNCTION search_timeline_changed()""",
    f"""CREATE FUNCTION search_case_changed() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF TG_OP = 'DELETE' THEN
        DELETE FROM search_documents WHERE id = OLD.id * 4;
        DELETE FROM search_solved WHERE case_id = OLD.id;
        RETURN OLD;
      END IF;
      IF TG_OP = 'INSERT' THEN
        INSERT INTO search_documents (id, scope, case_id, title, body)
        VALUES (NEW.id * 4, 'case', NEW.id, 'TL-' || NEW.id || ' ' || NEW.subject,
                coalesce(NEW.resolution_summary, ''));
        RETURN NEW;
      END IF;
      IF NEW.subject IS DISTINCT FROM OLD.subject
         OR NEW.resolution_summary IS DISTINCT FROM OLD.resolution_summary THEN
        UPDATE search_documents SET title = 'TL-' || NEW.id || ' ' || NEW.subject,
          body = coalesce(NEW.resolution_summary, '') WHERE id = NEW.id * 4;
      END IF;
      IF NEW.status = 'resolved' AND OLD.status <> 'resolved' THEN
        DELETE FROM search_solved WHERE case_id = NEW.id;
        INSERT INTO search_solved (case_id, subject, problem, fix)
        VALUES (NEW.id, NEW.subject, coalesce({_FIRST_MESSAGE.format(c="NEW")}, ''),
                coalesce({
        _WORKED.format(agg="string_agg(s.description, '. ' ORDER BY s.id)", c="NEW")
    }, '')
                || ' ' || coalesce(NEW.resolution_summary, ''));
      ELSIF OLD.status = 'resolved' AND NEW.status <> 'resolved' THEN
        DELETE FROM search_solved WHERE case_id = NEW.id;
      END IF;
      RETURN NEW;
    END $$""",
    """CREATE TRIGGER search_case_changed AFTER INSERT OR UPDATE OR DELETE ON cases
    FOR EACH ROW EXECUTE FUNCTION search_case_changed()""",
    """CREATE FUNCTION search_article_changed() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF TG_OP = 'DELETE' THEN
        DELETE FROM search_documents WHERE id = OLD.id * 4 + 2;
        RETURN OLD;
      END IF;
      IF TG_OP = 'INSERT' THEN
        INSERT INTO search_documents (id, scope, title, body)
        VALUES (NEW.id * 4 + 2, 'article ' || NEW.visibility, NEW.title, NEW.body_markdown);
      ELSIF NEW.title IS DISTINCT FROM OLD.title OR NEW.body_markdown IS DISTINCT FROM
          OLD.body_markdown OR NEW.visibility IS DISTINCT FROM OLD.visibility THEN
        UPDATE search_documents SET title = NEW.title, body = NEW.body_markdown,
          scope = 'article ' || NEW.visibility WHERE id = NEW.id * 4 + 2;
      END IF;
      RETURN NEW;
    END $$""",
    """CREATE TRIGGER search_article_changed AFTER INSERT OR UPDATE OR DELETE ON articles
    FOR EACH ROW EXECUTE FUNCTION search_article_changed()""",
]

SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS search_timeline_insert",
    "DROP TRIGGER IF EXISTS search_timeline_delete",
    "DROP TRIGGER IF EXISTS search_case_insert",
    "DROP TRIGGER IF EXISTS search_case_update",
    "DROP TRIGGER IF EXISTS search_case_solved",
    "DROP TRIGGER IF EXISTS search_case_reopened",
    "DROP TRIGGER IF EXISTS search_case_delete",
    "DROP TRIGGER IF EXISTS search_article_insert",
    "DROP TRIGGER IF EXISTS search_article_update",
    "DROP TRIGGER IF EXISTS search_article_delete",
    "DROP TABLE IF EXISTS search_solved",
    "DROP TABLE IF EXISTS search_index",
]

POSTGRESQL_DOWN = [
    "DROP TRIGGER IF EXISTS search_case_changed ON cases",
    "DROP TRIGGER IF EXISTS search_timeline_changed ON timeline_entries",
    "DROP TRIGGER IF EXISTS search_article_changed ON articles",
    "DROP FUNCTION IF EXISTS search_article_changed()",
    "DROP FUNCTION IF EXISTS search_case_changed()",
    "DROP FUNCTION IF EXISTS search_timeline_changed()",
    "DROP TABLE IF EXISTS search_solved",
    "DROP TABLE IF EXISTS search_documents",
]


def _run(statements: list[str]) -> None:
    for statement in statements:
        op.execute(statement)


def upgrade() -> None:
    from throughline.search.repository import rebuild_statements

    dialect = op.get_bind().dialect.name
    _run(SQLITE if dialect == "sqlite" else POSTGRESQL)
    # A desk that already has cases finds them at once.
    if dialect == "sqlite":
        _run(rebuild_statements(dialect))
    # PostgreSQL's documents are refilled by 0014, for whose table today's statements are.


def downgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    _run(SQLITE_DOWN if sqlite else POSTGRESQL_DOWN)
