"""A validating, recording proxy for implementations of the liveness contract.

``ContractProxy`` (an ASGI app) streams each request to an upstream, validates the
exchange with the gate's own rules (``spec``'s schemas and statuses, ``conformance``'s
invariants) and reports violations in the answer's headers, a log line, a running
report and, optionally, a JSONL recording. ``replay`` re-sends a recording to another
implementation and lists what changed.
"""

from proxy._app import (
    CLIENT_VIOLATIONS_HEADER,
    MODES,
    REPORT_PATH,
    VIOLATIONS_HEADER,
    ContractProxy,
    ProxyConfig,
)
from proxy._errors import ProxyError, UpstreamUnavailable
from proxy._model import CLIENT, SERVER, Problem, RequestView, Violation
from proxy._record import Recorder, recordings
from proxy._replay import Outcome, ReplayResult, replay
from proxy._report import Report
from proxy._request import read_request
from proxy._response import check_response

__all__ = [
    "CLIENT",
    "CLIENT_VIOLATIONS_HEADER",
    "MODES",
    "REPORT_PATH",
    "SERVER",
    "VIOLATIONS_HEADER",
    "ContractProxy",
    "Outcome",
    "Problem",
    "ProxyConfig",
    "ProxyError",
    "Recorder",
    "ReplayResult",
    "Report",
    "RequestView",
    "UpstreamUnavailable",
    "Violation",
    "check_response",
    "read_request",
    "recordings",
    "replay",
]
