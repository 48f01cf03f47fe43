"""The response side: the status is the one the request calls for and is documented, the
content type is JSON, the body matches its schema, a 401 carries its challenge, and a 200
keeps the contract's invariants.

The rules are the gate's own objects: ``spec``'s documented statuses and schema validators,
``conformance.check_invariants`` (the ``INVARIANTS``), ``compare_repeats`` and
``compare_apis``. Each violation carries the id of the gate check that states the rule.
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from collections.abc import Iterator, Mapping
from typing import Any

import conformance
import spec
from proxy._model import Problem, RequestView, Violation

CONTENT_CODES = frozenset(
    {
        "payload_too_large",
        "corrupt_image",
        "image_too_large",
        "corrupt_video",
        "no_video_stream",
        "video_too_long",
    }
)
# The precedence checks of the gate: (stage that must win, stage answered instead) -> check.
PRECEDENCE = {
    ("auth", "media"): "PREC-001",
    ("auth", "tuning"): "PREC-001",
    ("media", "tuning"): "PREC-002",
    ("duplicate", "tuning"): "PREC-004",
    ("tuning", "content"): "PREC-003",
}
REMEMBERED = 512


def success_check(view: RequestView) -> str:
    """The gate check that requires a 200 with a valid body for this kind of request."""
    if view.tuning.get("image_type") == "base64":
        return "MODE-005"
    if view.mode == "image_video":
        enhanced = view.tuning.get("enhanced_detection", "True").lower() == "true"
        return "MODE-003" if enhanced else "MODE-004"
    return "MODE-002" if view.mode == "video" else "MODE-001"


def _rejected_check(view: RequestView) -> str:
    """The check a valid request breaks when it is refused."""
    if view.tuning.get("image_type") == "base64":
        return "MODE-005"
    if view.tuning:
        return "TUNE-004"
    return success_check(view)


def _code(body: Any) -> Any:
    detail = body.get("detail") if isinstance(body, dict) else None
    return detail.get("code") if isinstance(detail, dict) else None


# The stage of a 400 by its detail.code: what the server says it found wrong.
CODE_STAGES = {
    "not_multipart": "form",
    "malformed_multipart": "form",
    "duplicate_part": "duplicate",
    "missing_media": "media",
}


def _answered_stage(status: int, body: Any) -> str | None:
    if status == 401:
        return "auth"
    if status == 422:
        return "tuning"
    if status == 400 and isinstance(_code(body), str):
        return CODE_STAGES.get(_code(body), "content")
    return None


def _status_violations(view: RequestView, status: int, body: Any) -> Iterator[Violation]:
    expected = view.expected
    if expected is None:
        if status in (200, 401, 413):  # 401: a key the proxy cannot know; 413: size limits
            return
        if status == 400 and (_code(body) is None or _code(body) in CONTENT_CODES):
            return  # the content is unusable (a JPEG that does not decode), or unreadable
        if status >= 500:  # HTTP-001 as well; the request's own check fails with it
            check = success_check(view)
        elif status in (400, 422):
            check = _rejected_check(view)
        else:
            return  # an undocumented status: HTTP-002 says it
        yield Violation(
            check, f"a valid request ({view.branch or view.mode}) was answered {status}"
        )
        return
    if status == expected.status:
        if expected.code is not None and _code(body) not in (None, expected.code):
            check = "AUTH-009" if expected.code == "missing_token" else "ERR-003"
            message = f"detail.code is {_code(body)!r}, expected {expected.code!r}"
            yield Violation(check, f"{message} ({expected.message})")
        if status == 422 and body is not None:
            yield from _unnamed_fields(view, body)
        return
    yield Violation(_precedence(view, expected, status, body), _mismatch(expected, status))


def _precedence(view: RequestView, expected: Problem, status: int, body: Any) -> str:
    """The precedence check when the answer reports a problem of a later stage."""
    stages = {problem.stage for problem in view.problems[1:] if problem.status == status}
    answered = _answered_stage(status, body)
    if answered is not None:
        stages.add(answered)
    for stage in sorted(stages):
        check = PRECEDENCE.get((expected.stage, stage))
        if check is not None and stage != expected.stage:
            return check
    return expected.check


def _mismatch(expected: Problem, status: int) -> str:
    code = f" {expected.code}" if expected.code else ""
    return f"answered {status}, the contract requires {expected.status}{code}: {expected.message}"


def _unnamed_fields(view: RequestView, body: Any) -> Iterator[Violation]:
    detail = body.get("detail") if isinstance(body, dict) else None
    named: set[str] = set()
    if isinstance(detail, dict):
        for location in detail.values():
            if isinstance(location, dict):
                named.update(location)
    for problem in view.problems:
        if problem.status == 422:
            field = problem.message.split(":", 1)[0]
            if field not in named:
                yield Violation(problem.check, f"the 422 does not name {field!r}")


def _shape_violations(
    view: RequestView, status: int, headers: Mapping[str, str], content: bytes
) -> tuple[list[Violation], Any]:
    """The content-type and schema violations, and the decoded body (None if not JSON)."""
    api = view.api
    check = success_check(view) if status == 200 else "ERR-002"
    media_type = headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if media_type != "application/json":
        type_check = success_check(view) if status == 200 else "ERR-001"
        return [Violation(type_check, f"a {status} with content type {media_type or 'none'}")], None
    try:
        body = json.loads(content)
    except ValueError:
        return [Violation(check, f"a {status} whose body is not JSON")], None
    name = spec.response_schema_name(api, status)
    errors = spec.response_errors(api, status, body)[:5]
    return [Violation(check, f"{name}: {message}") for message in errors], body


def _to_conformance(
    path: str, view: RequestView, status: int, headers: Mapping[str, str], content: bytes
) -> conformance.Exchange:
    parts = []
    for part in view.parts:
        if part["filename"] is not None:
            parts.append(conformance.Part(part["name"], b"", filename=part["filename"]))
        else:
            value = view.tuning.get(part["name"], "")
            parts.append(conformance.Part.text(part["name"], value))
    request = conformance.Request(path=path, parts=tuple(parts))
    response = conformance.Response(status=status, headers=dict(headers), content=content)
    return conformance.Exchange(request=request, response=response, url=path)


class Memory:
    """The last answers per request content, to apply INV-DETERMINISM and INV-V1-V2."""

    def __init__(self, size: int = REMEMBERED) -> None:
        self._seen: OrderedDict[tuple[str, str], conformance.Exchange] = OrderedDict()
        self._size = size
        self._lock = threading.Lock()

    def compare(self, key: str, api: str, exchange: conformance.Exchange) -> list[Violation]:
        other_api = "v1" if api == "v2" else "v2"
        with self._lock:
            before = self._seen.get((key, api))
            other = self._seen.get((key, other_api))
            self._seen[(key, api)] = exchange
            self._seen.move_to_end((key, api))
            while len(self._seen) > self._size:
                self._seen.popitem(last=False)
        found: list[Violation] = []
        if before is not None:
            repeat = conformance.compare_repeats(before, exchange)
            if repeat is not None:
                found.append(Violation("INV-DETERMINISM", _differences(repeat.received)))
        if other is not None:
            v1, v2 = (exchange, other) if api == "v1" else (other, exchange)
            mismatch = conformance.compare_apis(v1, v2)
            if mismatch is not None:
                found.append(Violation("INV-V1-V2", _differences(mismatch.received)))
        return found


def _differences(differences: tuple[conformance.Difference, ...]) -> str:
    return "; ".join(str(item) for item in differences[:5])


def check_response(
    path: str,
    view: RequestView,
    status: int,
    headers: Mapping[str, str],
    content: bytes,
    memory: Memory | None = None,
) -> list[Violation]:
    """Every way the answer breaks the contract, given the request; ``headers`` lowercase."""
    found: list[Violation] = []
    if status >= 500:
        found.append(Violation("HTTP-001", f"a server error: {status}"))
    if status not in spec.documented_statuses(view.api):
        documented = ", ".join(str(code) for code in sorted(spec.documented_statuses(view.api)))
        found.append(Violation("HTTP-002", f"status {status} is not documented ({documented})"))
        found += _status_violations(view, status, None)
        return found
    shape, body = _shape_violations(view, status, headers, content)
    found += shape
    if shape and status != 200:
        body = None  # an error body of another shape: its code and fields cannot be read
    found += _status_violations(view, status, body)
    if status == 401 and not headers.get("www-authenticate", "").lower().startswith("bearer"):
        found.append(Violation("AUTH-008", "a 401 without a Bearer WWW-Authenticate challenge"))
    if status == 200 and body is not None:
        exchange = _to_conformance(path, view, status, headers, content)
        for violation in conformance.check_invariants(exchange.request, exchange.response):
            found.append(Violation(violation.invariant, "; ".join(violation.received)))
        if memory is not None and view.expected is None:
            found += memory.compare(view.key, view.api, exchange)
    return found
