from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator
from typing import Any

import anyio.from_thread
import httpx
import pytest
from starlette.types import ASGIApp

from mock_server import Settings, create_app, issue_token
from tests.mock_server.helpers import SECRET


class Client:
    """A synchronous httpx client on an ASGI app, driven through one event loop thread.

    ``ASGITransport`` re-raises any exception of the app, so a 500 fails the test.
    """

    def __init__(self, app: ASGIApp, portal: anyio.from_thread.BlockingPortal) -> None:
        self._portal = portal
        self._client = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://mock", timeout=60
        )

    def request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        content = kwargs.get("content")
        if content is not None and not isinstance(content, bytes | str):
            kwargs["content"] = _async_chunks(content)

        async def send() -> httpx.Response:
            return await self._client.request(method, url, **kwargs)

        return self._portal.call(send)

    def post(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("POST", url, **kwargs)

    def get(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("GET", url, **kwargs)


async def _async_chunks(chunks: Iterator[bytes]) -> AsyncIterator[bytes]:
    for chunk in chunks:
        yield chunk


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


@pytest.fixture(autouse=True)
def no_unexpected_server_errors(request: pytest.FixtureRequest) -> Iterator[None]:
    """Fail a test whose requests reached the catch-all boundary (a library exception),
    unless it asks for ``allow_server_errors``."""
    collect = _Collect()
    logger = logging.getLogger("liveness_kit.server")
    logger.addHandler(collect)
    try:
        yield
    finally:
        logger.removeHandler(collect)
    if "allow_server_errors" not in request.fixturenames:
        assert collect.messages == []


@pytest.fixture
def allow_server_errors() -> None:
    """Requested by tests that provoke the catch-all boundary on purpose."""


@pytest.fixture(scope="session")
def portal() -> Iterator[anyio.from_thread.BlockingPortal]:
    with anyio.from_thread.start_blocking_portal() as running:
        yield running


# Without the answer cache, every request reaches the pipeline (some tests replace it);
# the cache's own tests turn it on.
NO_CACHE = {"answer_cache_entries": 0}


@pytest.fixture(scope="session")
def settings() -> Settings:
    return Settings(secret=SECRET, playground=False, **NO_CACHE)


@pytest.fixture(scope="session")
def token(settings: Settings) -> str:
    return issue_token(settings, ttl_seconds=24 * 3600)


@pytest.fixture(scope="session")
def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture(scope="session")
def client(settings: Settings, portal: anyio.from_thread.BlockingPortal) -> Client:
    return Client(create_app(settings), portal)


@pytest.fixture(scope="session")
def make_client(portal: anyio.from_thread.BlockingPortal) -> Any:
    """A client on a server with other settings: ``make_client(max_image_bytes=10)``."""

    def make(**overrides: Any) -> Client:
        settings = Settings(secret=SECRET, playground=False, **{**NO_CACHE, **overrides})
        return Client(create_app(settings), portal)

    return make
