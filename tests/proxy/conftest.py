from __future__ import annotations

import pytest

from mock_server.app import create_app
from mock_server.auth import issue_token
from mock_server.config import Settings
from tests.conformance.asgi import Memo

SETTINGS = Settings()


@pytest.fixture(scope="session")
def token() -> str:
    return issue_token(SETTINGS, ttl_seconds=24 * 3600)


@pytest.fixture(scope="session")
def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture(scope="session")
def mock_memo() -> Memo:
    """The mock in process, each distinct request computed once per session."""
    return Memo(create_app(SETTINGS))
