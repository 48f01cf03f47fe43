"""The pytest plugin: with ``--conformance-base-url`` and ``--conformance-token`` the checks
are collected as pytest items (marked ``conformance``); without them it does nothing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from conformance._errors import ConformanceError
from conformance._registry import Check, Severity
from conformance._reports import JsonWriter
from conformance._retry import DEFAULT_CONCURRENCY, DEFAULT_RETRIES, RetryPolicy, parse_rate_limit
from conformance._runner import (
    API_CHOICES,
    CheckResult,
    RunConfig,
    RunFinished,
    Status,
    run,
    select_checks,
)
from conformance._transport import Target

PLUGIN_NAME = "liveness-conformance-session"


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("liveness-conformance", "liveness API conformance")
    group.addoption("--conformance-base-url", metavar="URL", help="implementation to check")
    group.addoption("--conformance-token", metavar="TOKEN", help="a valid bearer token")
    group.addoption("--conformance-api", choices=sorted(API_CHOICES), default="both")
    group.addoption("--conformance-secret", metavar="SECRET", help="to mint an expired token")
    group.addoption("--conformance-expect-verdicts", action="store_true", default=False)
    group.addoption("--conformance-fuzz-examples", type=int, default=0, metavar="N")
    group.addoption("--conformance-seed", type=int, default=0, metavar="N")
    group.addoption("--conformance-json", metavar="PATH", help="write the JSON report")
    group.addoption("--conformance-concurrency", type=int, default=DEFAULT_CONCURRENCY)
    group.addoption("--conformance-retries", type=int, default=DEFAULT_RETRIES, metavar="N")
    group.addoption("--conformance-rate-limit", metavar="RATE", help="e.g. 10/s or 600/m")


def pytest_configure(config: pytest.Config) -> None:
    base_url = config.getoption("--conformance-base-url", default=None)
    if not base_url:
        return
    token = config.getoption("--conformance-token", default=None)
    if not token:
        raise pytest.UsageError("--conformance-base-url needs --conformance-token")
    try:
        run_config = RunConfig(
            token=token,
            apis=API_CHOICES[config.getoption("--conformance-api")],
            secret=config.getoption("--conformance-secret"),
            expect_verdicts=config.getoption("--conformance-expect-verdicts"),
            fuzz_examples=config.getoption("--conformance-fuzz-examples"),
            seed=config.getoption("--conformance-seed"),
        )
        rate = config.getoption("--conformance-rate-limit")
        transport = {
            "concurrency": max(1, config.getoption("--conformance-concurrency")),
            "retry": RetryPolicy(
                retries=config.getoption("--conformance-retries"), seed=run_config.seed
            ),
            "rate_limit": parse_rate_limit(rate) if rate else None,
        }
    except ConformanceError as exc:
        raise pytest.UsageError(f"conformance: {exc}") from None
    config.addinivalue_line("markers", "conformance: a liveness API conformance check")
    json_path = config.getoption("--conformance-json")
    config.pluginmanager.register(
        ConformanceSession(base_url, run_config, Path(json_path) if json_path else None, transport),
        PLUGIN_NAME,
    )


class ConformanceSession:
    """Runs the suite once, on the first item, and hands each item its result."""

    def __init__(
        self,
        base_url: str,
        config: RunConfig,
        json_path: Path | None,
        transport: dict[str, Any] | None = None,
    ) -> None:
        self.base_url = base_url
        self.transport = transport or {}
        self.config = config
        self.json_path = json_path
        self._results: dict[str, CheckResult] | None = None
        self._error: str | None = None

    @pytest.hookimpl(tryfirst=True)
    def pytest_collection_modifyitems(
        self, session: pytest.Session, config: pytest.Config, items: list[pytest.Item]
    ) -> None:
        for item in select_checks(self.config):
            items.append(ConformanceItem.from_parent(session, name=item.id, check=item))

    def result(self, check_id: str) -> CheckResult:
        if self._error is not None:
            raise ConformanceRunError(self._error)
        if self._results is None:
            self._results = {}
            target = Target(self.base_url, **self.transport)
            writer = JsonWriter(self.json_path) if self.json_path else None
            try:
                for event in run(target, self.config):
                    if writer is not None:
                        writer.handle(event)
                    if isinstance(event, RunFinished):
                        self._results = {r.check.id: r for r in event.results}
            except ConformanceError as exc:
                self._error = str(exc)
                raise ConformanceRunError(self._error) from None
            finally:
                target.close()
        return self._results[check_id]


class ConformanceRunError(Exception):
    pass


class CheckFailed(Exception):
    def __init__(self, result: CheckResult) -> None:
        super().__init__(result.message)
        self.result = result


class ConformanceItem(pytest.Item):
    def __init__(self, *, check: Check, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.check = check
        self.add_marker(pytest.mark.conformance)

    def runtest(self) -> None:
        plugin = self.config.pluginmanager.get_plugin(PLUGIN_NAME)
        assert isinstance(plugin, ConformanceSession)
        result = plugin.result(self.check.id)
        if result.status is Status.SKIPPED:
            pytest.skip(result.skip_reason or "skipped")
        if result.status is Status.INCONCLUSIVE:
            raise ConformanceRunError(f"inconclusive: {result.skip_reason}")
        if result.status is Status.FAILED:
            if self.check.severity is Severity.SHOULD:
                pytest.xfail(f"SHOULD: {result.message.splitlines()[0]}")
            raise CheckFailed(result)

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> str:
        if isinstance(excinfo.value, CheckFailed):
            from conformance._replay import replay

            lines = [f"{self.check.id} [{self.check.severity.value}] {self.check.title}"]
            lines.append(f"clause: {self.check.clause}")
            for failure in excinfo.value.result.failures:
                lines += ["", failure.title, failure.message]
                data = replay(failure.exchange)
                if data is not None:
                    lines.append(f"Replay: {data['curl']}")
                    lines.append(
                        f"Response: {data['response']['status']} {data['response']['body']}"
                    )
            return "\n".join(lines)
        if isinstance(excinfo.value, ConformanceRunError):
            return f"conformance: {excinfo.value}"
        return str(super().repr_failure(excinfo))

    def reportinfo(self) -> tuple[str, int | None, str]:
        return "conformance", None, f"{self.check.id}: {self.check.title}"
