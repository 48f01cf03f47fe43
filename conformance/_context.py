from __future__ import annotations

import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from conformance._failures import Failure
from conformance._models import Exchange, Request

if TYPE_CHECKING:
    from conformance._runner import RunConfig
    from conformance._transport import Session

# What a check sent, in the order it asked: (request, fresh, exchange).
Sent = tuple[Request, bool, Exchange]


class Skipped(Exception):
    """Raised by a check that cannot run in this configuration."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def ordered(entries: Iterable[Sent]) -> list[Exchange]:
    """The exchanges a sequential run would have recorded: each cached request at its first
    use, every fresh send where it was asked for."""
    seen: set[Request] = set()
    result = []
    for request, fresh, exchange in entries:
        if not fresh:
            if request in seen:
                continue
            seen.add(request)
        result.append(exchange)
    return result


class History:
    """The exchanges of the checks before a given one, in check order, at any concurrency.

    A check that reads the run's exchanges (the cross-cutting HTTP checks) waits here until
    every check before it has finished, so it sees what it would see in a sequential run.
    """

    def __init__(self, preflight: Sequence[Exchange] = ()) -> None:
        self.preflight: list[Sent] = [(e.request, False, e) for e in preflight]
        self.contexts: list[CheckContext] = []
        self.finished: list[threading.Event] = []

    def add(self, ctx: CheckContext) -> int:
        self.contexts.append(ctx)
        self.finished.append(threading.Event())
        return len(self.contexts) - 1

    def upto(self, index: int) -> list[Exchange]:
        for event in self.finished[:index]:
            event.wait()
        entries = list(self.preflight)
        for ctx in self.contexts[: index + 1]:
            entries.extend(ctx.sent)
        return ordered(entries)

    def all(self) -> list[Exchange]:
        return self.upto(len(self.contexts) - 1) if self.contexts else ordered(self.preflight)


@dataclass
class CheckContext:
    """What a check gets: the configuration, a caching session and a place for failures."""

    config: RunConfig
    session: Session
    history: History | None = None
    sent: list[Sent] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.failures: list[Failure] = []
        self.index = self.history.add(self) if self.history is not None else -1

    @property
    def apis(self) -> tuple[str, ...]:
        return self.config.apis

    def send(self, request: Request, *, fresh: bool = False) -> Exchange:
        exchange = self.session.send(request, fresh=fresh)
        self.sent.append((request, fresh, exchange))
        return exchange

    def send_all(self, requests: Sequence[Request], *, fresh: bool = False) -> list[Exchange]:
        """Send several requests concurrently (up to --concurrency); answers in order."""
        exchanges = self.session.send_all(requests, fresh=fresh)
        self.sent.extend((r, fresh, e) for r, e in zip(requests, exchanges, strict=True))
        return exchanges

    def fail(self, failure: Failure) -> None:
        self.failures.append(failure)

    def skip(self, reason: str) -> None:
        raise Skipped(reason)

    def require_apis(self, *apis: str) -> None:
        missing = [api for api in apis if api not in self.apis]
        if missing:
            self.skip(f"needs --api {'both' if len(apis) > 1 else apis[0]}")

    @property
    def exchanges(self) -> list[Exchange]:
        """Every exchange of the run so far (the checks before this one, then its own)."""
        if self.history is None:
            return list(self.session.exchanges)
        return self.history.upto(self.index)
