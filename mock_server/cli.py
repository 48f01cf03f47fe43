"""``liveness-kit serve`` and ``liveness-kit token``.

A bad flag or environment variable raises :class:`SettingsError`; ``liveness_kit.cli``
reports it as one line with exit status 2.
"""

from __future__ import annotations

import argparse
import logging
import os
from typing import Any

from mock_server.config import Settings, SettingsError
from mock_server.logs import LOG_LEVEL_VARIABLE, configure_logging

FACTORY = "mock_server.app:create_app_from_env"
USAGE_ERRORS = (SettingsError,)


def register(subparsers: Any) -> None:
    serve = subparsers.add_parser(
        "serve",
        help="run the mock liveness server",
        description=(
            "Run the mock server (POST /liveness, POST /v2/liveness). Every setting can also "
            "come from a LIVENESS_KIT_* environment variable; see docs/mock-server.md."
        ),
    )
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8080)
    serve.add_argument("--workers", type=int, default=1, help="worker processes (default 1)")
    serve.add_argument("--secret", help="HMAC secret for tokens (env LIVENESS_KIT_SECRET)")
    serve.add_argument("--issuer", help="required iss claim (env LIVENESS_KIT_ISSUER)")
    serve.add_argument("--audience", help="required aud claim (env LIVENESS_KIT_AUDIENCE)")
    serve.add_argument(
        "--accept-any-token",
        action="store_true",
        default=None,
        help="accept any non-empty bearer token without checking it",
    )
    serve.add_argument(
        "--open",
        dest="open_mode",
        action="store_true",
        default=None,
        help="allow the public development secret beyond loopback (env LIVENESS_KIT_OPEN_MODE)",
    )
    serve.add_argument(
        "--cors-origin",
        dest="cors_origins",
        action="append",
        metavar="ORIGIN",
        help="allow this origin (or *) cross-origin; repeatable (env LIVENESS_KIT_CORS_ORIGINS)",
    )
    serve.add_argument(
        "--check",
        action="store_true",
        help="check the settings and the address, print the mode, and exit without listening",
    )
    serve.add_argument("--max-image-bytes", type=int)
    serve.add_argument("--max-video-bytes", type=int)
    serve.add_argument("--max-body-bytes", type=int)
    serve.add_argument("--log-level", default="info", choices=("debug", "info", "warning", "error"))
    integrators = serve.add_argument_group("for integrators (outside the contract)")
    integrators.add_argument(
        "--fault",
        action="append",
        dest="faults",
        metavar="FAULT[:p=P]",
        help="inject FAULT at random with probability P, e.g. 503:p=0.05 (repeatable; "
        "env LIVENESS_KIT_FAULTS, comma separated)",
    )
    integrators.add_argument(
        "--fault-seed", type=int, help="seed of the random faults (default 0; env ..._FAULT_SEED)"
    )
    integrators.add_argument(
        "--coverage-out",
        metavar="PATH",
        help="on shutdown, write the contract coverage of the traffic to PATH (JSON) and "
        "PATH with .md (Markdown)",
    )
    integrators.add_argument(
        "--cache-entries",
        type=int,
        dest="answer_cache_entries",
        metavar="N",
        help="analyses kept in the answer cache (default 256; 0 switches it off)",
    )
    serve.set_defaults(handler=run_serve)

    token = subparsers.add_parser(
        "token",
        help="print a bearer token the mock server accepts",
        description="Print an HS256 JWT signed with the mock server's secret.",
    )
    token.add_argument("--secret", help="HMAC secret (default: LIVENESS_KIT_SECRET or dev)")
    token.add_argument("--ttl", type=int, default=3600, help="lifetime in seconds (default 3600)")
    token.add_argument("--subject", default="liveness-kit")
    token.add_argument("--issuer")
    token.add_argument("--audience")
    token.set_defaults(handler=run_token)


def settings_from_args(args: argparse.Namespace) -> Settings:
    overrides = {
        name: getattr(args, name, None)
        for name in (
            "secret",
            "issuer",
            "audience",
            "accept_any_token",
            "max_image_bytes",
            "max_video_bytes",
            "max_body_bytes",
            "open_mode",
            "fault_seed",
            "coverage_out",
            "answer_cache_entries",
        )
    }
    origins = getattr(args, "cors_origins", None)
    overrides["cors_origins"] = tuple(origins) if origins else None
    faults = getattr(args, "faults", None)
    overrides["faults"] = tuple(faults) if faults else None
    overrides["listen_host"] = getattr(args, "host", None)
    return Settings.from_env(**overrides)


def run_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from mock_server.auth import describe_mode, is_open
    from mock_server.security import check_bind

    if not 1 <= args.port <= 65535:
        raise SettingsError(f"--port must be from 1 to 65535, got {args.port}")
    if args.workers < 1:
        raise SettingsError(f"--workers must be at least 1, got {args.workers}")
    settings = settings_from_args(args)
    check_bind(args.host, settings)  # before listening: no open mock beyond loopback by accident
    if settings.coverage_out and args.workers > 1:
        raise SettingsError("--coverage-out needs --workers 1 (each worker counts its own)")
    if getattr(args, "check", False):
        cors = ", ".join(settings.cors_origins) or "off"
        print(
            f"settings ok for {args.host} port {args.port}; mode: {describe_mode(settings)}; "
            f"CORS: {cors}"
        )
        return 0
    configure_logging(args.log_level)
    level = logging.WARNING if is_open(settings) else logging.INFO
    logging.getLogger("liveness_kit.server").log(
        level, "serving on %s port %s; mode: %s", args.host, args.port, describe_mode(settings)
    )
    options: dict[str, Any] = {
        "host": args.host,
        "port": args.port,
        "access_log": False,
        "log_level": args.log_level,
        "server_header": False,
        "timeout_graceful_shutdown": 5,
    }
    if args.workers > 1:
        os.environ.update(settings.to_env())
        os.environ[LOG_LEVEL_VARIABLE] = args.log_level
        uvicorn.run(FACTORY, factory=True, workers=args.workers, **options)
    else:
        from mock_server.app import create_app

        uvicorn.run(create_app(settings), **options)
    return 0


def run_token(args: argparse.Namespace) -> int:
    from mock_server.auth import issue_token

    if args.ttl < 1:
        raise SettingsError(f"--ttl must be at least 1 second, got {args.ttl}")
    settings = settings_from_args(args)
    print(
        issue_token(
            settings,
            ttl_seconds=args.ttl,
            subject=args.subject or None,
            issuer=args.issuer,
            audience=args.audience,
        )
    )
    return 0
