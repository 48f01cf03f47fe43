"""``liveness-kit bulk``: run every case of a ZIP archive, write the results as a ZIP.

The command line around the ``bulk`` package: options, the token (a development token
minted by the mock for a loopback URL), progress on stderr and the summary on stdout.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import os
import sys
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Final, TextIO

import httpx

from bulk import (
    BulkInputError,
    Case,
    CaseResult,
    CaseSet,
    Journal,
    JournalError,
    Problem,
    Progress,
    TargetUnreachable,
    make_client,
    preflight,
    read_cases,
    read_labels,
    run_bulk,
    write_archive,
)
from liveness_kit._errors import UsageError

DEFAULT_BASE_URL: Final = "http://127.0.0.1:8080"
TOKEN_VARIABLE: Final = "LIVENESS_KIT_TOKEN"
DEV_TOKEN_TTL: Final = 24 * 3600
LOOPBACK_HOSTS: Final = frozenset({"localhost", "127.0.0.1", "::1"})
MAX_CONCURRENCY: Final = 64
MAX_RETRIES: Final = 10
MAX_TIMEOUT: Final = 3600.0
LISTED_FAILURES: Final = 10
# Reported by liveness_kit.cli as one line, exit 2. The other errors of the bulk package
# are translated to a UsageError here, because their message needs the run's context.
USAGE_ERRORS: Final = (UsageError, JournalError)


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "bulk",
        help="send every case of a ZIP archive to the API and collect the results as a ZIP",
        description=(
            "Send every case of INPUT.zip (<case>_image.jpg|jpeg|png, <case>_video.mp4, "
            "optional <case>_params.json; folders allowed) to the liveness API and write the "
            "responses, a summary CSV, the errors and a manifest to a ZIP. See docs/bulk.md."
        ),
    )
    parser.add_argument("input", metavar="INPUT.zip", help="the input archive")
    parser.add_argument(
        "--base-url", default=DEFAULT_BASE_URL, help=f"the API (default {DEFAULT_BASE_URL})"
    )
    parser.add_argument(
        "--token",
        help=f"bearer token (default: ${TOKEN_VARIABLE}; for a local mock, a development token)",
    )
    parser.add_argument("--api", choices=("v1", "v2"), default="v2", help="default v2")
    parser.add_argument(
        "-o", "--output", metavar="OUTPUT.zip", help="default: INPUT-results.zip next to INPUT"
    )
    parser.add_argument(
        "--concurrency", default="4", help=f"requests in flight, 1 to {MAX_CONCURRENCY} (default 4)"
    )
    parser.add_argument(
        "--resume", action="store_true", help="continue an interrupted run from its journal"
    )
    parser.add_argument(
        "--retry-failed",
        action="store_true",
        help="with --resume, send again the cases the journal records as failed",
    )
    parser.add_argument(
        "--timeout", default="60", help="seconds per attempt of a request (default 60)"
    )
    parser.add_argument(
        "--retries",
        default="3",
        help=f"retries of a timeout, connection error, 5xx or 429, 0 to {MAX_RETRIES} (default 3)",
    )
    parser.add_argument(
        "--no-timings",
        action="store_true",
        help="leave duration_ms empty, so that identical results give identical archives",
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    input_path = Path(args.input)
    base_url = _base_url(args.base_url)
    concurrency = _whole_number("--concurrency", args.concurrency, 1, MAX_CONCURRENCY)
    retries = _whole_number("--retries", args.retries, 0, MAX_RETRIES)
    timeout = _seconds("--timeout", args.timeout)
    output = _output_path(input_path, args.output)
    journal_path = output.with_name(output.name + ".journal.jsonl")
    if args.retry_failed and not args.resume:
        raise UsageError("--retry-failed goes with --resume")
    if journal_path.exists() and not args.resume:
        raise UsageError(
            f"{journal_path} holds an interrupted run: pass --resume to continue it, "
            "or delete it to start over"
        )
    try:
        cases, problems = read_cases(input_path)
        labels = read_labels(input_path, CaseSet(cases, problems)).data  # kept for evaluate
    except BulkInputError as error:
        message = str(error)
        if not message.startswith("cannot read"):  # otherwise it names the file already
            message = f"{input_path}: {message}"
        raise UsageError(message) from None
    token = _token(args.token, base_url)
    asyncio.run(_preflight(base_url, token))

    identity = {"api": args.api, "base_url": str(base_url)}
    try:
        journal = Journal(journal_path, identity=identity, resume=args.resume)
    except OSError as error:
        raise UsageError(f"cannot write {journal_path}: {error.strerror}") from None
    if journal.resumed:
        print(f"resuming: {len(journal)} finished cases in {journal_path}", file=sys.stderr)

    progress = ProgressLine(sys.stderr)
    started = time.perf_counter()
    try:
        with journal:
            results = asyncio.run(
                _run(
                    cases,
                    base_url,
                    token,
                    api=args.api,
                    concurrency=concurrency,
                    retries=retries,
                    timeout=timeout,
                    journal=journal,
                    redo_failed=args.retry_failed,
                    on_progress=progress,
                )
            )
    except OSError as error:  # network errors are per case; this is the journal's disk
        progress.close()
        raise UsageError(f"cannot write {journal_path}: {error.strerror or error}") from None
    except KeyboardInterrupt:
        progress.close()
        return _interrupted(len(journal), journal_path)
    progress.close()
    options = {"api": args.api, "base_url": str(base_url), "retries": retries, "timeout": timeout}
    try:
        write_archive(
            results, problems, output, options=options, timings=not args.no_timings, labels=labels
        )
    except OSError as error:
        raise UsageError(
            f"cannot write {output}: {error.strerror} (the results are kept in {journal_path}: "
            "run again with --resume)"
        ) from None
    except KeyboardInterrupt:  # the archive is written whole or not at all
        return _interrupted(len(journal), journal_path)
    journal.discard()
    _print_summary(results, problems, time.perf_counter() - started, output, sys.stdout)
    failed = any(result.outcome == "failed" for result in results)
    return 1 if failed or problems else 0


def _interrupted(finished: int, journal_path: Path) -> int:
    print(
        f"liveness-kit bulk: interrupted; {finished} finished cases are kept in "
        f"{journal_path}: run the same command with --resume to continue",
        file=sys.stderr,
    )
    return 130


async def _run(
    cases: Sequence[Case], base_url: httpx.URL, token: str, **options: Any
) -> list[CaseResult]:
    async with make_client(base_url, token, concurrency=options["concurrency"]) as client:
        return await run_bulk(cases, client, **options)


async def _preflight(base_url: httpx.URL, token: str) -> None:
    """Fail early, with one line, when nothing listens at the base URL."""
    async with make_client(base_url, token, concurrency=1) as client:
        try:
            await preflight(client)
        except TargetUnreachable as error:
            raise UsageError(f"cannot connect to {base_url}: {error}") from None


class ProgressLine:
    """A progress bar on a terminal; elsewhere a line at every tenth of the run or 15 s."""

    def __init__(self, stream: TextIO, *, tty: bool | None = None) -> None:
        self.stream = stream
        self.tty = stream.isatty() if tty is None else tty
        self._last_time = 0.0
        self._last_step = -1
        self._drawn = False

    def __call__(self, progress: Progress) -> None:
        now = time.monotonic()
        last = progress.done == progress.total
        if self.tty:
            if last or now - self._last_time >= 0.1:
                self.stream.write("\r" + self._bar(progress))
                self.stream.flush()
                self._drawn = True
                self._last_time = now
            return
        step = progress.done * 10 // max(progress.total, 1)
        if last or step > self._last_step or now - self._last_time >= 15:
            if progress.result is None and progress.done == 0:
                return
            self.stream.write(self._line(progress) + "\n")
            self.stream.flush()
            self._last_step = step
            self._last_time = now

    def close(self) -> None:
        if self.tty and self._drawn:
            self.stream.write("\n")
            self.stream.flush()
            self._drawn = False

    def _bar(self, progress: Progress) -> str:
        width = 24
        filled = width * progress.done // max(progress.total, 1)
        bar = "#" * filled + "." * (width - filled)
        return f"[{bar}] {progress.done}/{progress.total} {_counts(progress.counts)}"

    def _line(self, progress: Progress) -> str:
        percent = 100 * progress.done // max(progress.total, 1)
        return (
            f"bulk: {progress.done}/{progress.total} cases ({percent}%), "
            f"{_counts(progress.counts)}, {progress.elapsed:.1f} s"
        )


def _counts(counts: Mapping[str, int]) -> str:
    return (
        f"ok {counts.get('ok', 0)} 4xx {counts.get('client_error', 0)} "
        f"failed {counts.get('failed', 0)}"
    )


def _print_summary(
    results: Sequence[CaseResult],
    problems: Sequence[Problem],
    seconds: float,
    output: Path,
    stream: TextIO,
) -> None:
    outcomes = {"ok": 0, "client_error": 0, "failed": 0}
    for result in results:
        outcomes[result.outcome] += 1
    invalid = sorted({problem.case for problem in problems if problem.case is not None})
    total = len(results) + len(invalid)
    stream.write(
        f"{total} cases in {seconds:.1f} s: {outcomes['ok']} ok, "
        f"{outcomes['client_error']} client_error (4xx), {outcomes['failed']} failed, "
        f"{len(invalid)} invalid; {len(problems)} input problems\n"
    )
    lines = [f"failed  {r.name}: {r.error}" for r in results if r.outcome == "failed"]
    lines += [f"problem {problem}" for problem in problems]
    for line in lines[:LISTED_FAILURES]:
        stream.write(line + "\n")
    if len(lines) > LISTED_FAILURES:
        stream.write(f"... {len(lines) - LISTED_FAILURES} more in errors.json\n")
    if any(result.status == 401 for result in results):
        stream.write("some cases got 401 Unauthorized: check --token\n")
    stream.write(f"wrote {output}\n")


def _base_url(text: str) -> httpx.URL:
    try:
        url = httpx.URL(text)
    except httpx.InvalidURL:
        url = None
    if url is None or url.scheme not in ("http", "https") or not url.host:
        raise UsageError(f"--base-url must be an http:// or https:// URL, got {text!r}")
    return url


def _token(explicit: str | None, base_url: httpx.URL) -> str:
    token = explicit or os.environ.get(TOKEN_VARIABLE)
    if token:
        return token
    if base_url.host in LOOPBACK_HOSTS or base_url.host.startswith("127."):
        return _development_token()
    raise UsageError(f"no token: pass --token or set {TOKEN_VARIABLE}")


def _development_token() -> str:
    """A token for the local mock, minted the way ``liveness-kit token`` mints it."""
    try:
        from mock_server.auth import issue_token
        from mock_server.config import Settings, SettingsError
    except ImportError:
        raise UsageError(f"no token: pass --token or set {TOKEN_VARIABLE}") from None
    try:
        return issue_token(Settings.from_env(), ttl_seconds=DEV_TOKEN_TTL)
    except SettingsError as error:
        raise UsageError(f"cannot mint a development token: {error}") from None


def _output_path(input_path: Path, output: str | None) -> Path:
    if output is None:
        path = input_path.with_name(input_path.stem + "-results.zip")
    else:
        path = Path(output)
    if path.is_dir():
        raise UsageError(f"-o {path} is a directory; name the output file")
    if not path.parent.is_dir():
        raise UsageError(f"cannot write {path}: no directory {path.parent}")
    if path.exists() and input_path.exists() and path.resolve() == input_path.resolve():
        raise UsageError("the output must not overwrite the input")
    return path


def _whole_number(option: str, text: str, low: int, high: int) -> int:
    try:
        value = int(text)
    except ValueError:
        value = None
    if value is None or not low <= value <= high:
        raise UsageError(f"{option} must be a whole number from {low} to {high}, got {text!r}")
    return value


def _seconds(option: str, text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not 0 < value <= MAX_TIMEOUT:
        raise UsageError(f"{option} must be a number of seconds from 0 to {MAX_TIMEOUT:g}")
    return value
