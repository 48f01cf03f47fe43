"""``liveness-kit coverage REPORT --fail-under PCT``: gate a client's test suite on how
much of the contract its traffic to the mock exercised.

REPORT is a file written by ``liveness-kit serve --coverage-out`` (or saved from
``GET /__mock/coverage``); its counts are measured again against this contract's
universe. Exit 0 when the coverage is at least PCT, 1 when it is below, 2 for a report
that cannot be read.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from liveness_kit._errors import UsageError
from mock_server.coverage import CoverageError, markdown, read_report

USAGE_ERRORS = (UsageError,)


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "coverage",
        help="show or gate on the contract coverage of a client's traffic to the mock",
        description=__doc__.splitlines()[0] if __doc__ else None,
    )
    parser.add_argument("report", type=Path, metavar="REPORT", help="a coverage JSON report")
    parser.add_argument(
        "--fail-under",
        type=float,
        default=None,
        metavar="PCT",
        help="exit 1 when the overall coverage is below PCT percent",
    )
    parser.set_defaults(handler=run_coverage)


def run_coverage(args: argparse.Namespace) -> int:
    if args.fail_under is not None and not 0 <= args.fail_under <= 100:
        raise UsageError(f"--fail-under must be from 0 to 100, got {args.fail_under:g}")
    try:
        report = read_report(args.report)
    except CoverageError as error:
        raise UsageError(str(error)) from None
    print(markdown(report), end="")
    if args.fail_under is not None and report["percent"] < args.fail_under:
        print(f"FAIL: coverage {report['percent']:g} % is below {args.fail_under:g} %")
        return 1
    return 0
