"""Files customers send (attachments, inline images, log files), stored content-addressed.

The content goes to ``var/attachments/<aa>/<sha256>`` (written once, atomically,
shared by every message that carries the same bytes); a ``StoredFile`` row ties
it to its case, timeline entry and inbound message with its name and type.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from datetime import datetime
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession

from throughline.config import Settings
from throughline.models import StoredFile


def file_path(settings: Settings, sha256: str) -> Path:
    if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
        raise ValueError("not a sha256 hex digest")
    return settings.attachments_dir / sha256[:2] / sha256


def write_content(settings: Settings, data: bytes) -> str:
    """Store ``data`` under its digest (durably: fsync, then rename) and return the digest."""
    digest = hashlib.sha256(data).hexdigest()
    path = file_path(settings, digest)
    if path.exists():
        return digest
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".incoming-")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return digest


def read_content(settings: Settings, stored: StoredFile) -> bytes | None:
    """The file's bytes; None when it was over the size limit and not kept."""
    if stored.too_large:
        return None
    return file_path(settings, stored.sha256).read_bytes()


def store_file(
    session: AsyncSession,
    settings: Settings,
    *,
    case_id: int,
    filename: str,
    content_type: str,
    data: bytes | None,
    now: datetime,
    size: int | None = None,
    sha256: str | None = None,
    timeline_entry_id: int | None = None,
    inbound_message_id: int | None = None,
    is_inline: bool = False,
    content_id: str | None = None,
) -> StoredFile:
    """Keep a file for a case. ``data=None`` records a file too large to keep (name and size).

    The bytes are written before the row is added, so a committed row always has its content.
    """
    if data is not None:
        digest = write_content(settings, data)
        size = len(data)
    else:
        if size is None or sha256 is None:
            raise ValueError("a file not kept still needs its size and sha256")
        digest = sha256
    stored = StoredFile(
        sha256=digest,
        size=size,
        content_type=content_type[:200],
        filename=filename[:255],
        case_id=case_id,
        timeline_entry_id=timeline_entry_id,
        inbound_message_id=inbound_message_id,
        is_inline=is_inline,
        content_id=content_id[:255] if content_id else None,
        too_large=data is None,
        created_at=now,
    )
    session.add(stored)
    return stored
