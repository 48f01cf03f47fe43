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

SYMBOLS = {
    Status.PASSED: "PASSED",
    Status.FAILED: "FAILED",
    Status.SKIPPED: "SKIPPED",
    Status.INCONCLUSIVE: "INCONCL",
}


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
    if summary.inconclusive:
        parts.append(f"{summary.inconclusive} inconclusive")
    retries = retries_text(summary)
    return f"{', '.join(parts)}; {summary.requests} requests in {summary.duration:.2f}s; {retries}"


def retries_text(summary: Summary) -> str:
    if not summary.retries_total:
        return "no retries"
    causes = ", ".join(f"{cause} x{count}" for cause, count in summary.retries.items())
    return f"{summary.retries_total} retries ({causes}) on {summary.retried_requests} requests"


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
            self.write(f"== {event.summary.verdict}: {_summary_line(event.summary)} ==")
            if event.summary.hint is not None:
                self.write(f"inconclusive: {event.summary.hint}")
        self.stream.flush()

    def _row(self, result: CheckResult) -> None:
        item = result.check
        line = f"{SYMBOLS[result.status]:<8} {item.severity.value:<7} {item.id:<23} {item.title}"
        if result.status in (Status.SKIPPED, Status.INCONCLUSIVE):
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
        "inconclusive": summary.inconclusive,
        "requests_retried": summary.retried_requests,
        "retries": summary.retries,
        "duration": round(summary.duration, 3),
        "verdict": summary.verdict,
        "exit_code": summary.exit_code,
    }
    if summary.hint is not None:
        record["hint"] = summary.hint
    if started is not None:
        record["target"] = "in-process" if started.in_process else started.base_url
        record["apis"] = list(started.config.apis)
        record["expect_verdicts"] = started.config.expect_verdicts
        record["fuzz_examples"] = started.config.fuzz_examples
        record["seed"] = started.config.seed
        record["settings"] = {"concurrency": started.concurrency, "retries": started.retries}
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
                "coverage": coverage.as_dict() if (coverage := event.summary.coverage) else None,
            }
            text = json.dumps(document, indent=2, ensure_ascii=False) + "\n"
            self.path.write_text(text, encoding="utf-8")


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
        errors=str(summary.inconclusive),
        time=f"{summary.duration:.3f}",
    )
    properties = ElementTree.SubElement(suite, "properties")
    for name, value in (
        ("verdict", summary.verdict),
        ("requests", str(summary.requests)),
        ("retries", str(summary.retries_total)),
        *((f"retries.{cause}", str(count)) for cause, count in summary.retries.items()),
        *(
            (f"coverage.{d.name}", f"{len(d.exercised)}/{d.total}")
            for d in (summary.coverage.dimensions if summary.coverage else ())
        ),
    ):
        ElementTree.SubElement(properties, "property", name=name, value=value)
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
        elif result.status is Status.INCONCLUSIVE:
            ElementTree.SubElement(
                case, "error", message=result.skip_reason or "", type="inconclusive"
            )
    ElementTree.indent(suite)
    document: bytes = ElementTree.tostring(suite, encoding="utf-8", xml_declaration=True)
    return document + b"\n"
