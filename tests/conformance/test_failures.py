"""Failures as data: every kind, its typed fields, its message and its dedup key."""

from __future__ import annotations

import copy
import inspect
import pickle
from dataclasses import dataclass
from typing import ClassVar

import pytest

import conformance
from conformance import (
    FAILURE_KINDS,
    ApiMismatch,
    CheckCrashed,
    ConnectionFailure,
    Difference,
    Exchange,
    Failure,
    FieldNotNamed,
    InvariantViolation,
    MalformedJson,
    MissingChallenge,
    MissingField,
    NegativeDataAccepted,
    NonDeterministic,
    Request,
    Response,
    SchemaError,
    SchemaViolation,
    ServerError,
    UndocumentedStatus,
    UnexpectedErrorCode,
    UnexpectedStatus,
    VerdictMismatch,
    WrongContentType,
    WrongType,
    _failures,
    deduplicate,
)

WHERE = "POST /liveness (image)"
ERRORS = tuple(SchemaError(f"f{i}", "type", f"m{i}") for i in range(6))

# One failure of each kind and its message, in the wording the reports have always used.
MESSAGES: list[tuple[Failure, str]] = [
    (
        UnexpectedStatus(
            received=503, expected=frozenset({200}), reason="a valid request", body="oops"
        ),
        "Received: 503 'oops'\nExpected: 200 (a valid request)",
    ),
    (
        UnexpectedStatus(received=200, expected=frozenset({422, 400}), location=WHERE),
        f"{WHERE}\nReceived: 200\nExpected: 400 or 422",
    ),
    (
        UndocumentedStatus(received=418, expected=frozenset({200, 400}), location=WHERE),
        f"{WHERE}\nReceived: 418\nExpected: one of 200, 400",
    ),
    (
        ServerError(received=500, body="{}", location=WHERE),
        f"{WHERE}\nReceived: 500 '{{}}'\nExpected: a documented 2xx or 4xx status",
    ),
    (
        WrongContentType(received=None, expected="application/json", status=400, location=WHERE),
        f"{WHERE} answered 400\nReceived: '<none>'\nExpected: 'application/json'",
    ),
    (
        MalformedJson(received=b"<html>", status=200, location=WHERE),
        f"{WHERE} answered 200\nReceived: b'<html>'\nExpected: a JSON document",
    ),
    (
        MissingField(received=ERRORS[:1], expected="ErrorBody", api="v1", status=400),
        "Received: f0: m0\nExpected: a body matching ErrorBody (v1, status 400)",
    ),
    (
        WrongType(received=ERRORS, expected="LivenessV2Response", api="v2", status=200),
        "Received: f0: m0; f1: m1; f2: m2; f3: m3; f4: m4 ...\n"
        "Expected: a body matching LivenessV2Response (v2, status 200)",
    ),
    (
        SchemaViolation(received=ERRORS[:2], expected="ErrorBody", api="v1", status=401),
        "Received: f0: m0; f1: m1\nExpected: a body matching ErrorBody (v1, status 401)",
    ),
    (
        InvariantViolation(invariant="INV-X", received=("a", "b"), expected="A holds."),
        "Received: a; b\nExpected: A holds.",
    ),
    (
        ApiMismatch(received=(Difference("result", "real", "fake"),), location="scenario s"),
        'scenario s\nReceived: result: v1 "real", v2 maps to "fake"\n'
        "Expected: every v1 field equal to its x-v1-from-v2 image of the v2 body",
    ),
    (
        NonDeterministic(received=(Difference("confidence", 0.5, 0.25), Difference("x", 1, 2))),
        "Received: confidence: 0.5 then 0.25, x: 1 then 2\nExpected: the same verdicts and values",
    ),
    (
        FieldNotNamed(received=frozenset({"a"}), expected=frozenset({"a", "b"})),
        "Received: detail naming ['a']\nExpected: detail naming ['a', 'b'] (missing ['b'])",
    ),
    (
        UnexpectedErrorCode(received=None, expected="missing_media"),
        "Received: None\nExpected: 'missing_media'",
    ),
    (
        MissingChallenge(received=""),
        "Received: no WWW-Authenticate header\nExpected: WWW-Authenticate: Bearer ...",
    ),
    (
        MissingChallenge(received="Basic"),
        "Received: 'Basic'\nExpected: WWW-Authenticate: Bearer ...",
    ),
    (
        VerdictMismatch(received=("result is real",), expected="no_face"),
        "Received: result is real\nExpected: the verdict its label implies (no_face)",
    ),
    (
        NegativeDataAccepted(received=200, expected=frozenset({422, 400})),
        "Received: 200\nExpected: 400 or 422: the request breaks the contract",
    ),
    (
        ConnectionFailure(received="connection reset"),
        "Received: connection reset\nExpected: a response",
    ),
    (
        CheckCrashed(received="KeyError: 'x' (at f.py:1)"),
        "Received: KeyError: 'x' (at f.py:1)\nExpected: a response the check can evaluate",
    ),
]


def _exchange(label: str, path: str = "/liveness") -> Exchange:
    return Exchange(Request(path=path, label=label), Response(503, {}, b""), url="")


def test_failure_kinds_are_every_kind_declared() -> None:
    declared = {
        value
        for value in vars(_failures).values()
        if inspect.isclass(value) and issubclass(value, Failure) and value is not Failure
    }
    assert set(FAILURE_KINDS) == declared
    assert len(FAILURE_KINDS) == len(declared) == 18
    assert FAILURE_KINDS[0] is UnexpectedStatus and FAILURE_KINDS[-1] is CheckCrashed


def test_every_kind_is_exported_and_has_its_own_title() -> None:
    titles = [kind.title for kind in FAILURE_KINDS]
    assert len(set(titles)) == len(titles)
    assert Failure.title not in titles
    assert {kind.__name__ for kind in FAILURE_KINDS} <= set(conformance.__all__)


def test_a_kind_of_ones_own_must_state_a_title() -> None:
    with pytest.raises(TypeError, match="Untitled"):

        @dataclass(eq=False, kw_only=True)
        class Untitled(Failure):
            pass

    @dataclass(eq=False, kw_only=True)
    class Titled(Failure):
        title: ClassVar[str] = "titled"
        received: int

        @property
        def received_text(self) -> str:
            return f"{self.received} things"

        @property
        def expected_text(self) -> str:
            return "none"

    own = Titled(received=3, location="here")
    assert own.message == "here\nReceived: 3 things\nExpected: none"
    assert own.dedup_key == ("Titled", "")
    assert Titled not in FAILURE_KINDS  # the tuple is fixed once the module is loaded


@pytest.mark.parametrize(
    ("failure", "message"), MESSAGES, ids=[f"{f.kind}-{i}" for i, (f, _) in enumerate(MESSAGES)]
)
def test_message_is_rendered_from_the_typed_fields(failure: Failure, message: str) -> None:
    assert failure.message == message
    assert str(failure) == message
    assert failure.kind == type(failure).__name__


def test_every_kind_is_covered_by_a_message_case() -> None:
    assert {type(failure) for failure, _ in MESSAGES} == set(FAILURE_KINDS)


def test_failures_are_exceptions_that_carry_their_message() -> None:
    failure = UnexpectedErrorCode(received="x", expected="y", location=WHERE)
    with pytest.raises(UnexpectedErrorCode) as caught:
        raise failure
    assert caught.value.args == (failure.message,)
    assert caught.value.received == "x" and caught.value.expected == "y"


def test_the_dedup_key_ignores_the_request_label_but_not_what_went_wrong() -> None:
    def status(label: str, received: int, path: str = "/liveness") -> UnexpectedStatus:
        return UnexpectedStatus(
            received=received,
            expected=frozenset({200}),
            location=f"POST {path} ({label})",
            exchange=_exchange(label, path),
        )

    first, same, other_status, other_path = (
        status("a", 503),
        status("b", 503),
        status("a", 400),
        status("a", 503, "/v2/liveness"),
    )
    assert first.dedup_key == same.dedup_key == ("UnexpectedStatus", "POST /liveness", 503, (200,))
    assert first.dedup_key != other_status.dedup_key
    assert first.dedup_key != other_path.dedup_key
    assert deduplicate([first, same, other_status, other_path, same]) == [
        first,
        other_status,
        other_path,
    ]


def test_kinds_with_equal_fields_do_not_share_a_key() -> None:
    missing = MissingField(received=ERRORS[:1], expected="ErrorBody", api="v1", status=400)
    wrong = WrongType(received=ERRORS[:1], expected="ErrorBody", api="v1", status=400)
    assert missing.dedup_key != wrong.dedup_key
    assert missing.operation == ""


@pytest.mark.parametrize(
    ("failure", "message"), MESSAGES, ids=[f"{f.kind}-{i}" for i, (f, _) in enumerate(MESSAGES)]
)
def test_a_failure_survives_pickling_and_copying(failure: Failure, message: str) -> None:
    for clone in (pickle.loads(pickle.dumps(failure)), copy.copy(failure)):
        assert type(clone) is type(failure)
        assert clone.message == message
        assert clone.dedup_key == failure.dedup_key


def test_a_failure_with_its_exchange_pickles() -> None:
    failure = UnexpectedStatus(
        received=503, expected=frozenset({200}), exchange=_exchange("a"), location="here"
    )
    clone = pickle.loads(pickle.dumps(failure))
    assert clone.exchange == failure.exchange
    assert clone.dedup_key == failure.dedup_key
