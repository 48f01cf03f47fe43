"""Retries at the transport boundary: what is retried, how long it waits, what persists."""

from __future__ import annotations

import httpx
import pytest

from conformance import Inconclusive, Part, Request, RetryPolicy, Target

STILL = Request(path="/v2/liveness", parts=(Part("image", b"jpeg", "a.jpg", "image/jpeg"),))
VIDEO = Request(path="/v2/liveness", parts=(Part("video", b"mp4", "a.mp4", "video/mp4"),))
OK = httpx.Response(200, json={"ok": True})


def _target(
    answers: list[httpx.Response | Exception], retries: int = 3
) -> tuple[Target, list[float], list[httpx.Request]]:
    waits: list[float] = []
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        answer = answers.pop(0) if len(answers) > 1 else answers[0]
        if isinstance(answer, Exception):
            raise answer
        return answer

    target = Target(
        "http://api.test",
        transport=httpx.MockTransport(handler),
        retry=RetryPolicy(retries=retries, seed=3),
        sleep=waits.append,
    )
    return target, waits, seen


def _send(target: Target, request: Request = STILL) -> int:
    return target.send(request, {}).response.status


def test_a_transient_503_is_retried_after_its_retry_after() -> None:
    target, waits, seen = _target([httpx.Response(503, headers={"Retry-After": "2"}), OK])
    assert _send(target) == 200
    assert waits == [2.0]
    assert len(seen) == 2
    assert target.stats.as_dict() == {"503": 1}
    assert target.stats.retried_requests == 1


@pytest.mark.parametrize("status", [429, 502, 503, 504])
def test_transient_statuses_are_retried_with_backoff(status: int) -> None:
    target, waits, _ = _target([httpx.Response(status), httpx.Response(status), OK])
    assert _send(target) == 200
    assert len(waits) == 2 and waits[1] > waits[0] > 0
    assert target.stats.as_dict() == {str(status): 2}


@pytest.mark.parametrize(
    ("error", "cause"),
    [
        (httpx.ConnectError("refused"), "connection"),
        (httpx.RemoteProtocolError("Server disconnected"), "connection"),
        (httpx.ReadTimeout("slow"), "timeout"),
    ],
    ids=["refused", "dropped", "timeout"],
)
def test_transport_faults_are_retried(error: Exception, cause: str) -> None:
    target, _, _ = _target([error, OK])
    assert _send(target) == 200
    assert target.stats.as_dict() == {cause: 1}


@pytest.mark.parametrize("status", [400, 401, 413, 422, 500])
def test_other_statuses_are_answers_not_faults(status: int) -> None:
    target, waits, seen = _target([httpx.Response(status), OK])
    assert _send(target) == status
    assert waits == [] and len(seen) == 1


def test_a_persistent_503_is_returned_after_the_retries() -> None:
    target, waits, seen = _target([httpx.Response(503)], retries=2)
    assert _send(target) == 503
    assert len(seen) == 3 and len(waits) == 2


@pytest.mark.parametrize(
    ("answer", "cause", "hint"),
    [
        (httpx.Response(429, headers={"Retry-After": "0"}), "429", "--rate-limit"),
        (httpx.ReadTimeout("slow"), "timeout", "--timeout"),
        (httpx.ConnectError("refused"), "connection", "healthy"),
    ],
    ids=["429", "timeout", "connection"],
)
def test_a_persistent_transient_fault_is_inconclusive(
    answer: httpx.Response | Exception, cause: str, hint: str
) -> None:
    target, _, seen = _target([answer], retries=2)
    with pytest.raises(Inconclusive) as caught:
        _send(target)
    assert caught.value.cause == cause
    assert hint in caught.value.hint
    assert "after 2 retries" in str(caught.value)
    assert len(seen) == 3


def test_zero_retries_sends_once() -> None:
    target, waits, seen = _target([httpx.Response(503), OK], retries=0)
    assert _send(target) == 503
    assert waits == [] and len(seen) == 1


def test_a_video_request_may_wait_longer_than_a_still() -> None:
    target = Target("http://api.test", timeout=5, video_timeout=50)
    assert target.timeout_for(STILL) == 5
    assert target.timeout_for(VIDEO) == 50
    assert Target("http://api.test", timeout=80, video_timeout=50).timeout_for(VIDEO) == 80
    default = Target("http://api.test")
    assert default.timeout_for(VIDEO) > default.timeout_for(STILL)
