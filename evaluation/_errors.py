"""The errors an evaluation raises; each message says what is wrong in one line."""

from __future__ import annotations


class EvaluationError(Exception):
    """Base class of the errors an evaluation raises."""


class TargetUnreachable(EvaluationError):
    """A request could not be completed at all; the message is the transport error."""
