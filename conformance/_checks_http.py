from __future__ import annotations

from conformance import _expect
from conformance._context import CheckContext
from conformance._registry import MUST, check

ERROR_STATUSES = frozenset({400, 401, 413, 422})


@check(
    id="HTTP-001",
    severity=MUST,
    title="No request gets a server error (5xx)",
    clause="paths (no 5xx response is documented)",
    cross_cutting=True,
)
def no_server_error(ctx: CheckContext) -> None:
    _expect.no_server_error(ctx, ctx.exchanges)


@check(
    id="HTTP-002",
    severity=MUST,
    title="Every status code is documented (200, 400, 401, 413, 422)",
    clause="paths./liveness.post.responses; paths./v2/liveness.post.responses",
    cross_cutting=True,
)
def documented_status(ctx: CheckContext) -> None:
    _expect.documented_status(ctx, ctx.exchanges)


@check(
    id="ERR-001",
    severity=MUST,
    title="Every error response is JSON",
    clause="info.description, Errors and their precedence; components.responses",
    cross_cutting=True,
)
def error_content_type(ctx: CheckContext) -> None:
    for exchange in ctx.exchanges:
        if exchange.response.status in ERROR_STATUSES:
            _expect.json_content(ctx, exchange)


@check(
    id="ERR-002",
    severity=MUST,
    title="Every error body matches its schema (ErrorBody, ValidationErrorBody for 422)",
    clause="components.schemas.ErrorBody; components.schemas.ValidationErrorBody",
    cross_cutting=True,
)
def error_schema(ctx: CheckContext) -> None:
    for exchange in ctx.exchanges:
        if exchange.response.status not in ERROR_STATUSES:
            continue
        ok, body = _expect.parsed(ctx, exchange)
        if ok:
            for failure in _expect.schema_failures(exchange, body):
                ctx.fail(failure)
