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
    digest = hmac.new(secret_key.encode(), f"case-status:{nonce}".encode(), hashlib.sha256)
    return base64.urlsafe_b64encode(digest.digest()).decode().rstrip("=")
