"""Throughput and resilience policy: retries with backoff, Retry-After, a rate limit.

Every request the gate sends goes through one :class:`RetryPolicy` (the transport's
boundary). Which faults are transient is stated here once: ``RETRY_STATUSES`` and the
``timeout`` and ``connection`` causes. The jitter is seeded from the run's seed and the
request's identity, so the same request waits the same time at any concurrency.
"""

from __future__ import annotations

import email.utils
import random
import re
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from conformance._errors import InvalidConfiguration

# Answers a load balancer or a rate limiter gives for a moment; 500 is a bug, never retried.
RETRY_STATUSES = frozenset({429, 502, 503, 504})
# The causes that, when a retry does not clear them, leave the run inconclusive (the
# server's contract was not observed); a persistent 502/503/504 is a server error instead.
INCONCLUSIVE_CAUSES = ("429", "timeout", "connection")
DEFAULT_RETRIES = 3
DEFAULT_CONCURRENCY = 4
BACKOFF_BASE = 0.5
BACKOFF_CAP = 30.0
RETRY_AFTER_CAP = 60.0
MAX_RETRIES = 10
MAX_CONCURRENCY = 64
_RATE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*/\s*(s|m|h)\s*$")
_PER = {"s": 1.0, "m": 60.0, "h": 3600.0}

HINTS = {
    "429": "lower --rate-limit (e.g. 5/s) or --concurrency, or raise --retries",
    "timeout": "raise --timeout / --video-timeout, or lower --concurrency",
    "connection": "check that the server is healthy, or lower --concurrency",
}


def parse_rate_limit(text: str) -> float:
    """Requests per second from ``10/s``, ``600/m`` or ``3600/h``; InvalidConfiguration else."""
    match = _RATE.match(text)
    if match is None or float(match.group(1)) <= 0:
        raise InvalidConfiguration(
            f"--rate-limit must be a positive count per s, m or h (e.g. 10/s, 600/m), got {text!r}"
        )
    return float(match.group(1)) / _PER[match.group(2)]


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """Seconds to wait from a Retry-After header: delta-seconds or an HTTP-date (RFC 9110)."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    if text.isdigit():
        return float(text)
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    current = now or datetime.now(UTC)
    return max(0.0, (when - current).total_seconds())


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """Up to ``retries`` more attempts; waits honour Retry-After, else back off exponentially
    with a seeded jitter; every wait is bounded."""

    retries: int = DEFAULT_RETRIES
    seed: int = 0
    base: float = BACKOFF_BASE
    cap: float = BACKOFF_CAP
    retry_after_cap: float = RETRY_AFTER_CAP

    def __post_init__(self) -> None:
        if not 0 <= self.retries <= MAX_RETRIES:
            raise InvalidConfiguration(
                f"--retries must be from 0 to {MAX_RETRIES}, got {self.retries}"
            )

    def delay(self, attempt: int, key: str, retry_after: float | None) -> float:
        """How long to wait before retry number ``attempt`` (1-based) of request ``key``."""
        if retry_after is not None:
            return min(retry_after, self.retry_after_cap)
        ceiling: float = min(self.cap, self.base * 2.0 ** (attempt - 1))
        jitter = random.Random(f"{self.seed}:{key}:{attempt}").random()
        return ceiling * (0.5 + 0.5 * jitter)


class RateLimiter:
    """Spaces request starts at least ``1 / rate`` seconds apart, across threads."""

    def __init__(
        self, per_second: float | None, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.interval = 1.0 / per_second if per_second else 0.0
        self._clock = clock
        self._next = 0.0
        self._lock = threading.Lock()

    def acquire(self) -> None:
        if not self.interval:
            return
        with self._lock:
            now = self._clock()
            slot = max(now, self._next)
            self._next = slot + self.interval
        if slot > now:
            time.sleep(slot - now)


@dataclass(slots=True)
class RetryStats:
    """Retries by cause (``"503"``, ``"timeout"``, ...), and the requests that needed any."""

    causes: Counter[str] = field(default_factory=Counter)
    retried_requests: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def record(self, causes: list[str]) -> None:
        if not causes:
            return
        with self._lock:
            self.causes.update(causes)
            self.retried_requests += 1

    @property
    def total(self) -> int:
        return sum(self.causes.values())

    def as_dict(self) -> dict[str, int]:
        return dict(sorted(self.causes.items()))
