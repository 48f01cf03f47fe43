"""The access log (one JSON line per request) and the server's own log."""

from __future__ import annotations

import json
import logging
import sys
import time
from typing import Any, Final

ACCESS_LOGGER: Final = "liveness_kit.access"
SERVER_LOGGER: Final = "liveness_kit.server"
LOG_LEVEL_VARIABLE: Final = "LIVENESS_KIT_LOG_LEVEL"

access_log = logging.getLogger(ACCESS_LOGGER)
server_log = logging.getLogger(SERVER_LOGGER)


def log_access(started: float, **fields: Any) -> None:
    """One JSON line: api, path, status, duration_ms, mode, unique_id, code, scenario."""
    if not access_log.isEnabledFor(logging.INFO):
        return
    record = {
        "api": fields.get("api"),
        "path": fields.get("path"),
        "status": fields.get("status"),
        "duration_ms": round((time.perf_counter() - started) * 1000, 1),
        "mode": fields.get("mode"),
        "unique_id": fields.get("unique_id"),
        "code": fields.get("code"),
        "scenario": fields.get("scenario"),
    }
    access_log.info(json.dumps(record, ensure_ascii=True, separators=(",", ":")))


def configure_logging(level: str = "info") -> None:
    """Access lines as bare JSON on stderr; the server's messages with their level."""
    access_handler = logging.StreamHandler(sys.stderr)
    access_handler.setFormatter(logging.Formatter("%(message)s"))
    access_log.handlers[:] = [access_handler]
    access_log.setLevel(logging.INFO if level.lower() in ("debug", "info") else logging.WARNING)
    access_log.propagate = False
    server_handler = logging.StreamHandler(sys.stderr)
    server_handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    server_log.handlers[:] = [server_handler]
    server_log.setLevel(level.upper())
    server_log.propagate = False
