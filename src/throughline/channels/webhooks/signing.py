"""Signing webhook bodies: ``X-Throughline-Signature: sha256=<hex HMAC-SHA256 of the body>``.

A channel's signing secret is derived from the app's secret key and the
channel's nonce, so the database never holds it; the same secret signs what
we send and checks what we receive.
"""

from __future__ import annotations

import hashlib
import hmac

HEADER = "X-Throughline-Signature"
PREFIX = "sha256="


def channel_secret(secret_key: str, nonce: str) -> str:
    """The secret a bridge signs with: HMAC-SHA256(app secret key, "channel:" + nonce), hex."""
    return hmac.new(secret_key.encode(), f"channel:{nonce}".encode(), hashlib.sha256).hexdigest()


def sign(secret: str, body: bytes) -> str:
    """The header value for ``body``: ``sha256=`` and the hex HMAC-SHA256 keyed by ``secret``."""
    return PREFIX + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def verify(secret: str, body: bytes, header: str | None) -> bool:
    """True only for a well-formed header carrying the body's signature (constant time)."""
    if not header:
        return False
    return hmac.compare_digest(sign(secret, body).encode(), header.strip().lower().encode())
