"""``liveness-kit evaluate``: the labelled corpus against an implementation, as PAD figures.

The command line around the ``evaluation`` package: it reads the corpus from
``fixtures``, sends it to ``--base-url`` or, by default, to the mock in process, and
prints the text report (and writes the JSON one with ``--json``).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any, Final

import httpx

from evaluation import Outcome, TargetUnreachable, as_json, evaluate, figures_of, report, sender
from liveness_kit._errors import UsageError

USAGE_ERRORS: Final = (UsageError,)  # reported by liveness_kit.cli as one line, exit 2


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "evaluate",
        help="run the labelled corpus and print APCER/BPCER and facematch figures",
        description=(
            "Run the labelled fixtures against the mock (in process, the default) or any "
            "implementation at --base-url, and print ISO/IEC 30107-3 style figures."
        ),
    )
    parser.add_argument("--base-url", help="an implementation to evaluate (default: the mock)")
    parser.add_argument("--token", help="bearer token (default: one minted for the mock)")
    parser.add_argument("--api", choices=("v1", "v2"), default="v2")
    parser.add_argument("--json", type=Path, metavar="PATH", help="also write the figures here")
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds per request")
    parser.set_defaults(handler=run)


def _corpus() -> list[Any]:
    import fixtures

    try:
        return list(fixtures.all_fixtures())
    except (AttributeError, OSError, ValueError, KeyError) as error:
        raise UsageError(f"the fixture corpus cannot be read: {error}") from None


async def _run(args: argparse.Namespace) -> tuple[list[Outcome], str]:
    corpus = _corpus()
    if args.base_url:
        target = args.base_url.rstrip("/")
        token = args.token or _mock_token()
        client = httpx.AsyncClient(base_url=target, timeout=args.timeout)
    else:
        from mock_server import Settings, create_app, issue_token

        settings = Settings.from_env(playground=False)
        token = args.token or issue_token(settings)
        target = "the in-process mock"
        transport = httpx.ASGITransport(app=create_app(settings))
        client = httpx.AsyncClient(
            transport=transport, base_url="http://mock", timeout=args.timeout
        )
    async with client:
        try:
            outcomes = await evaluate(sender(client, args.api, token), args.api, corpus)
        except TargetUnreachable as error:
            raise UsageError(f"cannot reach {target}: {error}") from None
    return outcomes, target


def _mock_token() -> str:
    from mock_server import Settings, issue_token

    return issue_token(Settings.from_env())


def run(args: argparse.Namespace) -> int:
    import anyio

    if args.base_url and not args.base_url.startswith(("http://", "https://")):
        raise UsageError(f"--base-url must start with http:// or https://, got {args.base_url}")
    outcomes, target = anyio.run(_run, args)
    figures = figures_of(outcomes)
    sys.stdout.write(report(figures, outcomes, target, args.api))
    if args.json:
        document = as_json(figures, outcomes, target, args.api)
        args.json.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    return 0
