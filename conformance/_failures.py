"""Violations as data: one class per kind, as Schemathesis reports them.

A failure holds typed fields: what was ``received``, what was ``expected`` (where the kind
has a variable expectation), the ``location`` (the request, as ``POST /path (label)``) and
the ``exchange`` it was seen on. Each kind states a stable ``title``; ``message`` is rendered
from the fields (the location, then Received and Expected lines), and ``dedup_key`` says
when two failures are the same problem seen twice. ``FAILURE_KINDS`` lists every kind, in
the order they are defined here, collected as they are declared.

Every kind lives in this one module, past 400 lines, so that the list is complete by
construction: a kind declared elsewhere would be missed by whoever reads this file.
"""

from __future__ import annotations

import json
from collections.abc import Hashable
from dataclasses import dataclass, field, fields
from typing import Any, ClassVar

from conformance._models import Exchange

_KINDS: list[type[Failure]] = []


def show(value: Any, limit: int = 200) -> str:
    """A value as compact JSON, cut to ``limit`` characters (for messages)."""
    text = json.dumps(value, ensure_ascii=False, default=repr)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _status_text(status: int, body: str) -> str:
    return f"{status} {body!r}" if body else str(status)


def _statuses(codes: frozenset[int], joiner: str) -> str:
    return joiner.join(str(code) for code in sorted(codes))


@dataclass(frozen=True, slots=True)
class SchemaError:
    """One way a body breaks its schema: where (a JSON pointer-like path), which keyword, why."""

    path: str
    validator: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


@dataclass(frozen=True, slots=True)
class Difference:
    """A field whose two values should agree and do not."""

    name: str
    first: Any
    second: Any


@dataclass(eq=False, kw_only=True)
class Failure(Exception):
    """One way a response breaks the contract (the base of every kind)."""

    title: ClassVar[str] = "Contract violation"
    location: str = ""
    exchange: Exchange | None = field(default=None, repr=False)

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "title" not in cls.__dict__:
            raise TypeError(f"failure kind {cls.__name__} must state its own title")
        _KINDS.append(cls)

    def __post_init__(self) -> None:
        Exception.__init__(self, self.message)

    def __reduce__(self) -> tuple[Any, ...]:
        # Exception pickles its args; a failure is rebuilt from its fields instead.
        values = {item.name: getattr(self, item.name) for item in fields(self)}
        return _rebuild, (type(self), values)

    @property
    def received_text(self) -> str:
        raise NotImplementedError

    @property
    def expected_text(self) -> str:
        raise NotImplementedError

    @property
    def context(self) -> str:
        """The first line of the message: where the failure was seen."""
        return self.location

    @property
    def message(self) -> str:
        lines = [self.context] if self.context else []
        lines.append(f"Received: {self.received_text}")
        lines.append(f"Expected: {self.expected_text}")
        return "\n".join(lines)

    @property
    def kind(self) -> str:
        return type(self).__name__

    @property
    def operation(self) -> str:
        """``METHOD /path`` of the request, or "" when no exchange is attached."""
        if self.exchange is None:
            return ""
        return f"{self.exchange.request.method} {self.exchange.request.path}"

    def _detail(self) -> tuple[Hashable, ...]:
        return ()

    @property
    def dedup_key(self) -> tuple[Hashable, ...]:
        """Equal for failures that are the same problem: kind, operation and what was wrong."""
        return (self.kind, self.operation, *self._detail())

    def __str__(self) -> str:
        return self.message


def _rebuild(kind: type[Failure], values: dict[str, Any]) -> Failure:
    return kind(**values)


def deduplicate(failures: list[Failure]) -> list[Failure]:
    """The first failure of each ``dedup_key``, in order."""
    seen: set[tuple[Hashable, ...]] = set()
    kept = []
    for failure in failures:
        if failure.dedup_key not in seen:
            seen.add(failure.dedup_key)
            kept.append(failure)
    return kept


@dataclass(eq=False, kw_only=True)
class UnexpectedStatus(Failure):
    title: ClassVar[str] = "Unexpected status code"
    received: int
    expected: frozenset[int]
    reason: str = ""
    body: str = ""

    @property
    def received_text(self) -> str:
        return _status_text(self.received, self.body)

    @property
    def expected_text(self) -> str:
        reason = f" ({self.reason})" if self.reason else ""
        return _statuses(self.expected, " or ") + reason

    def _detail(self) -> tuple[Hashable, ...]:
        return (self.received, tuple(sorted(self.expected)))


@dataclass(eq=False, kw_only=True)
class UndocumentedStatus(Failure):
    title: ClassVar[str] = "Undocumented status code"
    received: int
    expected: frozenset[int]
    body: str = ""

    @property
    def received_text(self) -> str:
        return _status_text(self.received, self.body)

    @property
    def expected_text(self) -> str:
        return "one of " + _statuses(self.expected, ", ")

    def _detail(self) -> tuple[Hashable, ...]:
        return (self.received,)


@dataclass(eq=False, kw_only=True)
class ServerError(Failure):
    title: ClassVar[str] = "Server error"
    received: int
    body: str = ""

    @property
    def received_text(self) -> str:
        return _status_text(self.received, self.body)

    @property
    def expected_text(self) -> str:
        return "a documented 2xx or 4xx status"

    def _detail(self) -> tuple[Hashable, ...]:
        return (self.received,)


@dataclass(eq=False, kw_only=True)
class WrongContentType(Failure):
    title: ClassVar[str] = "Wrong content type"
    received: str | None
    expected: str
    status: int

    @property
    def context(self) -> str:
        return f"{self.location} answered {self.status}"

    @property
    def received_text(self) -> str:
        return repr("<none>" if self.received is None else self.received)

    @property
    def expected_text(self) -> str:
        return repr(self.expected)

    def _detail(self) -> tuple[Hashable, ...]:
        return (self.status, self.received)


@dataclass(eq=False, kw_only=True)
class MalformedJson(Failure):
    title: ClassVar[str] = "Body is not JSON"
    received: bytes
    status: int

    @property
    def context(self) -> str:
        return f"{self.location} answered {self.status}"

    @property
    def received_text(self) -> str:
        return repr(self.received)

    @property
    def expected_text(self) -> str:
        return "a JSON document"

    def _detail(self) -> tuple[Hashable, ...]:
        return (self.status,)


@dataclass(eq=False, kw_only=True)
class _SchemaFields:
    """The fields the schema kinds share (a mixin, not a kind)."""

    received: tuple[SchemaError, ...]
    expected: str
    api: str
    status: int

    @property
    def received_text(self) -> str:
        shown = "; ".join(str(error) for error in self.received[:5])
        return shown + (" ..." if len(self.received) > 5 else "")

    @property
    def expected_text(self) -> str:
        return f"a body matching {self.expected} ({self.api}, status {self.status})"

    def _detail(self) -> tuple[Hashable, ...]:
        return (self.expected, self.status, tuple(error.path for error in self.received))


@dataclass(eq=False, kw_only=True)
class MissingField(_SchemaFields, Failure):
    title: ClassVar[str] = "Missing field"


@dataclass(eq=False, kw_only=True)
class WrongType(_SchemaFields, Failure):
    title: ClassVar[str] = "Field of the wrong type"


@dataclass(eq=False, kw_only=True)
class SchemaViolation(_SchemaFields, Failure):
    title: ClassVar[str] = "Body does not match the schema"


@dataclass(eq=False, kw_only=True)
class InvariantViolation(Failure):
    title: ClassVar[str] = "Invariant violated"
    invariant: str
    received: tuple[str, ...]
    expected: str

    @property
    def received_text(self) -> str:
        return "; ".join(self.received)

    @property
    def expected_text(self) -> str:
        return self.expected

    def _detail(self) -> tuple[Hashable, ...]:
        return (self.invariant,)


@dataclass(eq=False, kw_only=True)
class ApiMismatch(Failure):
    title: ClassVar[str] = "v1 and v2 disagree"
    received: tuple[Difference, ...]

    @property
    def received_text(self) -> str:
        return "; ".join(
            f"{item.name}: v1 {show(item.first)}, v2 maps to {show(item.second)}"
            for item in self.received
        )

    @property
    def expected_text(self) -> str:
        return "every v1 field equal to its x-v1-from-v2 image of the v2 body"

    def _detail(self) -> tuple[Hashable, ...]:
        return tuple(item.name for item in self.received)


@dataclass(eq=False, kw_only=True)
class NonDeterministic(Failure):
    title: ClassVar[str] = "Different answers to the same request"
    received: tuple[Difference, ...]

    @property
    def received_text(self) -> str:
        return ", ".join(
            f"{item.name}: {show(item.first)} then {show(item.second)}" for item in self.received
        )

    @property
    def expected_text(self) -> str:
        return "the same verdicts and values"

    def _detail(self) -> tuple[Hashable, ...]:
        return tuple(item.name for item in self.received)


@dataclass(eq=False, kw_only=True)
class FieldNotNamed(Failure):
    title: ClassVar[str] = "Validation error does not name the field"
    received: frozenset[str]
    expected: frozenset[str]

    @property
    def missing(self) -> frozenset[str]:
        return self.expected - self.received

    @property
    def received_text(self) -> str:
        return f"detail naming {sorted(self.received)}"

    @property
    def expected_text(self) -> str:
        return f"detail naming {sorted(self.expected)} (missing {sorted(self.missing)})"

    def _detail(self) -> tuple[Hashable, ...]:
        return tuple(sorted(self.missing))


@dataclass(eq=False, kw_only=True)
class UnexpectedErrorCode(Failure):
    title: ClassVar[str] = "Unexpected error code"
    received: object
    expected: str

    @property
    def received_text(self) -> str:
        return repr(self.received)

    @property
    def expected_text(self) -> str:
        return repr(self.expected)

    def _detail(self) -> tuple[Hashable, ...]:
        return (self.expected, repr(self.received))


@dataclass(eq=False, kw_only=True)
class MissingChallenge(Failure):
    title: ClassVar[str] = "Missing WWW-Authenticate challenge"
    received: str

    @property
    def received_text(self) -> str:
        return repr(self.received) if self.received else "no WWW-Authenticate header"

    @property
    def expected_text(self) -> str:
        return "WWW-Authenticate: Bearer ..."


@dataclass(eq=False, kw_only=True)
class VerdictMismatch(Failure):
    title: ClassVar[str] = "Unexpected verdict"
    received: tuple[str, ...]
    expected: str

    @property
    def received_text(self) -> str:
        return "; ".join(self.received)

    @property
    def expected_text(self) -> str:
        return f"the verdict its label implies ({self.expected})"

    def _detail(self) -> tuple[Hashable, ...]:
        return (self.expected,)


@dataclass(eq=False, kw_only=True)
class NegativeDataAccepted(Failure):
    title: ClassVar[str] = "Invalid request accepted"
    received: int
    expected: frozenset[int]

    @property
    def received_text(self) -> str:
        return str(self.received)

    @property
    def expected_text(self) -> str:
        return _statuses(self.expected, " or ") + ": the request breaks the contract"

    def _detail(self) -> tuple[Hashable, ...]:
        return (self.received,)


@dataclass(eq=False, kw_only=True)
class ConnectionFailure(Failure):
    title: ClassVar[str] = "Request failed at the transport level"
    received: str

    @property
    def received_text(self) -> str:
        return self.received

    @property
    def expected_text(self) -> str:
        return "a response"

    def _detail(self) -> tuple[Hashable, ...]:
        return (self.received,)


@dataclass(eq=False, kw_only=True)
class CheckCrashed(Failure):
    title: ClassVar[str] = "Check could not evaluate the response"
    received: str

    @property
    def received_text(self) -> str:
        return self.received

    @property
    def expected_text(self) -> str:
        return "a response the check can evaluate"

    def _detail(self) -> tuple[Hashable, ...]:
        return (self.received,)


FAILURE_KINDS: tuple[type[Failure], ...] = tuple(_KINDS)
