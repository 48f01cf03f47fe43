"""Assertions shared by the checks; each records failures on the context and says if it held."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from jsonschema.exceptions import ValidationError, best_match

import spec
from conformance._context import CheckContext
from conformance._failures import (
    Failure,
    MalformedJson,
    MissingField,
    SchemaError,
    SchemaViolation,
    ServerError,
    UndocumentedStatus,
    UnexpectedStatus,
    WrongContentType,
    WrongType,
)
from conformance._models import Exchange

JSON_MEDIA_TYPE = "application/json"
RESPONSES_CLAUSE = "; ".join(f"paths.{path}.post.responses" for path in spec.PATHS.values())


def documented_anywhere() -> frozenset[int]:
    """Every status the spec documents, on any operation (for titles)."""
    return frozenset(code for api in spec.PATHS for code in spec.documented_statuses(api))


def describe(exchange: Exchange) -> str:
    return exchange.request.location


def body_excerpt(exchange: Exchange) -> str:
    """The start of the response body, as text (for status failures)."""
    return exchange.response.content[:160].decode("utf-8", "replace")


def documented(exchange: Exchange) -> frozenset[int]:
    """The statuses the spec documents for the operation the exchange called."""
    return spec.documented_statuses(exchange.request.api)


def status(
    ctx: CheckContext, exchange: Exchange, expected: int | frozenset[int], why: str = ""
) -> bool:
    allowed = frozenset({expected}) if isinstance(expected, int) else expected
    if exchange.response.status in allowed:
        return True
    ctx.fail(
        UnexpectedStatus(
            received=exchange.response.status,
            expected=allowed,
            reason=why,
            body=body_excerpt(exchange),
            location=describe(exchange),
            exchange=exchange,
        )
    )
    return False


def json_content(ctx: CheckContext, exchange: Exchange) -> bool:
    media_type = exchange.response.media_type
    if media_type == JSON_MEDIA_TYPE:
        return True
    ctx.fail(
        WrongContentType(
            received=exchange.response.headers.get("content-type"),
            expected=JSON_MEDIA_TYPE,
            status=exchange.response.status,
            location=describe(exchange),
            exchange=exchange,
        )
    )
    return False


def parsed(ctx: CheckContext, exchange: Exchange) -> tuple[bool, Any]:
    try:
        return True, exchange.response.json()
    except ValueError:
        ctx.fail(
            MalformedJson(
                received=exchange.response.content[:120],
                status=exchange.response.status,
                location=describe(exchange),
                exchange=exchange,
            )
        )
        return False, None


def schema_failures(exchange: Exchange, body: Any) -> list[Failure]:
    """The ways ``body`` breaks the canonical schema of its status, one failure per kind."""
    api = exchange.request.api
    try:
        name = spec.response_schema_name(api, exchange.response.status)
    except ValueError:
        return []
    if spec.schema_conforms(name, body):
        return []  # jsonschema's walk is needed only for the errors of a failing body
    validator = spec.schema_validator(name)
    grouped: dict[type[MissingField | WrongType | SchemaViolation], list[SchemaError]] = {}
    for error in validator.iter_errors(body):
        leaf = _leaf(error)
        kind: type[MissingField | WrongType | SchemaViolation]
        if leaf.validator == "required":
            kind = MissingField
        elif leaf.validator == "type":
            kind = WrongType
        else:
            kind = SchemaViolation
        where = "/".join(str(part) for part in leaf.absolute_path) or "<root>"
        item = SchemaError(path=where, validator=str(leaf.validator), message=leaf.message)
        grouped.setdefault(kind, []).append(item)
    return [
        kind(
            received=tuple(errors),
            expected=name,
            api=api,
            status=exchange.response.status,
            location=describe(exchange),
            exchange=exchange,
        )
        for kind, errors in grouped.items()
    ]


def _leaf(error: ValidationError) -> ValidationError:
    if error.context:
        best = best_match(error.context)
        if best is not None:
            return _leaf(best)
    return error


def valid_body(ctx: CheckContext, exchange: Exchange) -> Any:
    """The JSON body when it has the JSON content type and matches its schema, else None."""
    ok_type = json_content(ctx, exchange)
    ok, body = parsed(ctx, exchange)
    if not ok:
        return None
    failures = schema_failures(exchange, body)
    for failure in failures:
        ctx.fail(failure)
    return body if ok_type and not failures else None


def success(ctx: CheckContext, exchange: Exchange, why: str = "") -> Any:
    """A 200 with a contract-valid JSON body: the body, or None (failures recorded)."""
    if not status(ctx, exchange, 200, why):
        return None
    return valid_body(ctx, exchange)


def validation_fields(body: Any) -> set[str]:
    """The field names a 422 body reports, in any location."""
    names: set[str] = set()
    detail = body.get("detail") if isinstance(body, dict) else None
    if isinstance(detail, dict):
        for fields in detail.values():
            if isinstance(fields, dict):
                names.update(fields)
    return names


def no_server_error(ctx: CheckContext, exchanges: Iterable[Exchange]) -> None:
    for exchange in exchanges:
        if exchange.response.status >= 500:
            ctx.fail(
                ServerError(
                    received=exchange.response.status,
                    body=body_excerpt(exchange),
                    location=describe(exchange),
                    exchange=exchange,
                )
            )


def documented_status(ctx: CheckContext, exchanges: Iterable[Exchange]) -> None:
    for exchange in exchanges:
        allowed = documented(exchange)
        if exchange.response.status not in allowed:
            ctx.fail(
                UndocumentedStatus(
                    received=exchange.response.status,
                    expected=allowed,
                    body=body_excerpt(exchange),
                    location=describe(exchange),
                    exchange=exchange,
                )
            )
