"""Bearer JWT authentication: HS256 (or the configured HMAC algorithms) only."""

from __future__ import annotations

import warnings
from typing import Any, Final

import jwt

from mock_server.config import DEVELOPMENT_SECRET, Settings
from mock_server.errors import EXPIRED_TOKEN, INVALID_TOKEN, MISSING_TOKEN, Unauthorized

MISSING_MESSAGE: Final = "Missing bearer token: send Authorization: Bearer <token>"


def authenticate(authorization: str | None, settings: Settings) -> dict[str, Any]:
    """The claims of the request's bearer token; raises :class:`Unauthorized` otherwise.

    ``authorization`` is the raw header value (as Latin-1 text, the way ASGI servers
    hand it over). With ``accept_any_token`` any non-empty bearer value is accepted
    and the claims are empty.
    """
    token = bearer_token(authorization)
    if settings.accept_any_token:
        return {}
    return verify_token(token, settings)


def bearer_token(authorization: str | None) -> str:
    if authorization is None:
        raise Unauthorized(MISSING_TOKEN, MISSING_MESSAGE)
    scheme, _, credentials = authorization.strip().partition(" ")
    if scheme.lower() != "bearer":
        raise Unauthorized(MISSING_TOKEN, MISSING_MESSAGE + " (another scheme was sent)")
    token = credentials.strip()
    if not token:
        raise Unauthorized(MISSING_TOKEN, MISSING_MESSAGE + " (the bearer value is empty)")
    return token


def verify_token(token: str, settings: Settings) -> dict[str, Any]:
    if len(token) > settings.max_token_bytes:
        raise Unauthorized(
            INVALID_TOKEN, f"Invalid token: longer than {settings.max_token_bytes} bytes"
        )
    if not token.isascii() or not token.isprintable() or " " in token:
        raise Unauthorized(INVALID_TOKEN, "Invalid token: not a compact JWS (bad characters)")
    if token.count(".") != 2:
        raise Unauthorized(INVALID_TOKEN, "Invalid token: not a compact JWS (expected 3 parts)")
    try:
        with warnings.catch_warnings():
            # A short configured secret is reported once at startup, not per request.
            warnings.simplefilter("ignore", jwt.warnings.InsecureKeyLengthWarning)
            claims: dict[str, Any] = jwt.decode(
                token,
                settings.secret,
                algorithms=list(settings.algorithms),
                issuer=settings.issuer,
                audience=settings.audience,
                leeway=settings.leeway_seconds,
                options={
                    "verify_signature": True,
                    "verify_exp": True,
                    "verify_nbf": True,
                    "verify_iat": False,
                    "verify_aud": settings.audience is not None,
                    "verify_iss": settings.issuer is not None,
                },
            )
    except jwt.ExpiredSignatureError:
        raise Unauthorized(EXPIRED_TOKEN, "Expired token: its exp is in the past") from None
    except jwt.ImmatureSignatureError:
        raise Unauthorized(INVALID_TOKEN, "Invalid token: not valid yet (nbf)") from None
    except jwt.InvalidAlgorithmError:
        accepted = ", ".join(settings.algorithms)
        raise Unauthorized(
            INVALID_TOKEN, f"Invalid token: the algorithm is not accepted (accepted: {accepted})"
        ) from None
    except jwt.PyJWTError as error:
        raise Unauthorized(INVALID_TOKEN, f"Invalid token: {_reason(error)}") from None
    except Exception:  # anything a hostile token can provoke in the decoder
        raise Unauthorized(INVALID_TOKEN, "Invalid token: cannot be decoded") from None
    issued = claims.get("iat")
    # iat is informative only (a future iat is allowed), but it must be a NumericDate
    if "iat" in claims and (isinstance(issued, bool) or not isinstance(issued, int | float)):
        raise Unauthorized(INVALID_TOKEN, "Invalid token: iat must be a number")
    return claims


def issue_token(
    settings: Settings,
    *,
    ttl_seconds: int = 3600,
    subject: str | None = "liveness-kit",
    issuer: str | None = None,
    audience: str | None = None,
    now: int | None = None,
) -> str:
    """A token this server accepts (issuer and audience default to the configured ones)."""
    import time

    issued = int(time.time()) if now is None else now
    claims: dict[str, Any] = {"iat": issued, "nbf": issued, "exp": issued + ttl_seconds}
    if subject:
        claims["sub"] = subject
    issuer = issuer if issuer is not None else settings.issuer
    audience = audience if audience is not None else settings.audience
    if issuer:
        claims["iss"] = issuer
    if audience:
        claims["aud"] = audience
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", jwt.warnings.InsecureKeyLengthWarning)
        return jwt.encode(claims, settings.secret, algorithm=settings.algorithms[0])


def is_open(settings: Settings) -> bool:
    """Whether anyone can obtain a token this server accepts (docs/security.md, "Modes").

    Open: any token is accepted, or the secret is the public development secret. Only an
    open server hands out a token (the playground's pre-filled one).
    """
    return settings.accept_any_token or settings.secret == DEVELOPMENT_SECRET


def describe_mode(settings: Settings) -> str:
    """The server's mode in words, as the startup line and docs/security.md say it."""
    if settings.accept_any_token:
        return "open (any bearer token is accepted)"
    if settings.secret == DEVELOPMENT_SECRET:
        return "open (the public development secret: anyone can mint a token)"
    return "closed (tokens must be signed with the configured secret)"


def secret_is_short(settings: Settings) -> bool:
    """Whether the secret is shorter than RFC 7518 recommends for the strongest algorithm."""
    needed = max(int(name[2:]) // 8 for name in settings.algorithms)
    return len(settings.secret.encode("utf-8")) < needed


def _reason(error: Exception) -> str:
    text = str(error).splitlines()[0] if str(error) else type(error).__name__
    return text.rstrip(".").lower() if text else "cannot be decoded"
