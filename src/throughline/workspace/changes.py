"""The one hook that tells live pages about a write: collected in the session, sent at commit.

Every flush notes which work lists and case pages its rows change (a case, its old
and new owner; a row with a ``case_id``; a rep). Statements that bypass the ORM's
flush (Core ``update``/``delete``) name theirs with :func:`touch`. Just before the
unit of work commits, PostgreSQL gets one ``pg_notify`` in the same transaction
(delivered to every process's listener only if the commit succeeds); on SQLite the
keys go into a row of ``live_changes`` in the same transaction (the other processes'
hubs read it) and the commit hands them to this process's hub. See ``kit/fanout.py``.
"""

from __future__ import annotations

from collections.abc import Iterable
from itertools import chain
from typing import Any

from sqlalchemy import event, insert, inspect, text
from sqlalchemy.orm import Session
from sqlalchemy.orm.util import identity_key

from throughline.kit.fanout import CHANNEL, KEEP_CHANGES, Hub, case_key, encode, rep_key
from throughline.kit.queries import table_of
from throughline.models import Case, LiveChange, Rep

_KEYS = "live_keys"
_HUB = "live_hub"
_NOTIFY = text("SELECT pg_notify(:channel, :payload)")
_PRUNE = text("DELETE FROM live_changes WHERE id <= :below")
_WRITE_CHANGE = insert(table_of(LiveChange)).returning(table_of(LiveChange).c.id)


class LiveSession(Session):
    """The sessions of a :class:`~throughline.db.Database`: they carry its hub in ``info``."""


def touch(
    session: Any, *, reps: Iterable[int | None] = (), cases: Iterable[int | None] = ()
) -> None:
    """Name what a statement outside the ORM's flush changed (``session``: sync or async)."""
    keys = _keys(session.info)
    keys.update(rep_key(rep) for rep in reps if rep is not None)
    keys.update(case_key(case) for case in cases if case is not None)


def _keys(info: dict[str, Any]) -> set[str]:
    keys: set[str] | None = info.get(_KEYS)
    if keys is None:
        keys = info[_KEYS] = set()
    return keys


def _owner_in_session(session: Session, case_id: int) -> int | None:
    case = session.identity_map.get(identity_key(Case, case_id))
    return case.owner_id if isinstance(case, Case) else None


def _note(session: Session, keys: set[str], row: object, *, new: bool) -> None:
    if isinstance(row, Case):
        keys.add(case_key(row.id))
        owners = inspect(row).attrs.owner_id.history
        for owner in chain(owners.added, owners.deleted, owners.unchanged):
            if owner is not None:
                keys.add(rep_key(owner))
    elif isinstance(row, Rep):
        if new or session.is_modified(row):
            keys.add(rep_key(row.id))
    else:
        case_id = getattr(row, "case_id", None)
        if isinstance(case_id, int):
            keys.add(case_key(case_id))
            owner = _owner_in_session(session, case_id)
            if owner is not None:
                keys.add(rep_key(owner))


def inserted(session: Any, row: object) -> None:
    """Name what a row inserted outside the ORM's flush changes (``session``: sync or async)."""
    sync: Session = getattr(session, "sync_session", session)
    if _HUB in sync.info:
        _note(sync, _keys(sync.info), row, new=True)


@event.listens_for(LiveSession, "after_flush")
def _collect(session: Session, _context: Any) -> None:
    if _HUB not in session.info:
        return
    keys = _keys(session.info)
    new = session.new
    for row in chain(new, session.dirty, session.deleted):
        _note(session, keys, row, new=row in new)


@event.listens_for(LiveSession, "before_commit")
def _notify(session: Session) -> None:
    hub: Hub | None = session.info.get(_HUB)
    if hub is None or (hub.dsn is None and hub.sqlite_path is None):
        return
    session.flush()  # the commit would flush after this hook: collect its keys now
    keys = session.info.get(_KEYS)
    if not keys:
        return
    if hub.dsn is not None:
        session.execute(_NOTIFY, {"channel": CHANNEL, "payload": encode(keys)})
        return
    written = session.scalar(_WRITE_CHANGE, {"origin": hub.origin, "keys": encode(keys)})
    # One write in KEEP_CHANGES also deletes the rows every process has long read.
    if written is not None and written % KEEP_CHANGES == 0:
        session.execute(_PRUNE, {"below": written - KEEP_CHANGES})


@event.listens_for(LiveSession, "after_commit")
def _publish(session: Session) -> None:
    hub: Hub | None = session.info.get(_HUB)
    keys = session.info.pop(_KEYS, None)
    if hub is None or not keys:
        return
    if hub.dsn is None:
        hub.publish(keys)  # this process's pages at once; the others' read live_changes
    else:
        # The streams wake when the notification comes back, but what this process
        # remembers about the keys (a sign-in) must not outlive the commit by that trip.
        hub.forget(keys)


@event.listens_for(LiveSession, "after_rollback")
def _forget(session: Session) -> None:
    session.info.pop(_KEYS, None)


def session_options(hub: Hub) -> dict[str, Any]:
    """What :meth:`Database.sessionmaker` passes so its sessions report to ``hub``."""
    return {"sync_session_class": LiveSession, "info": {_HUB: hub}}
