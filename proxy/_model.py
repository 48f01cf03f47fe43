"""The proxy's data: a violation, and one exchange as it was seen."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

CLIENT = "client"
SERVER = "server"


@dataclass(frozen=True, slots=True)
class Violation:
    """One broken rule. ``check`` is the id of the gate's check that states the rule
    (an ``x-invariants`` id for an invariant); ``side`` says who broke it: the client
    (the request) or the server (the response)."""

    check: str
    message: str
    side: str = SERVER

    def as_dict(self) -> dict[str, str]:
        return {"check": self.check, "message": self.message, "side": self.side}


@dataclass(frozen=True, slots=True)
class Problem:
    """Something wrong with a request, and the answer the contract then requires."""

    check: str
    status: int
    code: str | None
    message: str
    stage: str  # auth, form, duplicate, media, tuning, content


@dataclass
class RequestView:
    """What the proxy read from a request to the contract's endpoints."""

    api: str
    branch: str | None
    mode: str | None
    tuning: dict[str, str]
    parts: list[dict[str, Any]]
    problems: list[Problem] = field(default_factory=list)
    key: str = ""

    @property
    def expected(self) -> Problem | None:
        """The problem the answer must report: the first in the contract's precedence."""
        return self.problems[0] if self.problems else None
