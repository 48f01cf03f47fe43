from __future__ import annotations

from dataclasses import dataclass

from conformance import _expect, _fuzz
from conformance._context import CheckContext
from conformance._failures import NegativeDataAccepted
from conformance._models import Exchange
from conformance._registry import MUST, Profile, check

FUZZ_KEY = "fuzz"
# The statuses that reject what a request holds: 400 (its structure or media) and 422 (a
# tuning value); 401 and 413 are about the token and the size, which fuzzing keeps valid.
REJECTIONS = frozenset({400, 422})


@dataclass(frozen=True, slots=True)
class FuzzExchange:
    case: _fuzz.FuzzCase
    exchange: Exchange


def fuzz_exchanges(ctx: CheckContext) -> list[FuzzExchange]:
    """Generate and send the fuzz cases once per run (on a session of their own)."""
    if ctx.config.fuzz_examples == 0:
        ctx.skip("fuzzing is off; pass --fuzz-examples N")
    with ctx.session.extras_lock:
        cached = ctx.session.extras.get(FUZZ_KEY)
        if cached is None:
            cases = _fuzz.generate(ctx.apis, ctx.config.fuzz_examples, ctx.config.seed)
            try:
                sent = ctx.session.send_all_detached([case.request for case in cases])
            except Exception as exc:
                ctx.session.extras[FUZZ_KEY] = exc
                raise
            cached = [
                FuzzExchange(case, exchange) for case, exchange in zip(cases, sent, strict=True)
            ]
            ctx.session.extras[FUZZ_KEY] = cached
    if isinstance(cached, Exception):
        raise cached
    assert isinstance(cached, list)
    return cached


@check(
    id="FUZZ-001",
    severity=MUST,
    title="Generated requests get no server error",
    clause="paths (no 5xx response is documented)",
    profile=Profile.FUZZ,
)
def fuzz_server_error(ctx: CheckContext) -> None:
    _expect.no_server_error(ctx, (item.exchange for item in fuzz_exchanges(ctx)))


@check(
    id="FUZZ-002",
    severity=MUST,
    title="Generated requests get documented status codes",
    clause=_expect.RESPONSES_CLAUSE,
    profile=Profile.FUZZ,
)
def fuzz_status(ctx: CheckContext) -> None:
    exchanges = (item.exchange for item in fuzz_exchanges(ctx))
    _expect.documented_status(ctx, (e for e in exchanges if e.response.status < 500))


@check(
    id="FUZZ-003",
    severity=MUST,
    title="Answers to generated requests are JSON",
    clause="paths.*.post.responses.*.content",
    profile=Profile.FUZZ,
)
def fuzz_content_type(ctx: CheckContext) -> None:
    for item in fuzz_exchanges(ctx):
        if item.exchange.response.status in _expect.documented(item.exchange):
            _expect.json_content(ctx, item.exchange)


@check(
    id="FUZZ-004",
    severity=MUST,
    title="Answers to generated requests match the canonical schemas",
    clause="components.schemas (responses)",
    profile=Profile.FUZZ,
)
def fuzz_schema(ctx: CheckContext) -> None:
    for item in fuzz_exchanges(ctx):
        exchange = item.exchange
        if exchange.response.status not in _expect.documented(exchange):
            continue
        body = exchange.response.json_or_none()
        if body is None:
            continue  # FUZZ-003 reports it
        for failure in _expect.schema_failures(exchange, body):
            ctx.fail(failure)


@check(
    id="FUZZ-005",
    severity=MUST,
    title="Generated requests that break the contract on the wire are rejected",
    clause="components.schemas.LivenessMultipartRequest",
    profile=Profile.FUZZ,
)
def fuzz_negative(ctx: CheckContext) -> None:
    for item in fuzz_exchanges(ctx):
        if item.case.expectation != _fuzz.INVALID:
            continue
        if item.exchange.response.status == 200:
            ctx.fail(
                NegativeDataAccepted(
                    received=item.exchange.response.status,
                    expected=REJECTIONS,
                    location=_expect.describe(item.exchange),
                    exchange=item.exchange,
                )
            )


@check(
    id="FUZZ-006",
    severity=MUST,
    title="Generated valid requests are accepted",
    clause="components.schemas.LivenessMultipartRequest",
    profile=Profile.FUZZ,
)
def fuzz_positive(ctx: CheckContext) -> None:
    for item in fuzz_exchanges(ctx):
        if item.case.expectation != _fuzz.VALID:
            continue
        _expect.status(ctx, item.exchange, 200, "the request is valid on the wire")
