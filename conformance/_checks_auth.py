from __future__ import annotations

from conformance import _expect, _tokens
from conformance._context import CheckContext
from conformance._corpus import GENUINE_STILL, form
from conformance._failures import MissingChallenge, UnexpectedErrorCode
from conformance._models import EXPIRED_TOKEN_PLACEHOLDER
from conformance._registry import MUST, SHOULD, check

CLAUSE = "components.securitySchemes.bearerAuth; info.description, Errors and their precedence"


def probe(ctx: CheckContext, authorization: str | None, label: str) -> None:
    """A request that is valid in every way but its Authorization header must get a 401."""
    for api in ctx.apis:
        request = form(api, image=GENUINE_STILL, authorization=authorization, label=label)
        _expect.status(ctx, ctx.send(request), 401, label)


@check(
    id="AUTH-001", severity=MUST, title="A request without Authorization gets 401", clause=CLAUSE
)
def no_header(ctx: CheckContext) -> None:
    probe(ctx, None, "no Authorization header")


@check(id="AUTH-002", severity=MUST, title="Another scheme (Basic) gets 401", clause=CLAUSE)
def other_scheme(ctx: CheckContext) -> None:
    probe(ctx, "Basic Y29uZm9ybWFuY2U6c2VjcmV0", "Basic credentials")


@check(id="AUTH-003", severity=MUST, title="An empty bearer value gets 401", clause=CLAUSE)
def empty_bearer(ctx: CheckContext) -> None:
    probe(ctx, "Bearer", "empty bearer value")


@check(
    id="AUTH-004", severity=MUST, title="A bearer value that is not a JWT gets 401", clause=CLAUSE
)
def garbage(ctx: CheckContext) -> None:
    probe(ctx, "Bearer not-a-jwt", "garbage bearer value")


@check(id="AUTH-005", severity=MUST, title="A JWT signed with another key gets 401", clause=CLAUSE)
def wrong_key(ctx: CheckContext) -> None:
    probe(ctx, "Bearer " + _tokens.wrong_key(ctx.config.token), "JWT signed with a wrong key")


@check(id="AUTH-006", severity=MUST, title="An unsigned JWT (alg=none) gets 401", clause=CLAUSE)
def unsigned(ctx: CheckContext) -> None:
    probe(ctx, "Bearer " + _tokens.unsigned(ctx.config.token), "JWT with alg=none")


@check(id="AUTH-007", severity=MUST, title="An expired, validly signed JWT gets 401", clause=CLAUSE)
def expired(ctx: CheckContext) -> None:
    if not ctx.config.secret:
        ctx.skip(
            "needs --secret: without the server's signing secret an expired token can only be "
            "signed with another key, which AUTH-005 already covers"
        )
    probe(ctx, f"Bearer {EXPIRED_TOKEN_PLACEHOLDER}", "expired JWT")


@check(
    id="AUTH-008",
    severity=SHOULD,
    title="A 401 carries a Bearer WWW-Authenticate challenge",
    clause="components.responses.Unauthorized.headers.WWW-Authenticate",
    cross_cutting=True,
)
def challenge(ctx: CheckContext) -> None:
    for exchange in ctx.exchanges:
        if exchange.response.status != 401:
            continue
        value = exchange.response.headers.get("www-authenticate", "")
        if not value.lower().startswith("bearer"):
            ctx.fail(
                MissingChallenge(
                    received=value,
                    location=_expect.describe(exchange),
                    exchange=exchange,
                )
            )


@check(
    id="AUTH-009",
    severity=SHOULD,
    title="A missing token is reported as missing_token",
    clause="components.schemas.ErrorBody.properties.detail.code",
)
def missing_code(ctx: CheckContext) -> None:
    for api in ctx.apis:
        request = form(
            api, image=GENUINE_STILL, authorization=None, label="no Authorization header"
        )
        exchange = ctx.send(request)
        body = exchange.response.json_or_none()
        code = body.get("detail", {}).get("code") if isinstance(body, dict) else None
        if exchange.response.status == 401 and code != "missing_token":
            ctx.fail(
                UnexpectedErrorCode(
                    received=code,
                    expected="missing_token",
                    location=_expect.describe(exchange),
                    exchange=exchange,
                )
            )
