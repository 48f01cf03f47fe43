class UsageError(Exception):
    """A bad command-line argument or input file; reported as one line, exit status 2."""
