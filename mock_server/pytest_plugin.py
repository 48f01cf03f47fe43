"""pytest fixtures for integrators: the mock in a thread on loopback, or in process.

Installed as the ``liveness_mock`` pytest plugin (an entry point of the package), so a
client's test suite gets these fixtures with no import:

* ``liveness_mock``: a :class:`LiveMock` on a free 127.0.0.1 port, served by uvicorn in
  a thread for the session (like pytest-httpserver). ``base_url``, ``token``,
  ``headers``; ``scenario(name, times=None)`` and ``fault(spec, times=None)`` choose an
  outcome or a fault for the next requests; ``coverage()`` and ``reset_coverage()``.
  The choices are cleared after each test; the coverage accumulates over the session.
  Override the ``liveness_mock_settings`` fixture to serve other settings.
* ``liveness_mock_asgi``: the same helpers on an in-process app, with ``transport``
  (an httpx async transport, no socket) and ``client()`` (an ``httpx.AsyncClient``).

Nothing of the mock is imported until a fixture is used. See docs/integrators.md.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    import httpx
    from starlette.applications import Starlette

    from mock_server.config import Settings

STARTUP_SECONDS = 30.0


class _Helpers:
    app: Starlette
    token: str

    @property
    def headers(self) -> dict[str, str]:
        """The Authorization header of the mock's token."""
        return {"Authorization": f"Bearer {self.token}"}

    def scenario(self, name: str, *, times: int | None = None) -> None:
        """Force outcome scenario ``name`` on the next ``times`` requests (all when None)."""
        self.app.state.mock.choose(scenario=name, times=times)

    def fault(self, fault: str, *, times: int | None = None) -> None:
        """Inject ``fault`` (``X-Mock-Fault`` syntax, e.g. ``"status=503; retry-after=1"``)
        into the next ``times`` requests (all when None)."""
        self.app.state.mock.choose(fault=fault, times=times)

    def clear(self) -> None:
        """Forget the chosen scenario and fault."""
        self.app.state.mock.clear()

    def coverage(self) -> dict[str, Any]:
        """The coverage report of the traffic so far (as ``GET /__mock/coverage``)."""
        report: dict[str, Any] = self.app.state.mock.coverage.report()
        return report

    def reset_coverage(self) -> None:
        self.app.state.mock.coverage.reset()


def _build(settings: Settings | None) -> tuple[Starlette, str]:
    from mock_server.app import create_app
    from mock_server.auth import issue_token
    from mock_server.config import Settings

    settings = settings or Settings(playground=False)
    return create_app(settings), issue_token(settings, ttl_seconds=7 * 24 * 3600)


class LiveMock(_Helpers):
    """The mock served by uvicorn on 127.0.0.1 in a background thread."""

    def __init__(self, settings: Settings | None = None) -> None:
        import uvicorn

        self.app, self.token = _build(settings)
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._socket.bind(("127.0.0.1", 0))
        self.port = int(self._socket.getsockname()[1])
        self.base_url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(
            self.app, log_level="warning", access_log=False, lifespan="on", server_header=False
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [self._socket]}, daemon=True
        )

    def start(self) -> LiveMock:
        self._thread.start()
        deadline = time.monotonic() + STARTUP_SECONDS
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the mock server did not start")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=15)
        self._socket.close()

    def __enter__(self) -> LiveMock:
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.stop()


class AsgiMock(_Helpers):
    """The mock in process: httpx talks to the ASGI app with no socket."""

    base_url = "http://liveness-mock"

    def __init__(self, settings: Settings | None = None) -> None:
        self.app, self.token = _build(settings)

    @property
    def transport(self) -> httpx.AsyncBaseTransport:
        return _resetting_transport(self.app)

    def client(self, **options: Any) -> httpx.AsyncClient:
        import httpx

        return httpx.AsyncClient(transport=self.transport, base_url=self.base_url, **options)


def _resetting_transport(app: Starlette) -> httpx.AsyncBaseTransport:
    """An ASGI transport where an injected reset reaches the client as httpx's own error."""
    import httpx

    from mock_server.faults import ConnectionReset

    class Transport(httpx.ASGITransport):
        async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
            try:
                return await super().handle_async_request(request)
            except ConnectionReset:
                raise httpx.RemoteProtocolError(
                    "Server disconnected without sending a complete response.", request=request
                ) from None

    return Transport(app=app)


@pytest.fixture(scope="session")
def liveness_mock_settings() -> Settings | None:
    """The mock's settings (None: the defaults, without the playground); override this
    fixture in a conftest.py to change them, e.g. ``Settings(secret=..., playground=False)``."""
    return None


@pytest.fixture(scope="session")
def _liveness_mock_server(liveness_mock_settings: Settings | None) -> Iterator[LiveMock]:
    with LiveMock(liveness_mock_settings) as server:
        yield server


@pytest.fixture
def liveness_mock(_liveness_mock_server: LiveMock) -> Iterator[LiveMock]:
    """The mock on a free loopback port (one server for the session)."""
    yield _liveness_mock_server
    _liveness_mock_server.clear()


@pytest.fixture
def liveness_mock_asgi(liveness_mock_settings: Settings | None) -> AsgiMock:
    """The mock in process, for ``httpx.AsyncClient`` with no socket."""
    return AsgiMock(liveness_mock_settings)
