"""Report writers: each consumes the runner's events."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any, Protocol, TextIO
from xml.etree import ElementTree

from conformance._registry import Check
from conformance._replay import replay
from conformance._runner import (
    CheckFinished,
    CheckResult,
    Event,
    RunFinished,
    RunStarted,
    Status,
    Summary,
)

SYMBOLS = {Status.PASSED: "PASSED", Status.FAILED: "FAILED", Status.SKIPPED: "SKIPPED"}


class Writer(Protocol):
    def handle(self, event: Event) -> None: ...


def _summary_line(summary: Summary) -> str:
    parts = [f"{summary.passed} passed"]
    if summary.failed:
        parts.append(
            f"{summary.failed} failed (MUST {summary.must_failed}, SHOULD {summary.should_failed})"
        )
    if summary.skipped:
        parts.append(f"{summary.skipped} skipped")
    return f"{', '.join(parts)}; {summary.requests} requests in {summary.duration:.2f}s"


class TerminalWriter:
    def __init__(self, stream: TextIO | None = None, *, verbose: bool = False) -> None:
        self.stream = stream or sys.stdout
        self.verbose = verbose

    def write(self, text: str = "") -> None:
        self.stream.write(text + "\n")

    def handle(self, event: Event) -> None:
        if isinstance(event, RunStarted):
            where = "in-process ASGI app" if event.in_process else event.base_url
            apis = ", ".join(event.config.apis)
            self.write(f"liveness-kit conformance: {where} (api {apis})")
            self.write(f"{len(event.checks)} checks selected")
            self.write()
        elif isinstance(event, CheckFinished):
            self._row(event.result)
        elif isinstance(event, RunFinished):
            self._failures(event.results)
            self.write()
            verdict = "FAILED" if event.summary.exit_code else "PASSED"
            self.write(f"== {verdict}: {_summary_line(event.summary)} ==")
        self.stream.flush()

    def _row(self, result: CheckResult) -> None:
        item = result.check
        line = f"{SYMBOLS[result.status]:<8} {item.severity.value:<7} {item.id:<23} {item.title}"
        if result.status is Status.SKIPPED:
            line += f" [{result.skip_reason}]"
        self.write(line)

    def _failures(self, results: tuple[CheckResult, ...]) -> None:
        failed = [result for result in results if result.status is Status.FAILED]
        if not failed:
            return
        self.write()
        self.write("== FAILURES ==")
        for result in failed:
            item = result.check
            self.write()
            self.write(f"--- {item.id} [{item.severity.value}] {item.title}")
            self.write(f"    clause: {item.clause}")
            for failure in result.failures:
                self.write()
                self.write(f"  {failure.title}")
                for line in failure.message.splitlines():
                    self.write(f"    {line}")
                data = replay(failure.exchange)
                if data is not None:
                    self.write(f"    Replay: {data['curl'][:2000]}")
                    response = data["response"]
                    self.write(f"    Response: {response['status']} {response['headers']}")
                    self.write(f"      {response['body'][:300]}")


def result_record(result: CheckResult) -> dict[str, Any]:
    item = result.check
    failures = [
        {
            "kind": failure.kind,
            "title": failure.title,
            "message": failure.message,
            "replay": replay(failure.exchange),
        }
        for failure in result.failures
    ]
    return {
        "id": item.id,
        "severity": item.severity.value,
        "status": result.status.value,
        "title": item.title,
        "message": result.message,
        "clause": item.clause,
        "duration": round(result.duration, 4),
        "replay": failures[0]["replay"] if failures else None,
        "failures": failures,
    }


def summary_record(summary: Summary, started: RunStarted | None) -> dict[str, Any]:
    record: dict[str, Any] = {
        "passed": summary.passed,
        "failed": summary.failed,
        "skipped": summary.skipped,
        "must_failed": summary.must_failed,
        "should_failed": summary.should_failed,
        "requests": summary.requests,
        "duration": round(summary.duration, 3),
        "exit_code": summary.exit_code,
    }
    if started is not None:
        record["target"] = "in-process" if started.in_process else started.base_url
        record["apis"] = list(started.config.apis)
        record["expect_verdicts"] = started.config.expect_verdicts
        record["fuzz_examples"] = started.config.fuzz_examples
        record["seed"] = started.config.seed
    return record


class JsonWriter:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._started: RunStarted | None = None

    def handle(self, event: Event) -> None:
        if isinstance(event, RunStarted):
            self._started = event
        elif isinstance(event, RunFinished):
            document = {
                "summary": summary_record(event.summary, self._started),
                "results": [result_record(result) for result in event.results],
            }
            self.path.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n")


class JUnitWriter:
    def __init__(self, path: Path) -> None:
        self.path = path

    def handle(self, event: Event) -> None:
        if isinstance(event, RunFinished):
            self.path.write_bytes(junit_xml(event))


def _classname(item: Check) -> str:
    return "conformance." + item.id.split("-", 1)[0].lower()


def junit_xml(event: RunFinished) -> bytes:
    summary = event.summary
    suite = ElementTree.Element(
        "testsuite",
        name="liveness-conformance",
        tests=str(len(event.results)),
        failures=str(summary.failed),
        skipped=str(summary.skipped),
        errors="0",
        time=f"{summary.duration:.3f}",
    )
    for result in event.results:
        item = result.check
        case = ElementTree.SubElement(
            suite,
            "testcase",
            classname=_classname(item),
            name=f"{item.id} {item.title}",
            time=f"{result.duration:.3f}",
        )
        if result.status is Status.FAILED:
            failure = ElementTree.SubElement(
                case,
                "failure",
                message=f"[{item.severity.value}] {result.failures[0].title}",
                type=result.failures[0].kind,
            )
            details = []
            for item_failure in result.failures:
                details.append(f"{item_failure.title}: {item_failure.message}")
                data = replay(item_failure.exchange)
                if data is not None:
                    details.append(f"Replay: {data['curl']}")
            failure.text = "\n\n".join(details)
        elif result.status is Status.SKIPPED:
            ElementTree.SubElement(case, "skipped", message=result.skip_reason or "")
    ElementTree.indent(suite)
    document: bytes = ElementTree.tostring(suite, encoding="utf-8", xml_declaration=True)
    return document + b"\n"
