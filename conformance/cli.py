"""``liveness-kit conform``: run the conformance suite against an implementation.

A bad option raises :class:`InvalidConfiguration`, a server that does not answer
:class:`TargetUnreachable`; ``liveness_kit.cli`` reports either as one line, exit status 2.
A transient fault that outlasts the retries on the first request (:class:`Inconclusive`)
is reported here as one line, exit status 3, like an inconclusive run.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from conformance._errors import Inconclusive, InvalidConfiguration, TargetUnreachable
from conformance._markdown import MarkdownWriter
from conformance._registry import Profile, all_checks
from conformance._reports import JsonWriter, JUnitWriter, TerminalWriter, Writer
from conformance._retry import (
    DEFAULT_CONCURRENCY,
    DEFAULT_RETRIES,
    MAX_CONCURRENCY,
    RetryPolicy,
    parse_rate_limit,
)
from conformance._runner import API_CHOICES, EXIT_INCONCLUSIVE, RunConfig, run
from conformance._transport import DEFAULT_TIMEOUT, DEFAULT_VIDEO_TIMEOUT, Target

USAGE_ERRORS = (InvalidConfiguration, TargetUnreachable)
PROFILE_NOTES = {
    Profile.GATE: "",
    Profile.VERDICTS: " (--expect-verdicts)",
    Profile.FUZZ: " (fuzz)",
}


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "conform",
        help="check an implementation of the liveness API against the contract",
        description=(
            "Run the conformance checks against an implementation reachable at --base-url. "
            "Exit status: 0 when no MUST check fails, 1 when one does, 2 for a usage error "
            f"or an unreachable server, {EXIT_INCONCLUSIVE} when the run is inconclusive "
            "(a 429, timeout or dropped connection outlasted the retries)."
        ),
    )
    parser.add_argument(
        "--base-url", help="where the implementation listens, e.g. http://127.0.0.1:8080"
    )
    parser.add_argument("--token", help="a valid bearer token (JWT) for the implementation")
    parser.add_argument("--api", choices=sorted(API_CHOICES), default="both")
    parser.add_argument("--junit-xml", type=Path, metavar="PATH", help="write a JUnit XML report")
    parser.add_argument("--json", type=Path, metavar="PATH", help="write a JSON report")
    parser.add_argument(
        "--fuzz-examples",
        type=int,
        default=0,
        metavar="N",
        help="generated examples per API and mode for the fuzz phase (default 0: off)",
    )
    parser.add_argument("--seed", type=int, default=0, help="seed of the fuzz phase (default 0)")
    parser.add_argument("-k", dest="keyword", metavar="EXPR", help="select checks by id/title")
    parser.add_argument("--list", action="store_true", help="list the checks and exit")
    parser.add_argument(
        "--expect-verdicts",
        action="store_true",
        help="also expect the verdicts the fixture labels imply (model-dependent)",
    )
    parser.add_argument(
        "--secret",
        help="the server's signing secret: lets the suite mint a validly signed expired token",
    )
    parser.add_argument("--markdown", type=Path, metavar="PATH", help="write a Markdown summary")
    parser.add_argument(
        "--timeout",
        type=float,
        default=DEFAULT_TIMEOUT,
        help=f"seconds per request without a video (default {DEFAULT_TIMEOUT:g})",
    )
    parser.add_argument(
        "--video-timeout",
        type=float,
        default=DEFAULT_VIDEO_TIMEOUT,
        help=f"seconds per request carrying a video (default {DEFAULT_VIDEO_TIMEOUT:g})",
    )
    parser.add_argument(
        "--concurrency",
        type=int,
        default=DEFAULT_CONCURRENCY,
        metavar="N",
        help=f"requests in flight at once (default {DEFAULT_CONCURRENCY})",
    )
    parser.add_argument(
        "--rate-limit",
        metavar="RATE",
        help="at most this many requests per second or minute, e.g. 10/s or 600/m",
    )
    parser.add_argument(
        "--retries",
        type=int,
        default=DEFAULT_RETRIES,
        metavar="N",
        help=f"retries of a 429, 502, 503, 504, timeout or dropped connection "
        f"(default {DEFAULT_RETRIES})",
    )
    parser.set_defaults(handler=run_command)


def _validate_url(value: str | None) -> str:
    if not value:
        raise InvalidConfiguration("--base-url is required (e.g. --base-url http://127.0.0.1:8080)")
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InvalidConfiguration(f"--base-url must be an http(s) URL with a host, got {value!r}")
    if parts.query or parts.fragment:
        raise InvalidConfiguration(f"--base-url must not have a query or fragment, got {value!r}")
    return value


def _validate_output(option: str, path: Path | None) -> None:
    if path is not None and not path.parent.is_dir():
        raise InvalidConfiguration(f"{option}: directory {str(path.parent)!r} does not exist")


def build_config(args: argparse.Namespace) -> RunConfig:
    if not args.token:
        raise InvalidConfiguration("--token is required: a bearer token the implementation accepts")
    if args.fuzz_examples < 0:
        raise InvalidConfiguration(f"--fuzz-examples must be 0 or more, got {args.fuzz_examples}")
    if args.seed < 0:
        raise InvalidConfiguration(f"--seed must be 0 or more, got {args.seed}")
    if args.timeout <= 0:
        raise InvalidConfiguration(f"--timeout must be positive, got {args.timeout}")
    if args.video_timeout <= 0:
        raise InvalidConfiguration(f"--video-timeout must be positive, got {args.video_timeout}")
    if not 1 <= args.concurrency <= MAX_CONCURRENCY:
        raise InvalidConfiguration(
            f"--concurrency must be from 1 to {MAX_CONCURRENCY}, got {args.concurrency}"
        )
    return RunConfig(
        token=args.token,
        apis=API_CHOICES[args.api],
        secret=args.secret,
        expect_verdicts=args.expect_verdicts,
        fuzz_examples=args.fuzz_examples,
        seed=args.seed,
        keyword=args.keyword,
    )


def build_target(args: argparse.Namespace, base_url: str) -> Target:
    """The target with the throughput and resilience options (validated before any request)."""
    rate = parse_rate_limit(args.rate_limit) if args.rate_limit is not None else None
    return Target(
        base_url,
        timeout=args.timeout,
        video_timeout=args.video_timeout,
        concurrency=args.concurrency,
        retry=RetryPolicy(retries=args.retries, seed=args.seed),
        rate_limit=rate,
    )


def list_checks(stream: Any = None) -> int:
    stream = stream or sys.stdout
    checks = all_checks()
    for item in checks:
        note = PROFILE_NOTES[item.profile]
        stream.write(f"{item.id:<23} {item.severity.value:<7} {item.title}{note}\n")
    must = sum(item.severity.value == "MUST" for item in checks)
    stream.write(f"\n{len(checks)} checks: {must} MUST, {len(checks) - must} SHOULD\n")
    return 0


def run_command(args: argparse.Namespace) -> int:
    if args.list:
        return list_checks()
    base_url = _validate_url(args.base_url)
    config = build_config(args)
    _validate_output("--junit-xml", args.junit_xml)
    _validate_output("--json", args.json)
    _validate_output("--markdown", args.markdown)
    target = build_target(args, base_url)
    writers: list[Writer] = [TerminalWriter()]
    if args.junit_xml is not None:
        writers.append(JUnitWriter(args.junit_xml))
    if args.json is not None:
        writers.append(JsonWriter(args.json))
    if args.markdown is not None:
        writers.append(MarkdownWriter(args.markdown))
    exit_code = 0
    try:
        for event in run(target, config):
            for writer in writers:
                writer.handle(event)
            summary = getattr(event, "summary", None)
            if summary is not None:
                exit_code = summary.exit_code
    except Inconclusive as exc:
        sys.stdout.write(f"== INCONCLUSIVE: {exc}: {exc.hint} ==\n")
        return EXIT_INCONCLUSIVE
    finally:
        target.close()
    return exit_code
