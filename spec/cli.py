"""``liveness-kit spec``: print the contract or a view of it."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

import yaml

from spec._document import spec_text
from spec._views import VIEWS, view

USAGE_ERRORS: tuple[type[Exception], ...] = ()  # every choice is checked by argparse


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "spec",
        help="print the canonical OpenAPI contract or a view derived from it",
        description="Print the canonical OpenAPI contract, or a view of it for a tool.",
    )
    parser.add_argument("--view", choices=sorted(VIEWS), default="canonical")
    parser.add_argument("--format", choices=("yaml", "json"), default="yaml")
    parser.set_defaults(handler=run)


def render(view_name: str, output_format: str) -> str:
    if view_name == "canonical" and output_format == "yaml":
        return spec_text()
    document: dict[str, Any] = view(view_name)
    if output_format == "json":
        return json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    return str(yaml.safe_dump(document, sort_keys=False, allow_unicode=True, width=100))


def run(args: argparse.Namespace) -> int:
    sys.stdout.write(render(args.view, args.format))
    return 0
