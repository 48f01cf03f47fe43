"""The ``liveness-kit`` command line: the one layer that assembles the others.

Each subcommand module exposes ``register(subparsers)``, which adds its parser and sets
``handler(args) -> int``, and ``USAGE_ERRORS``, the exception types its handler raises
for a bad argument or input. The modules of one package (``spec``, ``fixtures``,
``mock_server``, ``conformance``) live in that package and raise that package's errors;
the commands that combine packages (``bulk``, ``evaluate``) live here. :func:`main` is
the one boundary where those errors become a one-line message and exit status 2, never
a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence
from types import ModuleType

COMMAND_MODULES = (
    "spec.cli",
    "fixtures.cli",
    "mock_server.cli",
    "conformance.cli",
    "liveness_kit.bulk_cli",
    "liveness_kit.evaluate_cli",
    "liveness_kit.coverage_cli",
    "liveness_kit.proxy_cli",
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


def build_parser(modules: Sequence[ModuleType]) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="liveness-kit",
        description="Contract-first mock server and conformance suite for the liveness API.",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    subparsers.required = True
    for module in modules:
        module.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    modules = _load_commands()
    usage_errors: tuple[type[Exception], ...] = tuple(
        error for module in modules for error in module.USAGE_ERRORS
    )
    args = build_parser(modules).parse_args(argv)
    try:
        result: int = args.handler(args)
    except usage_errors as exc:
        print(f"liveness-kit {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"liveness-kit {args.command}: interrupted", file=sys.stderr)
        return 130
    return result


if __name__ == "__main__":
    sys.exit(main())
