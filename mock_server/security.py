"""What keeps a mock that others can reach in check (docs/security.md states the model).

- :class:`SecurityMiddleware`: ``nosniff`` on every answer; the page policy
  (Content-Security-Policy with ``frame-ancestors``, no referrer) on the HTML pages; and
  CORS, off unless ``Settings.cors_origins`` names allowed origins.
- :func:`check_bind`: the refusal to listen beyond loopback with the public development
  secret, unless the open mode is chosen explicitly.
"""

from __future__ import annotations

import ipaddress
from typing import Final

from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mock_server.config import DEVELOPMENT_SECRET, Settings, SettingsError

# The pages load their scripts, styles and icon from this server and nothing else;
# images and videos chosen by the user are previewed from blob: and data: URLs.
PAGE_POLICY: Final = (
    "default-src 'self'; img-src 'self' data: blob:; media-src 'self' blob:; "
    "style-src 'self'; script-src 'self'; connect-src 'self'; object-src 'none'; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
PAGE_HEADERS: Final = {
    "Content-Security-Policy": PAGE_POLICY,
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
}
CORS_METHODS: Final = "GET, POST, DELETE"
CORS_MAX_AGE: Final = "600"
OPEN_FLAG: Final = "--open"


class SecurityMiddleware:
    """Adds the security headers and, when origins are configured, answers CORS."""

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.origins = frozenset(settings.cors_origins)

    def allowed_origin(self, origin: str | None) -> str | None:
        """The Access-Control-Allow-Origin value for ``origin``, or None (no CORS)."""
        if origin is None or not self.origins:
            return None
        if origin in self.origins:
            return origin
        return "*" if "*" in self.origins else None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_headers = Headers(scope=scope)
        allowed = self.allowed_origin(request_headers.get("origin"))
        preflight = scope["method"] == "OPTIONS" and (
            "access-control-request-method" in request_headers
        )
        if allowed is not None and preflight:
            await _preflight(send, allowed, request_headers)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers.setdefault("X-Content-Type-Options", "nosniff")
                if headers.get("content-type", "").startswith("text/html"):
                    for name, value in PAGE_HEADERS.items():
                        headers[name] = value
                if allowed is not None:
                    headers["Access-Control-Allow-Origin"] = allowed
                    headers["Access-Control-Expose-Headers"] = "*"
                    headers.add_vary_header("Origin")
            await send(message)

        await self.app(scope, receive, send_with_headers)


async def _preflight(send: Send, allowed: str, request_headers: Headers) -> None:
    headers = MutableHeaders(
        {
            "Access-Control-Allow-Origin": allowed,
            "Access-Control-Allow-Methods": CORS_METHODS,
            "Access-Control-Max-Age": CORS_MAX_AGE,
            "X-Content-Type-Options": "nosniff",
        }
    )
    asked = request_headers.get("access-control-request-headers")
    if asked:
        headers["Access-Control-Allow-Headers"] = asked
    headers.add_vary_header("Origin")
    await send({"type": "http.response.start", "status": 204, "headers": headers.raw})
    await send({"type": "http.response.body", "body": b""})


def is_loopback(host: str) -> bool:
    """Whether ``host`` (as given to ``--host``) reaches this machine only."""
    name = host.strip().strip("[]").lower()
    if name == "localhost" or name.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False  # any other name may resolve beyond loopback


def check_bind(host: str, settings: Settings) -> None:
    """Refuse a non-loopback ``host`` with the public development secret (SettingsError).

    ``--accept-any-token`` or ``--open`` (``LIVENESS_KIT_OPEN_MODE``) choose the open mode
    explicitly; a secret of one's own makes the server closed.
    """
    if is_loopback(host) or settings.accept_any_token or settings.open_mode:
        return
    if settings.secret == DEVELOPMENT_SECRET:
        raise SettingsError(
            f"refusing to listen on {host} with the public development secret: set --secret "
            f"(or LIVENESS_KIT_SECRET), or pass {OPEN_FLAG} to serve an open mock on purpose"
        )
