from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from conformance._failures import Failure
from conformance._models import Exchange, Request

if TYPE_CHECKING:
    from conformance._runner import RunConfig
    from conformance._transport import Session


class Skipped(Exception):
    """Raised by a check that cannot run in this configuration."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass
class CheckContext:
    """What a check gets: the configuration, a caching session and a place for failures."""

    config: RunConfig
    session: Session

    def __post_init__(self) -> None:
        self.failures: list[Failure] = []

    @property
    def apis(self) -> tuple[str, ...]:
        return self.config.apis

    def send(self, request: Request, *, fresh: bool = False) -> Exchange:
        return self.session.send(request, fresh=fresh)

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
        return self.session.exchanges
