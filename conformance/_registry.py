from __future__ import annotations

import enum
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeVar

from conformance._errors import DuplicateCheckError

if TYPE_CHECKING:
    from conformance._context import CheckContext


class Severity(enum.Enum):
    MUST = "MUST"
    SHOULD = "SHOULD"

    def __str__(self) -> str:
        return self.value


MUST = Severity.MUST
SHOULD = Severity.SHOULD

CheckFunction = Callable[["CheckContext"], None]
F = TypeVar("F", bound=CheckFunction)


class Profile(enum.Enum):
    """When a check runs: always, only with ``--expect-verdicts``, or only when fuzzing."""

    GATE = "gate"
    VERDICTS = "verdicts"
    FUZZ = "fuzz"


@dataclass(frozen=True, slots=True)
class Check:
    id: str
    severity: Severity
    title: str
    clause: str
    function: CheckFunction
    profile: Profile = Profile.GATE
    cross_cutting: bool = False

    def __call__(self, ctx: CheckContext) -> None:
        self.function(ctx)


GROUPS = ("AUTH", "MODE", "REQ", "TUNE", "PREC", "INV", "VERDICT", "FUZZ", "HTTP", "ERR")


class CheckRegistry:
    """The checks, in registration order; ids are unique."""

    def __init__(self) -> None:
        self._checks: dict[str, Check] = {}

    def register(
        self,
        *,
        id: str,
        severity: Severity,
        title: str,
        clause: str,
        profile: Profile = Profile.GATE,
        cross_cutting: bool = False,
    ) -> Callable[[F], F]:
        def decorate(function: F) -> F:
            if id in self._checks:
                other = self._checks[id].function
                raise DuplicateCheckError(
                    f"check id {id!r} is already registered by {other.__module__}.{other.__name__}"
                )
            self._checks[id] = Check(
                id=id,
                severity=severity,
                title=title,
                clause=clause,
                function=function,
                profile=profile,
                cross_cutting=cross_cutting,
            )
            return function

        return decorate

    def get(self, check_id: str) -> Check:
        return self._checks[check_id]

    def __iter__(self) -> Iterator[Check]:
        # Cross-cutting checks look at every exchange, so they run after the others.
        def key(item: Check) -> tuple[bool, int]:
            prefix = item.id.split("-", 1)[0]
            group = GROUPS.index(prefix) if prefix in GROUPS else len(GROUPS)
            return item.cross_cutting, group

        return iter(sorted(self._checks.values(), key=key))

    def __len__(self) -> int:
        return len(self._checks)

    def __contains__(self, check_id: object) -> bool:
        return check_id in self._checks


REGISTRY = CheckRegistry()
check = REGISTRY.register


def all_checks() -> list[Check]:
    from conformance import _checks  # noqa: F401  (registers the built-in checks)

    return list(REGISTRY)
