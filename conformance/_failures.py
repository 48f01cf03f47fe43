"""Violations as data: one class per kind, with a stable title and a Received/Expected message."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, ClassVar

from conformance._models import Exchange


def _show(value: Any, limit: int = 200) -> str:
    text = json.dumps(value, ensure_ascii=False, default=repr)
    return text if len(text) <= limit else text[: limit - 3] + "..."


@dataclass
class Failure(Exception):
    """One way a response breaks the contract."""

    title: ClassVar[str] = "Contract violation"
    received: str = ""
    expected: str = ""
    context: str = ""
    exchange: Exchange | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        Exception.__init__(self, self.message)

    @property
    def message(self) -> str:
        lines = []
        if self.context:
            lines.append(self.context)
        lines.append(f"Received: {self.received}")
        lines.append(f"Expected: {self.expected}")
        return "\n".join(lines)

    @property
    def kind(self) -> str:
        return type(self).__name__

    def __str__(self) -> str:
        return self.message

    __hash__ = object.__hash__


@dataclass(eq=False)
class UnexpectedStatus(Failure):
    title: ClassVar[str] = "Unexpected status code"


@dataclass(eq=False)
class UndocumentedStatus(Failure):
    title: ClassVar[str] = "Undocumented status code"


@dataclass(eq=False)
class ServerError(Failure):
    title: ClassVar[str] = "Server error"


@dataclass(eq=False)
class WrongContentType(Failure):
    title: ClassVar[str] = "Wrong content type"


@dataclass(eq=False)
class MalformedJson(Failure):
    title: ClassVar[str] = "Body is not JSON"


@dataclass(eq=False)
class MissingField(Failure):
    title: ClassVar[str] = "Missing field"


@dataclass(eq=False)
class WrongType(Failure):
    title: ClassVar[str] = "Field of the wrong type"


@dataclass(eq=False)
class SchemaViolation(Failure):
    title: ClassVar[str] = "Body does not match the schema"


@dataclass(eq=False)
class InvariantViolation(Failure):
    title: ClassVar[str] = "Invariant violated"


@dataclass(eq=False)
class ApiMismatch(Failure):
    title: ClassVar[str] = "v1 and v2 disagree"


@dataclass(eq=False)
class NonDeterministic(Failure):
    title: ClassVar[str] = "Different answers to the same request"


@dataclass(eq=False)
class FieldNotNamed(Failure):
    title: ClassVar[str] = "Validation error does not name the field"


@dataclass(eq=False)
class UnexpectedErrorCode(Failure):
    title: ClassVar[str] = "Unexpected error code"


@dataclass(eq=False)
class MissingChallenge(Failure):
    title: ClassVar[str] = "Missing WWW-Authenticate challenge"


@dataclass(eq=False)
class VerdictMismatch(Failure):
    title: ClassVar[str] = "Unexpected verdict"


@dataclass(eq=False)
class NegativeDataAccepted(Failure):
    title: ClassVar[str] = "Invalid request accepted"


@dataclass(eq=False)
class ConnectionFailure(Failure):
    title: ClassVar[str] = "Request failed at the transport level"


@dataclass(eq=False)
class CheckCrashed(Failure):
    title: ClassVar[str] = "Check could not evaluate the response"


FAILURE_KINDS: tuple[type[Failure], ...] = (
    UnexpectedStatus,
    UndocumentedStatus,
    ServerError,
    WrongContentType,
    MalformedJson,
    MissingField,
    WrongType,
    SchemaViolation,
    InvariantViolation,
    ApiMismatch,
    NonDeterministic,
    FieldNotNamed,
    UnexpectedErrorCode,
    MissingChallenge,
    VerdictMismatch,
    NegativeDataAccepted,
    ConnectionFailure,
    CheckCrashed,
)


def show(value: Any, limit: int = 200) -> str:
    return _show(value, limit)
