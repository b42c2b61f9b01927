"""Secrets: rep API tokens and customers' status links. Only hashes are stored."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets


def new_rep_token() -> str:
    return "tl_" + secrets.token_urlsafe(32)


def hash_secret(secret: str) -> str:
    """SHA-256 suits tokens of 256 random bits; passwords would need a slow hash."""
    return hashlib.sha256(secret.encode()).hexdigest()


def new_nonce() -> str:
    return secrets.token_hex(16)


def status_token(secret_key: str, nonce: str) -> str:
    """The case's status-link token: unguessable, and derivable again only with the key.

    The database keeps just its hash, so a copy of the database opens no case,
    yet the server can put the same link in every message it sends.
    """
    return _signed(secret_key, f"case-status:{nonce}")


def rating_token(secret_key: str, case_id: int, nonce: str) -> str:
    """The token of a case's one-click rating links: it rates that case and opens nothing."""
    return _signed(secret_key, f"case-rating:{case_id}:{nonce}")


def _signed(secret_key: str, message: str) -> str:
    digest = hmac.new(secret_key.encode(), message.encode(), hashlib.sha256)
    return base64.urlsafe_b64encode(digest.digest()).decode().rstrip("=")
