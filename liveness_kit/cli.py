"""The ``liveness-kit`` command line.

Each subcommand lives in the package that owns it and exposes two functions:
``register(subparsers)`` adds its parser, ``run(args) -> int`` executes it.
Usage errors exit 2 with a one-line message, never a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence
from types import ModuleType

from liveness_kit._errors import UsageError

COMMAND_MODULES = (
    "spec.cli",
    "fixtures.cli",
    "mock_server.cli",
    "conformance.cli",
    "liveness_kit.bulk_cli",
    "liveness_kit.evaluate",
)


def _load_commands() -> list[ModuleType]:
    modules = []
    for name in COMMAND_MODULES:
        try:
            modules.append(importlib.import_module(name))
        except ModuleNotFoundError as exc:  # an optional part that is not installed
            if exc.name is not None and name.startswith(exc.name):
                continue
            raise
    return modules


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="liveness-kit",
        description="Contract-first mock server and conformance suite for the liveness API.",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    subparsers.required = True
    for module in _load_commands():
        module.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        result: int = args.handler(args)
    except UsageError as exc:
        print(f"liveness-kit {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"liveness-kit {args.command}: interrupted", file=sys.stderr)
        return 130
    return result


if __name__ == "__main__":
    sys.exit(main())
