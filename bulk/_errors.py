"""The errors the bulk runner raises; each message says what is wrong in one line."""

from __future__ import annotations


class BulkError(Exception):
    """Base class of the errors the bulk runner raises."""


class BulkInputError(BulkError, ValueError):
    """The input archive as a whole cannot be used: not a ZIP, too many entries, too large."""


class JournalError(BulkError):
    """A journal that cannot be resumed from; the message says why."""


class TargetUnreachable(BulkError):
    """Nothing listens at the base URL; the message is the connection error."""
