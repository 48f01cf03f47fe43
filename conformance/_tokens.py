"""Tokens the suite mints to probe authentication; none needs the server's secret
except the validly signed expired one."""

from __future__ import annotations

from typing import Any

import jwt

WRONG_KEY = "conformance-suite-wrong-key-0123456789abcdef0123456789abcdef"
EXPIRED_AT = 946_684_800  # 2000-01-01T00:00:00Z
FALLBACK_CLAIMS: dict[str, Any] = {"sub": "conformance", "iat": 1_700_000_000}


def claims_of(token: str) -> dict[str, Any]:
    """The claims of ``token`` (unverified), or neutral ones when it is not a JWT."""
    try:
        claims = jwt.decode(token, options={"verify_signature": False})
    except jwt.PyJWTError:
        return dict(FALLBACK_CLAIMS)
    return dict(claims) if isinstance(claims, dict) else dict(FALLBACK_CLAIMS)


def algorithm_of(token: str) -> str:
    try:
        algorithm = jwt.get_unverified_header(token).get("alg")
    except jwt.PyJWTError:
        return "HS256"
    return algorithm if algorithm in ("HS256", "HS384", "HS512") else "HS256"


def wrong_key(token: str) -> str:
    return jwt.encode(claims_of(token), WRONG_KEY, algorithm=algorithm_of(token))


def unsigned(token: str) -> str:
    return jwt.encode(claims_of(token), None, algorithm="none")


def expired(token: str, secret: str) -> str:
    claims = claims_of(token)
    claims.update(iat=EXPIRED_AT - 3600, exp=EXPIRED_AT)
    claims.pop("nbf", None)
    return jwt.encode(claims, secret, algorithm=algorithm_of(token))
