"""What became of one case: the recorded response, or why none could be recorded."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Final, Literal

from bulk._cases import Case

Outcome = Literal["ok", "client_error", "failed", "invalid"]
OUTCOMES: Final[tuple[Outcome, ...]] = ("ok", "client_error", "failed", "invalid")


@dataclass(frozen=True, slots=True, eq=False)
class CaseResult:
    """A finished case: a 2xx or 4xx response (a result), or a failure with its reason.

    ``status`` and ``body`` are those of the last response, if any; ``error`` is set
    exactly when the case failed (no usable response after the retries).
    """

    case: Case
    status: int | None
    body: bytes | None
    error: str | None = None
    attempts: int = 1
    duration_ms: int = 0

    @property
    def name(self) -> str:
        return self.case.name

    @property
    def outcome(self) -> Outcome:
        if self.error is not None or self.status is None:
            return "failed"
        return "ok" if 200 <= self.status < 300 else "client_error"

    def json_body(self) -> Any:
        """The body parsed as JSON, or None when there is none or it is not JSON."""
        if not self.body:
            return None
        try:
            return json.loads(self.body)
        except (ValueError, RecursionError):
            return None
