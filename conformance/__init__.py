"""A conformance suite for implementations of the liveness contract.

It checks any implementation reachable by base URL, or any ASGI app handed to it,
against ``spec/openapi.yaml``: the gate (fixed, deterministic checks on the corpus),
an opt-in verdict profile and an optional fuzz phase driven by Schemathesis.
"""

from conformance._errors import (
    ConformanceError,
    DuplicateCheckError,
    InvalidConfiguration,
    TargetUnreachable,
    TransportError,
)
from conformance._failures import FAILURE_KINDS, Failure
from conformance._models import Exchange, Part, Request, Response
from conformance._registry import (
    MUST,
    REGISTRY,
    SHOULD,
    Check,
    Profile,
    Severity,
    all_checks,
    check,
)
from conformance._replay import curl, replay
from conformance._reports import JsonWriter, JUnitWriter, TerminalWriter, junit_xml
from conformance._runner import (
    CheckFinished,
    CheckResult,
    RunConfig,
    RunFinished,
    RunStarted,
    Status,
    Summary,
    run,
    run_all,
    select_checks,
)
from conformance._transport import Target

__all__ = [
    "FAILURE_KINDS",
    "MUST",
    "REGISTRY",
    "SHOULD",
    "Check",
    "CheckFinished",
    "CheckResult",
    "ConformanceError",
    "DuplicateCheckError",
    "Exchange",
    "Failure",
    "InvalidConfiguration",
    "JUnitWriter",
    "JsonWriter",
    "Part",
    "Profile",
    "Request",
    "Response",
    "RunConfig",
    "RunFinished",
    "RunStarted",
    "Severity",
    "Status",
    "Summary",
    "Target",
    "TargetUnreachable",
    "TerminalWriter",
    "TransportError",
    "all_checks",
    "check",
    "curl",
    "junit_xml",
    "replay",
    "run",
    "run_all",
    "select_checks",
]
