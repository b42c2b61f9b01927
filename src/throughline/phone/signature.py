"""The X-Twilio-Signature scheme: HMAC-SHA1 of the full URL and the sorted POST parameters.

The provider signs the URL it called, followed by every POST parameter name
and value, sorted by name, concatenated without separators; base64 of the
HMAC-SHA1 digest with the account's auth token as the key.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Iterable


def compute(auth_token: str, url: str, params: Iterable[tuple[str, str]]) -> str:
    payload = url + "".join(name + value for name, value in sorted(params))
    digest = hmac.new(auth_token.encode(), payload.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def is_valid(auth_token: str, url: str, params: Iterable[tuple[str, str]], signature: str) -> bool:
    return hmac.compare_digest(compute(auth_token, url, params), signature)
