"""Secrets behind rep tokens and status links (kit/security.py)."""

from __future__ import annotations

import re

from throughline.kit.security import hash_secret, new_nonce, new_rep_token, status_token


def test_status_tokens_differ_per_nonce() -> None:
    tokens = {status_token("key", new_nonce()) for _ in range(50)}
    assert len(tokens) == 50


def test_a_status_token_is_derived_again_from_key_and_nonce() -> None:
    nonce = new_nonce()
    assert status_token("key", nonce) == status_token("key", nonce)


def test_a_status_token_needs_the_key() -> None:
    nonce = new_nonce()
    assert status_token("key", nonce) != status_token("other-key", nonce)


def test_a_status_token_fits_in_a_url() -> None:
    token = status_token("key", new_nonce())
    assert re.fullmatch(r"[A-Za-z0-9_-]{43}", token)


def test_hash_is_stable_and_hides_the_secret() -> None:
    assert hash_secret("tl_abc") == hash_secret("tl_abc")
    assert hash_secret("tl_abc") != hash_secret("tl_abd")
    assert "abc" not in hash_secret("tl_abc")
    assert re.fullmatch(r"[0-9a-f]{64}", hash_secret("tl_abc"))


def test_rep_tokens_are_unique_and_recognisable() -> None:
    tokens = {new_rep_token() for _ in range(50)}
    assert len(tokens) == 50
    assert all(token.startswith("tl_") and len(token) > 40 for token in tokens)
