"""One check per invariant of ``x-invariants``, evaluated on the answers to the scenarios."""

from __future__ import annotations

from collections.abc import Iterator

from conformance._context import CheckContext
from conformance._corpus import SCENARIOS, SCENARIOS_BY_NAME
from conformance._invariants import INVARIANTS, Invariant, compare_apis, compare_repeats
from conformance._models import Exchange
from conformance._registry import MUST, SHOULD, check


def scenario_exchanges(ctx: CheckContext) -> Iterator[Exchange]:
    yield from ctx.send_all([s.request(api) for s in SCENARIOS for api in ctx.apis])


def _register(invariant: Invariant) -> None:
    def run(ctx: CheckContext) -> None:
        for exchange in scenario_exchanges(ctx):
            violation = invariant.check(exchange.request, exchange.response, url=exchange.url)
            if violation is not None:
                ctx.fail(violation)

    run.__name__ = invariant.id.lower().replace("-", "_")
    check(
        id=invariant.id,
        severity=MUST,
        title=invariant.title,
        clause=f"x-invariants/{invariant.id}",
    )(run)


for _invariant in INVARIANTS:
    _register(_invariant)


@check(
    id="INV-V1-V2",
    severity=MUST,
    title="v1 and v2 agree for the same request (x-v1-from-v2)",
    clause="x-invariants/INV-V1-V2; x-v1-from-v2",
)
def v1_v2(ctx: CheckContext) -> None:
    ctx.require_apis("v1", "v2")
    sent = iter(ctx.send_all([s.request(api) for s in SCENARIOS for api in ("v1", "v2")]))
    for scenario, first, second in zip(SCENARIOS, sent, sent, strict=False):
        mismatch = compare_apis(first, second, location=f"scenario {scenario.name}")
        if mismatch is not None:
            ctx.fail(mismatch)


DETERMINISM_SCENARIOS = ("image", "video")


@check(
    id="INV-DETERMINISM",
    severity=SHOULD,
    title="The same request gives the same verdicts every time",
    clause="x-invariants/INV-DETERMINISM",
)
def determinism(ctx: CheckContext) -> None:
    api = ctx.apis[-1]
    for name in DETERMINISM_SCENARIOS:
        request = SCENARIOS_BY_NAME[name].request(api)
        first = ctx.send(request)
        again = ctx.send(request, fresh=True)
        difference = compare_repeats(first, again)
        if difference is not None:
            ctx.fail(difference)
