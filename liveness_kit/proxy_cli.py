"""``liveness-kit proxy`` and ``liveness-kit replay``: the command line around ``proxy``.

``proxy`` runs the validating, recording proxy in front of an upstream; ``replay``
re-sends a recording to another implementation and exits 1 on a contract break.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from pathlib import Path
from typing import Any, Final
from urllib.parse import urlsplit

from liveness_kit._errors import UsageError
from proxy import MODES, ContractProxy, ProxyConfig, ProxyError, UpstreamUnavailable, replay

MiB: Final = 1024 * 1024
USAGE_ERRORS: Final = (UsageError,)


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "proxy",
        help="validate live traffic against the contract, optionally recording it",
        description=(
            "Forward every request to --upstream and check each exchange against the "
            "contract: violations in the X-Contract-Violations header, the log, "
            "GET /__proxy/report and, on shutdown, proxy-report.json/.md. See docs/proxy.md."
        ),
    )
    parser.add_argument("--upstream", required=True, help="base URL of the implementation")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8081)
    parser.add_argument("--mode", default="report", help="report (default) or enforce")
    parser.add_argument("--record", type=Path, help="directory for the JSONL recording")
    parser.add_argument(
        "--record-media",
        action="store_true",
        help="also keep the media bytes (biometric data), content-addressed under DIR/media",
    )
    parser.add_argument(
        "--rotate-mb", type=float, default=64.0, help="start a new JSONL file past this size"
    )
    parser.add_argument(
        "--report-dir", type=Path, help="where the shutdown report goes (default: --record, else .)"
    )
    parser.set_defaults(handler=run_proxy)

    replayer = subparsers.add_parser(
        "replay",
        help="re-send a recording to another implementation and list what changed",
        description=(
            "Re-send every exchange of RECORDING (a --record directory or one JSONL file, "
            "recorded with --record-media) to --base-url; exit 1 on a status change or a "
            "contract violation."
        ),
    )
    replayer.add_argument("recording", type=Path)
    replayer.add_argument("--base-url", required=True)
    replayer.add_argument("--token", help="the bearer token to send in place of the masked one")
    replayer.add_argument("--json", type=Path, help="also write the outcomes as JSON")
    replayer.set_defaults(handler=run_replay)


def _url(value: str, option: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise UsageError(f"{option} must be an http(s) URL, got {value!r}")
    return value.rstrip("/")


def run_proxy(args: argparse.Namespace) -> int:
    import uvicorn

    upstream = _url(args.upstream, "--upstream")
    if args.mode not in MODES:
        raise UsageError(f"--mode must be one of {', '.join(MODES)}, got {args.mode!r}")
    if not 1 <= args.port <= 65535:
        raise UsageError(f"--port must be from 1 to 65535, got {args.port}")
    if args.rotate_mb <= 0:
        raise UsageError(f"--rotate-mb must be positive, got {args.rotate_mb:g}")
    if args.record_media and args.record is None:
        raise UsageError("--record-media needs --record DIR")
    for option, folder in (("--record", args.record), ("--report-dir", args.report_dir)):
        if folder is not None and folder.exists() and not folder.is_dir():
            raise UsageError(f"{option}: {folder} is not a directory")
    config = ProxyConfig(
        upstream=upstream,
        mode=args.mode,
        record=args.record,
        record_media=args.record_media,
        rotate_bytes=int(args.rotate_mb * MiB),
        report_dir=args.report_dir or (None if args.record else Path.cwd()),
    )
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(message)s"))
    log = logging.getLogger("liveness_kit.proxy")
    log.addHandler(handler)
    log.setLevel(logging.INFO)
    try:
        app = ContractProxy(config)
    except OSError as exc:
        raise UsageError(f"--record: {exc}") from exc
    uvicorn.run(
        app,
        host=args.host,
        port=args.port,
        log_level="warning",
        access_log=False,  # its lines are INFO, below the level: not even formatted
        server_header=False,
        date_header=False,
    )
    return 0


def run_replay(args: argparse.Namespace) -> int:
    import json

    base_url = _url(args.base_url, "--base-url")
    if not args.recording.exists():
        raise UsageError(f"{args.recording}: no such file or directory")
    try:
        result = asyncio.run(replay(args.recording, base_url, token=args.token))
    except UpstreamUnavailable as exc:
        raise UsageError(f"{base_url} did not answer: {exc}") from exc
    except ProxyError as exc:
        raise UsageError(str(exc)) from exc
    sys.stdout.write(result.text())
    if args.json is not None:
        outcomes = [
            {
                "index": o.index,
                "location": o.location,
                "recorded_status": o.recorded_status,
                "status": o.status,
                "skipped": o.skipped,
                "violations": [v.as_dict() for v in o.violations],
                "verdicts": {k: list(v) for k, v in o.verdicts.items()},
            }
            for o in result.outcomes
        ]
        summary = {"summary": result.summary(), "outcomes": outcomes}
        args.json.write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    return result.exit_code
