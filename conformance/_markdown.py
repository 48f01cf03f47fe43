"""The Markdown report: a CI job summary or a PR comment (``--markdown PATH``)."""

from __future__ import annotations

from pathlib import Path

from conformance._replay import replay
from conformance._runner import CheckResult, Event, RunFinished, RunStarted, Status, Summary

ICONS = {"PASSED": "✅", "FAILED": "❌", "INCONCLUSIVE": "⚠️"}
REPLAY_CHARS = 1500


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _retries(summary: Summary) -> str:
    if not summary.retries_total:
        return "none"
    causes = ", ".join(f"`{cause}` × {count}" for cause, count in summary.retries.items())
    return f"{summary.retries_total} on {summary.retried_requests} requests ({causes})"


def _failed(result: CheckResult) -> list[str]:
    item = result.check
    lines = [f"<details><summary><b>{item.id}</b> [{item.severity.value}] {item.title}</summary>"]
    lines += ["", f"Clause: `{item.clause}`", ""]
    for failure in result.failures:
        lines += [f"**{failure.title}**", "", "```text", failure.message, "```"]
        data = replay(failure.exchange)
        if data is not None:
            response = data["response"]
            lines += [
                "Replay:",
                "",
                "```sh",
                str(data["curl"])[:REPLAY_CHARS],
                "```",
                f"Response: `{response['status']}` {str(response['body'])[:300]}",
                "",
            ]
    lines += ["</details>", ""]
    return lines


def markdown(event: RunFinished, started: RunStarted | None = None) -> str:
    summary = event.summary
    verdict = summary.verdict
    lines = [f"## {ICONS[verdict]} Liveness API conformance: {verdict}", ""]
    if started is not None:
        where = "in-process ASGI app" if started.in_process else started.base_url
        apis = ", ".join(started.config.apis)
        lines += [f"Target `{where}` (api {apis})", ""]
    lines += [
        "| checks | passed | failed (MUST / SHOULD) | skipped | inconclusive |",
        "| --- | --- | --- | --- | --- |",
        f"| {len(event.results)} | {summary.passed} | {summary.failed} "
        f"({summary.must_failed} / {summary.should_failed}) | {summary.skipped} "
        f"| {summary.inconclusive} |",
        "",
        f"Requests: {summary.requests} · Retries: {_retries(summary)} · "
        f"Duration: {summary.duration:.1f} s",
        "",
    ]
    if summary.hint is not None:
        lines += [f"> Inconclusive: {_cell(summary.hint)}", ""]
    failed = [r for r in event.results if r.status is Status.FAILED]
    if failed:
        lines += ["### Failed checks", ""]
        for result in failed:
            lines += _failed(result)
    inconclusive = [r for r in event.results if r.status is Status.INCONCLUSIVE]
    if inconclusive:
        lines += ["### Inconclusive checks", ""]
        lines += [f"- **{r.check.id}** {_cell(r.skip_reason or '')}" for r in inconclusive]
        lines.append("")
    if summary.coverage is not None:
        lines += ["### Contract coverage", "", "| | exercised | not exercised (why) |"]
        lines.append("| --- | --- | --- |")
        for dim in summary.coverage.dimensions:
            missed = "; ".join(f"`{item}`: {why}" for item, why in dim.missed) or "—"
            lines.append(f"| {dim.title} | {len(dim.exercised)}/{dim.total} | {_cell(missed)} |")
        lines.append("")
    return "\n".join(lines)


class MarkdownWriter:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._started: RunStarted | None = None

    def handle(self, event: Event) -> None:
        if isinstance(event, RunStarted):
            self._started = event
        elif isinstance(event, RunFinished):
            self.path.write_text(markdown(event, self._started), encoding="utf-8")
