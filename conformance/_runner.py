from __future__ import annotations

import enum
import time
import traceback
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import spec
from conformance import _tokens
from conformance._context import CheckContext, History, Skipped
from conformance._coverage import Coverage, measure
from conformance._errors import (
    Inconclusive,
    InvalidConfiguration,
    TargetUnreachable,
    TransportError,
)
from conformance._failures import CheckCrashed, ConnectionFailure, Failure
from conformance._keyword import compile_keyword
from conformance._models import EXPIRED_TOKEN_PLACEHOLDER, TOKEN_PLACEHOLDER, Request
from conformance._registry import Check, Profile, Severity, all_checks
from conformance._transport import Session, Target

API_CHOICES = {"v1": ("v1",), "v2": ("v2",), "both": ("v1", "v2")}
# Exit statuses: 2 (a usage error or an unreachable server) is liveness_kit.cli's.
EXIT_PASSED, EXIT_FAILED, EXIT_INCONCLUSIVE = 0, 1, 3
MAX_FUZZ_EXAMPLES = 10_000


@dataclass(frozen=True, slots=True)
class RunConfig:
    token: str
    apis: tuple[str, ...] = ("v1", "v2")
    secret: str | None = None
    expect_verdicts: bool = False
    fuzz_examples: int = 0
    seed: int = 0
    keyword: str | None = None

    def __post_init__(self) -> None:
        if not self.token.strip():
            raise InvalidConfiguration("the token must not be empty")
        if any(char.isspace() for char in self.token.strip()):
            raise InvalidConfiguration("the token must not contain whitespace")
        if not self.apis or any(api not in spec.PATHS for api in self.apis):
            raise InvalidConfiguration(f"apis must be among v1, v2, got {self.apis!r}")
        if not 0 <= self.fuzz_examples <= MAX_FUZZ_EXAMPLES:
            raise InvalidConfiguration(
                f"fuzz examples must be from 0 to {MAX_FUZZ_EXAMPLES}, got {self.fuzz_examples}"
            )
        if self.seed < 0:
            raise InvalidConfiguration(f"the seed must not be negative, got {self.seed}")
        if self.keyword is not None:
            compile_keyword(self.keyword)


class Status(enum.Enum):
    PASSED = "passed"
    FAILED = "failed"
    SKIPPED = "skipped"
    INCONCLUSIVE = "inconclusive"

    def __str__(self) -> str:
        return self.value


@dataclass(slots=True)
class CheckResult:
    check: Check
    status: Status
    failures: list[Failure] = field(default_factory=list)
    duration: float = 0.0
    skip_reason: str | None = None

    @property
    def message(self) -> str:
        if self.status in (Status.SKIPPED, Status.INCONCLUSIVE):
            return self.skip_reason or ""
        return "\n\n".join(f"{failure.title}: {failure.message}" for failure in self.failures)


@dataclass(frozen=True, slots=True)
class RunStarted:
    base_url: str
    in_process: bool
    config: RunConfig
    checks: tuple[Check, ...]
    concurrency: int = 1
    retries: int = 0


@dataclass(frozen=True, slots=True)
class CheckFinished:
    result: CheckResult


@dataclass(frozen=True, slots=True)
class Summary:
    passed: int
    failed: int
    skipped: int
    must_failed: int
    should_failed: int
    requests: int
    duration: float
    inconclusive: int = 0
    retries: dict[str, int] = field(default_factory=dict)
    retried_requests: int = 0
    coverage: Coverage | None = None
    hint: str | None = None

    @property
    def exit_code(self) -> int:
        """1 when a MUST check failed (a definite finding wins), else 3 when a transient fault
        outlasted the retries, else 0."""
        if self.must_failed:
            return EXIT_FAILED
        return EXIT_INCONCLUSIVE if self.inconclusive else EXIT_PASSED

    @property
    def verdict(self) -> str:
        return {EXIT_FAILED: "FAILED", EXIT_INCONCLUSIVE: "INCONCLUSIVE"}.get(
            self.exit_code, "PASSED"
        )

    @property
    def retries_total(self) -> int:
        return sum(self.retries.values())


@dataclass(frozen=True, slots=True)
class RunFinished:
    results: tuple[CheckResult, ...]
    summary: Summary


Event = RunStarted | CheckFinished | RunFinished


def select_checks(config: RunConfig) -> list[Check]:
    matcher = compile_keyword(config.keyword) if config.keyword else None
    selected = []
    for item in all_checks():
        if item.profile is Profile.VERDICTS and not config.expect_verdicts:
            continue
        if matcher is not None and not matcher(f"{item.id} {item.title}"):
            continue
        selected.append(item)
    return selected


def _substitutions(config: RunConfig) -> dict[str, str]:
    values = {TOKEN_PLACEHOLDER: config.token.strip()}
    if config.secret:
        values[EXPIRED_TOKEN_PLACEHOLDER] = _tokens.expired(config.token.strip(), config.secret)
    return values


def preflight(session: Session) -> None:
    """One unauthenticated request, to tell an unreachable server from a failing one."""
    try:
        session.send(
            Request(path=spec.PATHS["v1"], authorization=None, label="no Authorization header")
        )
    except Inconclusive as exc:
        if exc.cause == "connection":
            raise TargetUnreachable(f"cannot connect to {session.target.base_url}: {exc}") from exc
        raise


def run(target: Target, config: RunConfig) -> Iterator[Event]:
    """Run the selected checks against ``target``; raises TargetUnreachable before any event
    when nothing answers at all, Inconclusive when the first request never gets through.

    At a concurrency above 1 every check runs on a thread of its own (the target bounds the
    requests in flight); results are reported in check order and the requests sent, the
    exchanges each check sees and the verdicts are the same as at concurrency 1.
    """
    checks = tuple(select_checks(config))
    session = Session(target, _substitutions(config))
    started = time.perf_counter()
    preflight(session)
    yield RunStarted(
        target.base_url, target.in_process, config, checks, target.concurrency, target.retry.retries
    )
    history = History(session.exchanges)
    contexts = [CheckContext(config=config, session=session, history=history) for _ in checks]
    results = []
    if target.concurrency == 1 or len(checks) <= 1:
        for item, ctx in zip(checks, contexts, strict=True):
            result = run_check(item, ctx)
            results.append(result)
            yield CheckFinished(result)
    else:
        with ThreadPoolExecutor(max_workers=len(checks), thread_name_prefix="check") as pool:
            futures = [
                pool.submit(run_check, item, ctx)
                for item, ctx in zip(checks, contexts, strict=True)
            ]
            for future in futures:
                result = future.result()
                results.append(result)
                yield CheckFinished(result)
    duration = time.perf_counter() - started
    yield RunFinished(tuple(results), summarize(results, session, duration, history))


def run_check(item: Check, ctx: CheckContext) -> CheckResult:
    started = time.perf_counter()
    skip_reason = None
    inconclusive = None
    try:
        item(ctx)
    except Skipped as skipped:
        skip_reason = skipped.reason
    except Failure as failure:
        ctx.fail(failure)
    except Inconclusive as exc:
        inconclusive = f"{exc}: {exc.hint}"
    except (TargetUnreachable, TransportError) as exc:
        ctx.fail(ConnectionFailure(received=str(exc)))
    except Exception as exc:
        where = traceback.extract_tb(exc.__traceback__)[-1]
        ctx.fail(
            CheckCrashed(
                received=f"{type(exc).__name__}: {exc} (at {where.filename}:{where.lineno})",
            )
        )
    finally:
        if ctx.history is not None:
            ctx.history.finished[ctx.index].set()
    duration = time.perf_counter() - started
    if ctx.failures:
        return CheckResult(item, Status.FAILED, ctx.failures, duration)
    if inconclusive is not None:
        return CheckResult(item, Status.INCONCLUSIVE, [], duration, inconclusive)
    if skip_reason is not None:
        return CheckResult(item, Status.SKIPPED, [], duration, skip_reason)
    return CheckResult(item, Status.PASSED, [], duration)


def summarize(
    results: list[CheckResult], session: Session, duration: float, history: History | None = None
) -> Summary:
    failed = [r for r in results if r.status is Status.FAILED]
    inconclusive = [r for r in results if r.status is Status.INCONCLUSIVE]
    stats = session.target.stats
    exchanges = history.all() if history is not None else list(session.exchanges)
    config = history.contexts[0].config if history is not None and history.contexts else None
    return Summary(
        passed=sum(r.status is Status.PASSED for r in results),
        failed=len(failed),
        skipped=sum(r.status is Status.SKIPPED for r in results),
        must_failed=sum(r.check.severity is Severity.MUST for r in failed),
        should_failed=sum(r.check.severity is Severity.SHOULD for r in failed),
        requests=session.requests_sent,
        duration=duration,
        inconclusive=len(inconclusive),
        retries=stats.as_dict(),
        retried_requests=stats.retried_requests,
        coverage=measure(exchanges, session.fuzz_exchanges(), config),
        hint=inconclusive[0].skip_reason if inconclusive else None,
    )


def run_all(target: Target, config: RunConfig) -> RunFinished:
    """Run to completion and return the final event."""
    final = None
    for event in run(target, config):
        if isinstance(event, RunFinished):
            final = event
    assert final is not None
    return final
