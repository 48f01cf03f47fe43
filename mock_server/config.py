"""Server settings: one frozen object built from command-line flags and the environment."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Any, Final

# Public on purpose: anyone may mint tokens for a development server. 64+ bytes, so
# every HMAC algorithm accepts it without a key-length warning.
DEVELOPMENT_SECRET: Final = "liveness-kit-development-secret.not-for-production.change-me-00000"
ENV_PREFIX: Final = "LIVENESS_KIT_"

MiB: Final = 1024 * 1024


class SettingsError(ValueError):
    """A setting from the environment or the command line that cannot be used."""


@dataclass(frozen=True, slots=True)
class Settings:
    """Everything the server can be configured with; each field has an environment variable.

    The variable is ``LIVENESS_KIT_`` + the field name in upper case, for example
    ``LIVENESS_KIT_SECRET`` or ``LIVENESS_KIT_MAX_VIDEO_BYTES``.
    """

    secret: str = field(default=DEVELOPMENT_SECRET, repr=False)
    algorithms: tuple[str, ...] = ("HS256",)
    issuer: str | None = None
    audience: str | None = None
    leeway_seconds: int = 10
    accept_any_token: bool = False
    max_token_bytes: int = 8192

    max_body_bytes: int = 128 * MiB
    max_image_bytes: int = 20 * MiB
    max_video_bytes: int = 100 * MiB
    max_field_bytes: int = 16 * 1024
    max_fields: int = 32
    max_part_header_bytes: int = 8192
    spool_memory_bytes: int = 1 * MiB
    analysis_threads: int = 0  # 0: one per CPU
    playground: bool = True  # serve /playground, /docs and /openapi.{yaml,json}

    max_image_pixels: int = 40_000_000
    max_video_frames: int = 3_000
    max_frame_pixels: int = 3840 * 2160
    decode_ahead_bytes: int = 32 * MiB

    # a mock that others can reach (docs/security.md)
    open_mode: bool = False  # allow the public development secret beyond loopback
    cors_origins: tuple[str, ...] = ()  # none: CORS off; "*" or scheme://host[:port]
    max_bulk_jobs: int = 2  # bulk jobs running at once
    max_queued_cases: int = 1000  # cases of running bulk jobs not sent yet, all jobs
    bulk_job_ttl_seconds: int = 3600  # a finished job and its archive are kept this long
    # for integrators (outside the contract): faults, answer cache, coverage, admin
    faults: tuple[str, ...] = ()  # random faults, FAULT[:p=P] each (mock_server.faults)
    fault_seed: int = 0
    answer_cache_entries: int = 256  # analyses kept (LRU); 0 switches the cache off
    coverage_out: str | None = None  # write the coverage report here on shutdown
    listen_host: str = "127.0.0.1"  # /__mock/ needs a token unless this is loopback

    def __post_init__(self) -> None:
        if not self.secret and not self.accept_any_token:
            raise SettingsError("secret must not be empty")
        if _looks_like_pem(self.secret):
            raise SettingsError("secret must be an HMAC secret, not a PEM key or certificate")
        if not self.algorithms:
            raise SettingsError("algorithms must name at least one algorithm")
        unsupported = [name for name in self.algorithms if name not in HMAC_ALGORITHMS]
        if unsupported:
            raise SettingsError(
                f"algorithms must be among {', '.join(HMAC_ALGORITHMS)}, got {unsupported[0]}"
            )
        for item in fields(self):
            value = getattr(self, item.name)
            if item.type == "int" and isinstance(value, int) and value < 0:
                raise SettingsError(f"{item.name} must not be negative, got {value}")
        if self.faults:
            from mock_server.faults import FaultError, parse_rule

            for rule in self.faults:
                try:
                    parse_rule(rule)
                except FaultError as error:
                    raise SettingsError(f"faults: {error}") from None
        for name in LIMIT_FIELDS:
            if getattr(self, name) < 1:
                raise SettingsError(f"{name} must be at least 1, got {getattr(self, name)}")
        for origin in self.cors_origins:
            if origin != "*" and not _ORIGIN.fullmatch(origin):
                raise SettingsError(
                    f"cors_origins must be * or scheme://host[:port] origins, got {origin!r}"
                )

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
        """Settings from ``LIVENESS_KIT_*`` variables, then ``overrides`` (``None`` ignored)."""
        environ = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for item in fields(cls):
            raw = environ.get(ENV_PREFIX + item.name.upper())
            if raw is not None:
                values[item.name] = _parse(item.name, str(item.type), raw)
        values.update({key: value for key, value in overrides.items() if value is not None})
        return cls(**values)

    def to_env(self) -> dict[str, str]:
        """The environment variables that rebuild these settings (for worker processes)."""
        env = {}
        for item in fields(self):
            value = getattr(self, item.name)
            if value is None:
                continue
            if isinstance(value, tuple):
                text = ",".join(value)
            elif isinstance(value, bool):
                text = "true" if value else "false"
            else:
                text = str(value)
            env[ENV_PREFIX + item.name.upper()] = text
        return env


HMAC_ALGORITHMS: Final = ("HS256", "HS384", "HS512")
LIMIT_FIELDS: Final = (
    "max_token_bytes",
    "max_body_bytes",
    "max_image_bytes",
    "max_video_bytes",
    "max_field_bytes",
    "max_fields",
    "max_part_header_bytes",
    "max_image_pixels",
    "max_video_frames",
    "max_frame_pixels",
    "max_bulk_jobs",
    "max_queued_cases",
    "bulk_job_ttl_seconds",
)
_ORIGIN: Final = re.compile(r"https?://[^/\s?#@]+")  # an origin: no path, query or user
_TRUE: Final = frozenset({"1", "true", "yes", "on"})
_FALSE: Final = frozenset({"0", "false", "no", "off", ""})


def _parse(name: str, annotation: str, raw: str) -> Any:
    variable = ENV_PREFIX + name.upper()
    if annotation == "bool":
        lowered = raw.strip().lower()
        if lowered in _TRUE:
            return True
        if lowered in _FALSE:
            return False
        raise SettingsError(f"{variable} must be true or false, got {raw!r}")
    if annotation == "int":
        try:
            return int(raw.strip().replace("_", ""))
        except ValueError:
            raise SettingsError(f"{variable} must be a whole number, got {raw!r}") from None
    if annotation.startswith("tuple"):
        return tuple(part.strip() for part in raw.split(",") if part.strip())
    if annotation.startswith("str |"):
        return raw or None
    return raw


def _looks_like_pem(secret: str) -> bool:
    return "-----BEGIN" in secret or secret.startswith(("ssh-rsa", "ssh-ed25519", "ecdsa-sha2-"))
