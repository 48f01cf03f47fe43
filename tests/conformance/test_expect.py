"""Status sets are read from the spec, and the expected error code travels with the request."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

import conformance
import spec
from conformance import (
    RunConfig,
    Target,
    UndocumentedStatus,
    UnexpectedErrorCode,
    _expect,
)
from conformance._context import CheckContext
from conformance._corpus import form
from conformance._models import TOKEN_PLACEHOLDER
from conformance._transport import Session
from tests.conformance.asgi import Memo


def error_codes(ctx: CheckContext) -> None:
    # Through the registry: importing a check module directly would change the order the
    # checks register in, and so the order of CHECKS.md.
    conformance.all_checks()
    conformance.REGISTRY.get("ERR-003")(ctx)


@pytest.fixture
def ctx(memo: Memo, token: str) -> Iterator[CheckContext]:
    target = Target(app=memo)
    try:
        yield CheckContext(RunConfig(token=token), Session(target, {TOKEN_PLACEHOLDER: token}))
    finally:
        target.close()


def test_the_documented_statuses_are_the_specs() -> None:
    for api, path in spec.PATHS.items():
        responses = spec.load_spec()["paths"][path]["post"]["responses"]
        assert spec.documented_statuses(api) == {int(code) for code in responses}
        assert spec.error_statuses(api) == spec.documented_statuses(api) - {200}
    title = next(c.title for c in conformance.all_checks() if c.id == "HTTP-002")
    assert title == "Every status code is documented (200, 400, 401, 413, 422)"


def test_the_documented_status_check_follows_the_spec(
    ctx: CheckContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    exchange = ctx.send(form("v1", label="empty multipart body"))
    assert exchange.response.status == 400
    _expect.documented_status(ctx, [exchange])
    assert ctx.failures == []
    monkeypatch.setattr(spec, "documented_statuses", lambda api: frozenset({200, 422}))
    _expect.documented_status(ctx, [exchange])
    (failure,) = ctx.failures
    assert isinstance(failure, UndocumentedStatus)
    assert (failure.received, failure.expected) == (400, frozenset({200, 422}))


def test_the_expected_error_code_travels_with_the_request_not_its_label(
    ctx: CheckContext,
) -> None:
    # The same request (an empty multipart body, answered missing_media) under the label
    # ERR-003 once looked codes up by, then stating another code under a new label.
    ctx.send(form("v2", label="empty multipart body"))
    error_codes(ctx)
    assert ctx.failures == []
    ctx.send(form("v2", label="anything", expected_code="duplicate_part"), fresh=True)
    error_codes(ctx)
    (failure,) = ctx.failures
    assert isinstance(failure, UnexpectedErrorCode)
    assert (failure.received, failure.expected) == ("missing_media", "duplicate_part")
    assert failure.location == "POST /v2/liveness (anything)"


def test_the_gates_coded_requests_get_their_codes_from_the_mock(ctx: CheckContext) -> None:
    for check_id in ("REQ-001", "REQ-002", "REQ-003", "REQ-005", "PREC-002", "PREC-004"):
        check = next(c for c in conformance.all_checks() if c.id == check_id)
        check(ctx)
    coded = [e for e in ctx.exchanges if e.request.expected_code is not None]
    assert {e.request.expected_code for e in coded} == {
        "missing_media",
        "not_multipart",
        "duplicate_part",
        "empty_file",
    }
    error_codes(ctx)
    assert ctx.failures == []
