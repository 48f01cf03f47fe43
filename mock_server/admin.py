"""The mock's administration, under ``/__mock/``: outside the liveness API contract.

* ``GET /__mock/scenarios``: the catalogue (:mod:`mock_server.catalogue`).
* ``GET /__mock/coverage``, ``DELETE /__mock/coverage``: the coverage of the traffic so
  far (:mod:`mock_server.coverage`), and its reset.
* ``GET /__mock/cache``: the answer cache's size and hit counts.

They answer without a token when the server listens on loopback only (the configured
``listen_host`` and the connection's local address are both loopback); otherwise they
require the bearer token the contract's operations accept. :class:`MockState` holds
what they report, and the faults and scenarios chosen for the next requests
(by the pytest fixtures, in process).
"""

from __future__ import annotations

import ipaddress
import threading
from collections.abc import Awaitable, Callable
from typing import Any, Final

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from mock_server.auth import authenticate
from mock_server.cache import AnswerCache
from mock_server.catalogue import catalogue
from mock_server.config import Settings
from mock_server.coverage import Coverage
from mock_server.errors import ApiError
from mock_server.faults import Fault, RandomFaults, header_fault, parse_fault, parse_rule
from mock_server.responses import error_response, json_response

PREFIX: Final = "/__mock"


class MockState:
    """Coverage, answer cache, random faults and the choices for the next requests."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.coverage = Coverage()
        self.cache = AnswerCache(settings.answer_cache_entries)
        self.random_faults = RandomFaults(
            [parse_rule(rule) for rule in settings.faults], settings.fault_seed
        )
        self._lock = threading.Lock()
        self._scenario: tuple[str, int | None] | None = None
        self._fault: tuple[Fault, int | None] | None = None

    def choose(
        self, *, scenario: str | None = None, fault: str | None = None, times: int | None = None
    ) -> None:
        """Apply ``scenario`` and/or ``fault`` (header syntax) to the next ``times`` requests
        (every request when ``times`` is None) that do not choose their own."""
        parsed = parse_fault(fault) if fault is not None else None
        with self._lock:
            if scenario is not None:
                self._scenario = (scenario, times)
            if parsed is not None:
                self._fault = (parsed, times)

    def clear(self) -> None:
        with self._lock:
            self._scenario = self._fault = None

    def take(self, fault_header: str | None) -> tuple[Fault, str | None]:
        """The fault and chosen scenario of one request (the header's fault wins)."""
        fault = header_fault(fault_header)
        drawn = self.random_faults.draw()  # drawn for every request: the order stays seeded
        with self._lock:
            if not fault:  # a request with its own fault leaves the chosen one for the next
                chosen, self._fault = _use(self._fault)
                fault = chosen or drawn
            scenario, self._scenario = _use(self._scenario)
        return fault, scenario


def _use(choice: tuple[Any, int | None] | None) -> tuple[Any, tuple[Any, int | None] | None]:
    if choice is None:
        return None, None
    value, times = choice
    if times is None:
        return value, choice
    return value, ((value, times - 1) if times > 1 else None)


def is_loopback(host: object) -> bool:
    text = str(host or "").strip("[]")
    if text == "localhost":
        return True
    try:
        return ipaddress.ip_address(text).is_loopback
    except ValueError:
        return False


def routes(state: MockState, settings: Settings) -> list[BaseRoute]:
    def guarded(
        handler: Callable[[Request], Response],
    ) -> Callable[[Request], Awaitable[Response]]:
        async def endpoint(request: Request) -> Response:
            server = request.scope.get("server")
            local = server[0] if server else None
            try:
                if not (is_loopback(settings.listen_host) and is_loopback(local)):
                    authenticate(request.headers.get("authorization"), settings)
                return handler(request)
            except ApiError as error:
                return error_response(error)

        return endpoint

    def coverage(request: Request) -> Response:
        if request.method == "DELETE":
            state.coverage.reset()
            return Response(status_code=204)
        return json_response(state.coverage.report())

    return [
        Route(
            f"{PREFIX}/scenarios", guarded(lambda _: json_response(catalogue())), methods=["GET"]
        ),
        Route(f"{PREFIX}/coverage", guarded(coverage), methods=["GET", "DELETE"]),
        Route(
            f"{PREFIX}/cache",
            guarded(lambda _: json_response(state.cache.stats())),
            methods=["GET"],
        ),
    ]
