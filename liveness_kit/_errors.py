"""The error of the commands that live in this package (``bulk``, ``evaluate``)."""


class UsageError(Exception):
    """A bad command-line argument or input file; reported as one line, exit status 2."""
