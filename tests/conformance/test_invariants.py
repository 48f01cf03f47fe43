"""The invariant rules on their own: called on (request, response) pairs, without a run."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest

import conformance
import spec
from conformance import (
    INVARIANTS,
    ApiMismatch,
    BodyShapeError,
    Exchange,
    InvariantViolation,
    NonDeterministic,
    Request,
    Response,
    Submission,
    Target,
    check_invariants,
    compare_apis,
    compare_repeats,
)
from conformance._corpus import SCENARIOS, SCENARIOS_BY_NAME
from conformance._models import TOKEN_PLACEHOLDER
from tests.conformance.asgi import Memo

PAIRWISE = {"INV-V1-V2", "INV-DETERMINISM"}


@pytest.fixture(scope="module")
def answer(memo: Memo, token: str) -> Iterator[Callable[[Request], Exchange]]:
    target = Target(app=memo)
    try:
        yield lambda request: target.send(request, {TOKEN_PLACEHOLDER: token})
    finally:
        target.close()


def _with_body(exchange: Exchange, change: Callable[[dict[str, Any]], None]) -> Exchange:
    body = exchange.response.json()
    change(body)
    response = Response(
        exchange.response.status, exchange.response.headers, json.dumps(body).encode()
    )
    return Exchange(exchange.request, response, exchange.url)


def test_the_rules_are_the_contracts_single_answer_invariants() -> None:
    stated = {item["id"] for item in spec.invariants()}
    assert {item.id for item in INVARIANTS} == stated - PAIRWISE
    registered = {item.id: item.title for item in conformance.all_checks()}
    assert all(registered[item.id] == item.title for item in INVARIANTS)
    assert all(item.statement != item.id for item in INVARIANTS)


@pytest.mark.parametrize("api", ["v1", "v2"])
@pytest.mark.parametrize("scenario", SCENARIOS, ids=[s.name for s in SCENARIOS])
def test_the_mocks_answers_break_no_invariant(
    scenario: Any, api: str, answer: Callable[[Request], Exchange]
) -> None:
    exchange = answer(scenario.request(api))
    assert exchange.response.status == 200
    assert check_invariants(exchange.request, exchange.response, url=exchange.url) == []


@pytest.mark.parametrize("api", ["v1", "v2"])
def test_a_tuning_value_not_echoed_is_reported_with_its_request(
    api: str, answer: Callable[[Request], Exchange]
) -> None:
    exchange = answer(SCENARIOS_BY_NAME["image_tuned"].request(api))

    def no_echo(body: dict[str, Any]) -> None:
        if api == "v1":
            body["frame_sampling_rate"] = 15
        else:
            body["overall"]["tuning"]["frame_sampling_rate"] = 15

    broken = _with_body(exchange, no_echo)
    found = check_invariants(broken.request, broken.response, url=broken.url)
    assert [violation.invariant for violation in found] == ["INV-ECHO"]
    violation = found[0]
    assert isinstance(violation, InvariantViolation)
    name = "frame_sampling_rate" if api == "v1" else "overall.tuning.frame_sampling_rate"
    assert violation.received == (f"{name} is 15, expected 7",)
    statement = {i["id"]: i["statement"] for i in spec.invariants()}["INV-ECHO"]
    assert violation.expected == statement
    assert violation.location == f"POST {spec.PATHS[api]} (image_tuned)"
    assert violation.exchange is not None
    assert violation.exchange.response is broken.response
    assert violation.exchange.url == exchange.url


def test_one_rule_can_be_called_alone(answer: Callable[[Request], Exchange]) -> None:
    exchange = answer(SCENARIOS_BY_NAME["video"].request("v1"))
    broken = _with_body(exchange, lambda body: body.update(real_video_frames=10_000))
    frame_counts = next(item for item in INVARIANTS if item.id == "INV-FRAME-COUNTS")
    violation = frame_counts.check(broken.request, broken.response)
    assert violation is not None and violation.invariant == "INV-FRAME-COUNTS"
    echo = next(item for item in INVARIANTS if item.id == "INV-ECHO")
    assert echo.check(broken.request, broken.response) is None
    sent = Submission.of(broken.request)
    assert frame_counts.problems(sent, "v1", broken.response.json())


@pytest.mark.parametrize(
    ("status", "content"),
    [(400, b'{"detail": {"code": "missing_media"}, "message": "m"}'), (200, b"[]"), (200, b"x")],
    ids=["error-status", "json-array", "not-json"],
)
def test_answers_an_invariant_cannot_judge_give_no_violation(status: int, content: bytes) -> None:
    request = SCENARIOS_BY_NAME["image"].request("v1")
    assert check_invariants(request, Response(status, {}, content)) == []


def test_a_body_of_the_wrong_shape_is_not_judged_but_problems_says_why() -> None:
    request = SCENARIOS_BY_NAME["image"].request("v2")
    assert check_invariants(request, Response(200, {}, b'{"result": "real"}')) == []
    with pytest.raises(BodyShapeError, match="INV-INPUT-FLAGS"):
        INVARIANTS[0].problems(Submission.of(request), "v2", {"result": "real"})


def test_submission_from_a_form() -> None:
    sent = Submission.from_form({"image", "video"}, {"enhanced_detection": "false", "x": "1"})
    assert (sent.mode, sent.legacy, sent.sampled) == ("image_video", True, False)
    assert dict(sent.tuning) == {"enhanced_detection": "false"}
    base64_still = Submission.from_form((), {"image": "aGVsbG8=", "image_type": "base64"})
    assert (base64_still.image, base64_still.video, base64_still.mode) == (True, False, "image")
    video = Submission.from_form({"video"}, {"frame_sampling_rate": "10"})
    assert video.sampled and video.expected_sampled_frames(150) == 15


@pytest.mark.parametrize("api", ["v1", "v2"])
@pytest.mark.parametrize("scenario", SCENARIOS, ids=[s.name for s in SCENARIOS])
def test_a_scenarios_request_submits_what_the_scenario_states(scenario: Any, api: str) -> None:
    assert Submission.of(scenario.request(api)) == scenario.submission


def test_compare_apis(answer: Callable[[Request], Exchange]) -> None:
    scenario = SCENARIOS_BY_NAME["image_video"]
    v1, v2 = answer(scenario.request("v1")), answer(scenario.request("v2"))
    assert compare_apis(v1, v2) is None
    broken = _with_body(v1, lambda body: body.update(result="fake"))
    mismatch = compare_apis(broken, v2, location="scenario image_video")
    assert isinstance(mismatch, ApiMismatch)
    assert [item.name for item in mismatch.received] == ["result"]
    assert (mismatch.received[0].first, mismatch.received[0].second) == ("fake", "real")
    assert mismatch.location == "scenario image_video"
    assert compare_apis(broken, v2).location == broken.request.location  # type: ignore[union-attr]


def test_compare_repeats(answer: Callable[[Request], Exchange]) -> None:
    first = answer(SCENARIOS_BY_NAME["image"].request("v2"))
    assert compare_repeats(first, first) is None
    again = _with_body(first, lambda body: body["image"].update(confidence=0.125))
    changed = compare_repeats(first, again)
    assert isinstance(changed, NonDeterministic)
    assert "image_confidence" in {item.name for item in changed.received}
    assert changed.exchange is again
