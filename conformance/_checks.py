"""Imports every module that registers built-in checks."""

from conformance import (  # noqa: F401
    _checks_auth,
    _checks_fuzz,
    _checks_http,
    _checks_invariants,
    _checks_modes,
    _checks_requests,
    _checks_verdicts,
)
