"""The errors the server answers with, each knowing its status and contract body.

::

    ApiError                      status, code, message -> ErrorBody
     ├── Unauthorized             401  missing_token | invalid_token | expired_token
     ├── PayloadTooLarge          413  payload_too_large (with part and limit)
     ├── BadRequest               400  not_multipart | malformed_multipart | duplicate_part
     │                                 | missing_media | media content codes
     ├── ValidationFailed         422  every invalid tuning value and unknown field at once
     ├── RouteError               404 / 405 for paths and methods outside the contract
     └── PlaygroundError          any status, for the playground's own endpoints

Handlers raise these; ``app`` turns them into responses at one boundary, where any other
exception from a third-party library is mapped too, so no client input becomes a 500.
"""

from __future__ import annotations

from typing import Any, Final

MISSING_TOKEN: Final = "missing_token"
INVALID_TOKEN: Final = "invalid_token"
EXPIRED_TOKEN: Final = "expired_token"
PAYLOAD_TOO_LARGE: Final = "payload_too_large"
NOT_MULTIPART: Final = "not_multipart"
MALFORMED_MULTIPART: Final = "malformed_multipart"
DUPLICATE_PART: Final = "duplicate_part"
MISSING_MEDIA: Final = "missing_media"
INVALID_BASE64: Final = "invalid_base64"
EMPTY_FILE: Final = "empty_file"
CORRUPT_IMAGE: Final = "corrupt_image"
CORRUPT_VIDEO: Final = "corrupt_video"
VIDEO_TOO_LONG: Final = "video_too_long"

# Media codes the contract's ErrorBody enumerates; anything else is mapped in ``media_code``.
MEDIA_CODES: Final = frozenset(
    {
        EMPTY_FILE,
        INVALID_BASE64,
        "unsupported_image_format",
        CORRUPT_IMAGE,
        "image_too_large",
        "unsupported_video_format",
        CORRUPT_VIDEO,
        "no_video_stream",
        VIDEO_TOO_LONG,
    }
)
_MEDIA_CODE_ALIASES: Final = {"video_too_large": VIDEO_TOO_LONG}


class ApiError(Exception):
    """An error response: ``status`` and the JSON ``body`` the contract prescribes."""

    status: int = 400

    def __init__(
        self,
        code: str,
        message: str,
        *,
        part: str | None = None,
        limit: int | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = " ".join(message.split()) or code
        self.part = part
        self.limit = limit
        self.headers = headers or {}

    def body(self) -> dict[str, Any]:
        detail: dict[str, Any] = {"code": self.code}
        if self.part is not None:
            detail["part"] = self.part
        if self.limit is not None:
            detail["limit"] = self.limit
        return {"detail": detail, "message": self.message}

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.code!r}, {self.message!r})"


class Unauthorized(ApiError):
    status = 401

    def __init__(self, code: str, message: str) -> None:
        super().__init__(code, message, headers={"WWW-Authenticate": _challenge(code, message)})


class PayloadTooLarge(ApiError):
    status = 413

    def __init__(self, limit: int, *, part: str | None = None, what: str | None = None) -> None:
        if what is None:
            what = f"{part}: part larger than" if part else "request body larger than"
        super().__init__(PAYLOAD_TOO_LARGE, f"{what} {limit} bytes", part=part, limit=limit)


class BadRequest(ApiError):
    status = 400


class ValidationFailed(ApiError):
    """422: ``problems`` maps each invalid or unknown field to its messages."""

    status = 422

    def __init__(self, problems: dict[str, list[str]], *, tuning_only: bool) -> None:
        names = ", ".join(sorted(problems))
        kind = "tuning values" if tuning_only else "fields"
        super().__init__("validation_failed", f"Invalid {kind}: {names}")
        self.problems = {name: list(problems[name]) for name in sorted(problems)}

    def body(self) -> dict[str, Any]:
        return {"detail": {"body": self.problems}, "message": self.message}


class RouteError(ApiError):
    """A path or method the contract does not define (404 or 405)."""

    def __init__(self, status: int, code: str, message: str, headers: dict[str, str]) -> None:
        super().__init__(code, message, headers=headers)
        self.status = status


class PlaygroundError(ApiError):
    """A request to a playground endpoint (outside the contract) that cannot be served."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(code, message)
        self.status = status


def media_code(code: str, part: str) -> str:
    """A contract media code for a decoder's ``code`` (unknown codes become corrupt_<part>)."""
    code = _MEDIA_CODE_ALIASES.get(code, code)
    if code in MEDIA_CODES:
        return code
    return CORRUPT_VIDEO if part == "video" else CORRUPT_IMAGE


def _challenge(code: str, message: str) -> str:
    if code == MISSING_TOKEN:
        return 'Bearer realm="liveness"'
    description = message.replace("\\", "").replace('"', "'")
    return f'Bearer realm="liveness", error="invalid_token", error_description="{description}"'
