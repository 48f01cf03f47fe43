from __future__ import annotations

import spec
from conformance import _expect
from conformance._context import CheckContext
from conformance._registry import MUST, check

DOCUMENTED = ", ".join(str(code) for code in sorted(_expect.documented_anywhere()))


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
    title=f"Every status code is documented ({DOCUMENTED})",
    clause=_expect.RESPONSES_CLAUSE,
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
        if exchange.response.status in spec.error_statuses(exchange.request.api):
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
        if exchange.response.status not in spec.error_statuses(exchange.request.api):
            continue
        ok, body = _expect.parsed(ctx, exchange)
        if ok:
            for failure in _expect.schema_failures(exchange, body):
                ctx.fail(failure)
