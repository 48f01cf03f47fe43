"""The retry policy, Retry-After parsing and the rate limit (conformance/_retry.py)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from conformance import InvalidConfiguration, RetryPolicy, parse_rate_limit, parse_retry_after
from conformance._retry import BACKOFF_CAP, RETRY_AFTER_CAP, RateLimiter


@pytest.mark.parametrize(
    ("text", "per_second"),
    [("10/s", 10.0), ("600/m", 10.0), ("3600/h", 1.0), ("0.5/s", 0.5), (" 30 / m ", 0.5)],
    ids=["per-second", "per-minute", "per-hour", "fractional", "spaces"],
)
def test_rate_limits_parse(text: str, per_second: float) -> None:
    assert parse_rate_limit(text) == pytest.approx(per_second)


@pytest.mark.parametrize("text", ["10", "ten/s", "10/d", "0/s", "-1/s", "", "10/s/s"])
def test_bad_rate_limits_are_refused_with_the_expected_form(text: str) -> None:
    with pytest.raises(InvalidConfiguration, match=r"--rate-limit .*10/s, 600/m"):
        parse_rate_limit(text)


NOW = datetime(2026, 1, 1, 12, 0, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        ("0", 0.0),
        ("7", 7.0),
        ("Thu, 01 Jan 2026 12:00:05 GMT", 5.0),
        ("Thu, 01 Jan 2026 11:59:00 GMT", 0.0),
        ("soon", None),
        ("", None),
        (None, None),
    ],
    ids=["zero", "delta-seconds", "http-date", "date-in-the-past", "garbage", "empty", "absent"],
)
def test_retry_after(value: str | None, seconds: float | None) -> None:
    assert parse_retry_after(value, now=NOW) == seconds


def test_backoff_is_exponential_jittered_bounded_and_seeded() -> None:
    policy = RetryPolicy(retries=10, seed=1)
    delays = [policy.delay(attempt, "POST /liveness abc", None) for attempt in range(1, 11)]
    for attempt, delay in enumerate(delays, start=1):
        ceiling = min(BACKOFF_CAP, policy.base * 2 ** (attempt - 1))
        assert ceiling / 2 <= delay <= ceiling
    assert delays[3] > delays[0]
    assert delays == [
        RetryPolicy(retries=10, seed=1).delay(a, "POST /liveness abc", None) for a in range(1, 11)
    ]
    assert delays != [
        RetryPolicy(retries=10, seed=2).delay(a, "POST /liveness abc", None) for a in range(1, 11)
    ]


def test_retry_after_is_honoured_and_bounded() -> None:
    policy = RetryPolicy()
    assert policy.delay(1, "k", 2.0) == 2.0
    assert policy.delay(1, "k", 3600.0) == RETRY_AFTER_CAP


@pytest.mark.parametrize("retries", [-1, 11])
def test_retries_out_of_range_are_refused(retries: int) -> None:
    with pytest.raises(InvalidConfiguration, match="--retries"):
        RetryPolicy(retries=retries)


def test_rate_limiter_spaces_request_starts(monkeypatch: pytest.MonkeyPatch) -> None:
    clock = [100.0]
    waits: list[float] = []

    def sleep(seconds: float) -> None:
        waits.append(seconds)

    monkeypatch.setattr("conformance._retry.time.sleep", sleep)
    limiter = RateLimiter(4.0, clock=lambda: clock[0])
    for _ in range(3):
        limiter.acquire()
    assert waits == [pytest.approx(0.25), pytest.approx(0.5)]
