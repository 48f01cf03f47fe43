"""Injected transport faults, for testing a client's retry, timeout and back-off code.

Faults are outside the contract. None is active unless asked for, by a request header or
by a server option:

* ``X-Mock-Fault: ITEM[, ITEM...]`` for one request, each item one of
  ``latency=MS`` (wait, then the normal answer), ``status=CODE[; retry-after=S]`` (CODE
  among :data:`STATUS_CODES`, answered with the contract's error shape), ``reset`` (the
  connection closes with no HTTP answer), ``truncate`` (the body is cut short and the
  connection closed) and ``slow-body[=MS]`` (the body trickles out over MS milliseconds).
  A header that cannot be parsed is a 400 ``invalid_mock_fault``: a typo must not pass
  silently as "no fault".
* ``--fault FAULT[:p=P]`` (repeatable) with ``--fault-seed N``: each request draws, in
  arrival order, one number per rule from one generator seeded with N, and the rule's
  fault applies when the number is below P (a bare status code is short for
  ``status=CODE``). The same seed and request order give the same faults.

Every injected fault is named by the response header ``X-Mock-Fault-Applied`` (in its
canonical form); a reset has no response to carry it.
"""

from __future__ import annotations

import contextlib
import os
import random
import re
import socket
import struct
import threading
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any, Final

import anyio
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from mock_server.errors import ApiError, BadRequest

FAULT_HEADER: Final = "x-mock-fault"
APPLIED_HEADER: Final = "X-Mock-Fault-Applied"
INVALID_MOCK_FAULT: Final = "invalid_mock_fault"
STATUS_CODES: Final = {
    429: "too_many_requests",
    500: "internal_error",
    502: "bad_gateway",
    503: "service_unavailable",
    504: "gateway_timeout",
}
MAX_DELAY_MS: Final = 60_000
SLOW_BODY_MS: Final = 2_000  # slow-body without a value
SLOW_CHUNKS: Final = 10
DISCONNECT_WAIT_S: Final = 5.0

# The one description of each fault kind, for the catalogue and the docs.
KINDS: Final = {
    "latency": ("latency=800", "Wait MS milliseconds (at most 60000), then answer normally."),
    "status": (
        "status=503; retry-after=2",
        "Answer CODE (429, 500, 502, 503 or 504) with the contract's error shape and "
        "detail.code naming the status; retry-after=S adds a Retry-After header.",
    ),
    "reset": ("reset", "Close the connection after reading the request, with no HTTP answer."),
    "truncate": (
        "truncate",
        "Send the headers (with the full Content-Length) and half the body, then close.",
    ),
    "slow-body": (
        "slow-body=2000",
        "Send the body in 10 chunks spread over MS milliseconds (default 2000).",
    ),
}

_ITEM: Final = re.compile(r"([a-z-]+)(?:=([0-9]+))?")


class FaultError(ValueError):
    """A fault header or option that cannot be parsed."""


class ConnectionReset(ConnectionError):
    """Raised where no socket can be closed (an in-process ASGI transport)."""


@dataclass(frozen=True, slots=True)
class Fault:
    latency_ms: int = 0
    status: int | None = None
    retry_after: int | None = None
    reset: bool = False
    truncate: bool = False
    slow_body_ms: int | None = None

    def __bool__(self) -> bool:
        return self != Fault()

    def kinds(self) -> list[str]:
        """The canonical items of this fault (one per kind), as a header would name them."""
        items = []
        if self.latency_ms:
            items.append(f"latency={self.latency_ms}")
        if self.status is not None:
            retry = "" if self.retry_after is None else f"; retry-after={self.retry_after}"
            items.append(f"status={self.status}{retry}")
        if self.reset:
            items.append("reset")
        if self.truncate:
            items.append("truncate")
        if self.slow_body_ms is not None:
            items.append(f"slow-body={self.slow_body_ms}")
        return items

    def describe(self) -> str:
        return ", ".join(self.kinds())

    def combine(self, other: Fault) -> Fault:
        """This fault with ``other``'s added; where both set a kind, this one's stays."""
        status, retry = self.status, self.retry_after
        if status is None:
            status, retry = other.status, other.retry_after
        return Fault(
            latency_ms=self.latency_ms + other.latency_ms,
            status=status,
            retry_after=retry,
            reset=self.reset or other.reset,
            truncate=self.truncate or other.truncate,
            slow_body_ms=self.slow_body_ms if self.slow_body_ms is not None else other.slow_body_ms,
        )


def parse_fault(text: str) -> Fault:
    """The fault a header value names; raises :class:`FaultError` for anything else."""
    fault = Fault()
    seen: set[str] = set()
    items = [item.strip() for item in text.lower().split(",")]
    if not any(items):
        raise FaultError("the fault is empty")
    for item in items:
        head, *params = [piece.strip() for piece in item.split(";")]
        match = _ITEM.fullmatch(head)
        if match is None:
            raise FaultError(f"cannot read {item!r}")
        kind, value = match.group(1), match.group(2)
        if kind not in KINDS:
            raise FaultError(f"unknown fault {kind!r} (known: {', '.join(KINDS)})")
        if kind in seen:
            raise FaultError(f"{kind} is given twice")
        seen.add(kind)
        if params and kind != "status":
            raise FaultError(f"{kind} takes no parameters")
        fault = _with_kind(fault, kind, value, params)
    if fault.reset and (fault.status is not None or fault.truncate or fault.slow_body_ms):
        raise FaultError("reset combines only with latency")
    return fault


def _with_kind(fault: Fault, kind: str, value: str | None, params: list[str]) -> Fault:
    if kind in ("reset", "truncate"):
        if value is not None:
            raise FaultError(f"{kind} takes no value")
        return replace(fault, **{kind: True})
    if kind == "latency":
        return replace(fault, latency_ms=_delay(kind, value, required=True))
    if kind == "slow-body":
        return replace(fault, slow_body_ms=_delay(kind, value, required=False))
    if value is None or int(value) not in STATUS_CODES:
        codes = ", ".join(str(code) for code in STATUS_CODES)
        raise FaultError(f"status must be one of {codes}")
    retry_after = None
    for param in params:
        name, _, number = param.partition("=")
        if name.strip() != "retry-after" or not number.strip().isdigit():
            raise FaultError(f"status takes only retry-after=SECONDS, got {param!r}")
        retry_after = int(number)
    return replace(fault, status=int(value), retry_after=retry_after)


def _delay(kind: str, value: str | None, *, required: bool) -> int:
    if value is None:
        if required:
            raise FaultError(f"{kind} needs milliseconds, e.g. {kind}=500")
        return SLOW_BODY_MS
    if int(value) > MAX_DELAY_MS:
        raise FaultError(f"{kind} must be at most {MAX_DELAY_MS} ms")
    return int(value)


def header_fault(value: str | None) -> Fault:
    """The fault of an ``X-Mock-Fault`` header; a bad one is a 400 ``invalid_mock_fault``."""
    if value is None:
        return Fault()
    try:
        return parse_fault(value)
    except FaultError as error:
        raise BadRequest(INVALID_MOCK_FAULT, f"X-Mock-Fault: {error}") from None


# --- random faults from the server's options --------------------------------------------


@dataclass(frozen=True, slots=True)
class FaultRule:
    fault: Fault
    probability: float


def parse_rule(text: str) -> FaultRule:
    """``FAULT[:p=P]``, e.g. ``503:p=0.05`` or ``latency=200:p=0.5``."""
    head, _, tail = text.strip().partition(":")
    probability = 1.0
    if tail:
        name, _, number = tail.partition("=")
        try:
            probability = float(number)
        except ValueError:
            probability = -1.0
        if name.strip() != "p" or not 0.0 <= probability <= 1.0:
            raise FaultError(f"{text!r}: the probability must be p=P with P from 0 to 1")
    if head.strip().isdigit():
        head = f"status={head.strip()}"
    try:
        return FaultRule(parse_fault(head), probability)
    except FaultError as error:
        raise FaultError(f"{text!r}: {error}") from None


class RandomFaults:
    """Seeded draws: one number per rule and request, in the order requests arrive."""

    def __init__(self, rules: Sequence[FaultRule], seed: int) -> None:
        self.rules = tuple(rules)
        self._random = random.Random(seed)
        self._lock = threading.Lock()

    def draw(self) -> Fault:
        fault = Fault()
        if not self.rules:
            return fault
        with self._lock:
            for rule in self.rules:
                if self._random.random() < rule.probability:
                    fault = fault.combine(rule.fault)
        if fault.reset:  # a reset drawn with other faults wins over them
            fault = Fault(latency_ms=fault.latency_ms, reset=True)
        return fault


# --- answering with a fault -----------------------------------------------------------------


class InjectedError(ApiError):
    """The answer of a ``status=`` fault: the contract's error shape, outside its codes."""

    def __init__(self, fault: Fault) -> None:
        assert fault.status is not None
        headers = {} if fault.retry_after is None else {"Retry-After": str(fault.retry_after)}
        super().__init__(
            STATUS_CODES[fault.status],
            f"Injected fault: status {fault.status} (X-Mock-Fault)",
            headers=headers,
        )
        self.status = fault.status


class ResetResponse(Response):
    """No answer at all: the connection is closed under the request."""

    def __init__(self) -> None:
        super().__init__(b"")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await _abort(scope, receive)


class FaultyBodyResponse(Response):
    """``response`` sent slowly and/or cut short, with its own headers (Content-Length)."""

    def __init__(self, response: Response, fault: Fault) -> None:
        super().__init__(response.body, status_code=response.status_code)
        self.raw_headers = list(response.raw_headers)
        self.fault = fault

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        body = bytes(self.body)
        if self.fault.truncate:
            body = body[: len(body) // 2]
        await send(
            {"type": "http.response.start", "status": self.status_code, "headers": self.raw_headers}
        )
        chunks = SLOW_CHUNKS if self.fault.slow_body_ms is not None else 1
        pause = (self.fault.slow_body_ms or 0) / 1000 / chunks
        size = -(-len(body) // chunks) or 1
        for start in range(0, max(len(body), 1), size):
            if pause:
                await anyio.sleep(pause)
            await send(
                {
                    "type": "http.response.body",
                    "body": body[start : start + size],
                    "more_body": True,
                }
            )
        if self.fault.truncate:
            await anyio.sleep(0.05)  # let the partial body leave before the close
            await _abort(scope, receive)
            return
        await send({"type": "http.response.body", "body": b"", "more_body": False})


def faulty(response: Response, fault: Fault) -> Response:
    """``response`` with the body faults of ``fault`` applied (if any)."""
    if fault.truncate or fault.slow_body_ms is not None:
        return FaultyBodyResponse(response, fault)
    return response


async def _abort(scope: Scope, receive: Receive) -> None:
    """Close the request's TCP connection (with a reset) and wait until the server sees it."""
    if not abort_socket(scope.get("server"), scope.get("client")):
        raise ConnectionReset("X-Mock-Fault: reset (no socket to close: in-process transport)")
    with anyio.move_on_after(DISCONNECT_WAIT_S):
        while (await receive())["type"] != "http.disconnect":
            pass


def abort_socket(server: Any, client: Any) -> bool:
    """Reset the process's TCP socket from ``server`` to ``client``; False if none is found.

    The server keeps its own descriptor; a duplicate is given SO_LINGER 0 and shut down,
    so the peer sees the connection end with no answer and the server's close sends a RST.
    """
    try:
        wanted = ((str(server[0]), int(server[1])), (str(client[0]), int(client[1])))
    except (TypeError, ValueError, IndexError):
        return False  # no address: not a socket (an in-process transport)
    try:
        descriptors = os.listdir("/proc/self/fd")
    except OSError:
        return False
    for name in descriptors:
        with contextlib.suppress(OSError, ValueError):
            if not os.readlink(f"/proc/self/fd/{name}").startswith("socket:"):
                continue
            duplicate = socket.socket(fileno=os.dup(int(name)))
            with duplicate:
                if duplicate.type != socket.SOCK_STREAM:
                    continue
                if duplicate.family not in (socket.AF_INET, socket.AF_INET6):
                    continue
                local, peer = duplicate.getsockname(), duplicate.getpeername()
                if ((local[0], local[1]), (peer[0], peer[1])) != wanted:
                    continue
                duplicate.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                duplicate.shutdown(socket.SHUT_RDWR)
                return True
    return False
