from __future__ import annotations


class ConformanceError(Exception):
    """Base class of the errors the conformance suite raises."""


class InvalidConfiguration(ConformanceError):
    """A run was configured with a value it cannot use."""


class TargetUnreachable(ConformanceError):
    """The implementation under test could not be reached at all."""


class TransportError(ConformanceError):
    """One request could not be completed (connection refused, reset, timed out)."""


class DuplicateCheckError(ConformanceError):
    """Two checks were registered under the same id."""


class BodyShapeError(ConformanceError):
    """A body an invariant was asked to judge lacks the shape its schema gives it."""


class CorpusError(ConformanceError):
    """The fixture corpus the suite ships with lacks media a check needs (a broken install)."""


class Inconclusive(TransportError):
    """A transient fault (429, timeout, dropped connection) outlasted every retry: the run
    could not observe the contract, which is neither a pass nor a failure."""

    def __init__(self, message: str, *, cause: str, hint: str) -> None:
        super().__init__(message)
        self.cause = cause
        self.hint = hint
