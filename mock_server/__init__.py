"""The liveness-kit mock server: the contract's API over a deterministic reference pipeline.

``create_app(Settings(...))`` gives the ASGI application; ``liveness-kit serve`` runs it
under uvicorn.
"""

from mock_server.app import create_app, create_app_from_env
from mock_server.auth import issue_token
from mock_server.config import DEVELOPMENT_SECRET, Settings, SettingsError
from mock_server.errors import (
    ApiError,
    BadRequest,
    PayloadTooLarge,
    Unauthorized,
    ValidationFailed,
)
from mock_server.render import render_v1, render_v2
from mock_server.scenarios import SCENARIOS

__all__ = [
    "DEVELOPMENT_SECRET",
    "SCENARIOS",
    "ApiError",
    "BadRequest",
    "PayloadTooLarge",
    "Settings",
    "SettingsError",
    "Unauthorized",
    "ValidationFailed",
    "create_app",
    "create_app_from_env",
    "issue_token",
    "render_v1",
    "render_v2",
]
