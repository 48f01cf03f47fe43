"""The playground page, the API docs page and the contract's own endpoints.

- ``GET /playground``: a page to send one request (v1 or v2) and read the verdict, with
  a bulk tab; the tuning controls and their rules come from the contract.
- ``GET /docs``: the contract rendered as a readable page (no external assets).
- ``GET /openapi.yaml``, ``GET /openapi.json``: the canonical contract.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Awaitable, Callable
from pathlib import Path
from string import Template
from typing import Any, Final

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

import spec
from mock_server import jobs
from mock_server.auth import is_open, issue_token
from mock_server.config import MiB, Settings

STATIC_DIR: Final = Path(__file__).with_name("static")
TOKEN_TTL_SECONDS: Final = 8 * 3600
ANY_TOKEN: Final = "any-token-works"
TOKEN_HINTS: Final = {
    "any": "This server accepts any token (it was started with --accept-any-token).",
    "development": (
        "Minted by this server with the public development secret; valid for 8 hours. "
        "Anyone can mint such a token: this server is open."
    ),
    "closed": (
        "This server checks tokens. Paste a bearer token signed with its secret: "
        "`liveness-kit token --secret <secret>` (with the server's --issuer and --audience), "
        "or ask whoever runs it."
    ),
}


def playground_token(settings: Settings) -> str | None:
    """The token the page is prefilled with, in an open mode only (None otherwise).

    With ``accept_any_token`` it is a placeholder, never a token signed with the
    configured secret (which may be shared with another system).
    """
    if not is_open(settings):
        return None
    if settings.accept_any_token:
        return ANY_TOKEN
    return issue_token(settings, ttl_seconds=TOKEN_TTL_SECONDS, subject="playground")


def _token_hint(settings: Settings) -> str:
    if settings.accept_any_token:
        return TOKEN_HINTS["any"]
    return TOKEN_HINTS["development" if is_open(settings) else "closed"]


def render_playground(settings: Settings) -> str:
    fields = spec.tuning_fields()
    config = {
        "paths": spec.PATHS,
        "acceptAnyToken": settings.accept_any_token,
        "tuning": {
            name: {
                "default": item.default,
                "pattern": item.pattern,
                "enum": list(item.enum) if item.enum is not None else None,
                "minimum": item.minimum,
                "maximum": item.maximum,
                "maxLength": item.max_length,
                "expected": item.expected if item.pattern else None,
            }
            for name, item in fields.items()
        },
    }
    template = Template((STATIC_DIR / "playground.html").read_text(encoding="utf-8"))
    return template.substitute(
        token=html.escape(playground_token(settings) or ""),
        token_hint=_with_code(_token_hint(settings)),
        tuning_controls="\n".join(_tuning_control(item) for item in fields.values()),
        config=_script_json(config),
        max_archive_mib=str(jobs.MAX_ARCHIVE_BYTES // MiB),
    )


def _tuning_control(item: spec.TuningField) -> str:
    name = html.escape(item.name)
    control_id = f"tuning-{name}"
    described = f"hint-{name} error-{name}"
    if item.enum is not None:
        default_label = f"default ({item.default})" if item.default else "not sent"
        options = [f'<option value="">{html.escape(default_label)}</option>']
        options += [
            f'<option value="{html.escape(v)}">{html.escape(v)}</option>' for v in item.enum
        ]
        control = (
            f'<select id="{control_id}" name="{name}" data-tuning="{name}" '
            f'aria-describedby="{described}">{"".join(options)}</select>'
        )
    else:
        numeric = item.minimum is not None
        attributes = [
            f'id="{control_id}"',
            f'name="{name}"',
            'type="text"',
            f'data-tuning="{name}"',
            'autocomplete="off"',
            'spellcheck="false"',
            f'aria-describedby="{described}"',
            f'placeholder="{html.escape(item.default or "not sent")}"',
        ]
        if numeric:
            attributes.append('inputmode="decimal"')
        control = f"<input {' '.join(attributes)}>"
    return (
        f'<div class="field tuning-field" data-field="{name}">'
        f'<label for="{control_id}">{name}</label>{control}'
        f'<p class="hint" id="hint-{name}">{_with_code(_rule(item))}</p>'
        f'<p class="field-error" id="error-{name}" aria-live="polite"></p></div>'
    )


def _rule(item: spec.TuningField) -> str:
    if item.minimum is not None and item.maximum is not None:
        return f"{item.minimum:g} to {item.maximum:g}, default {item.default}. {item.description}"
    if item.default is not None:
        return f"Default {item.default}. {item.description}"
    return item.description


def _with_code(text: str) -> str:
    """Escaped text, with `code` spans as <code> elements."""
    return re.sub(r"`([^`]+)`", r"<code>\1</code>", html.escape(text))


def _script_json(value: Any) -> str:
    """JSON safe to place inside a ``<script type="application/json">`` element."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def page_endpoint(settings: Settings) -> Callable[[Request], Awaitable[Response]]:
    async def page(request: Request) -> Response:
        return _html(render_playground(settings))

    return page


async def docs_page(request: Request) -> Response:
    return _html((STATIC_DIR / "docs.html").read_text(encoding="utf-8"))


async def spec_yaml(request: Request) -> Response:
    return Response(spec.spec_text(), media_type="application/yaml")


async def spec_json(request: Request) -> Response:
    return Response(spec.spec_json(), media_type="application/json")


def _html(text: str) -> HTMLResponse:
    """A page; its security headers are added by :mod:`mock_server.security`."""
    return HTMLResponse(text, headers={"Cache-Control": "no-store"})
