"""Workspace links: random tokens, kept only as hashes, compared in constant time.

A token is shown once (``operators link``) and never stored, logged or rendered; the ledger keeps
its SHA-256, and a request's token is hashed and looked up by that hash. The CSRF value of a
session is derived from its token, so a page can prove it was served to the token's holder.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

#: Bytes of randomness in a token (43 URL-safe characters).
TOKEN_BYTES = 32


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def csrf_value(token: str) -> str:
    """The CSRF value of the session holding ``token`` (a keyed hash: not the token, not its hash)."""
    return hmac.new(token.encode("utf-8"), b"sopengine csrf", hashlib.sha256).hexdigest()


def csrf_ok(token: str, sent: str | None) -> bool:
    return sent is not None and hmac.compare_digest(csrf_value(token), sent)
