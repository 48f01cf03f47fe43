"""The mock answers the recorded grid of requests byte for byte as recorded.

The recording is made by ``python -m tests.mock_server.record_bodies``; see that module
for the grid and for when to re-record.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.mock_server import record_bodies


def _recording() -> dict[str, Any]:
    recorded: dict[str, Any] = json.loads(record_bodies.RECORDING.read_text(encoding="utf-8"))
    return recorded


def test_the_recording_is_of_this_corpus() -> None:
    changed = [
        name
        for name, digest in record_bodies.corpus_digests().items()
        if _recording()["corpus"].get(name) != digest
    ]
    missing = sorted(set(_recording()["corpus"]) - set(record_bodies.corpus_digests()))
    assert (changed, missing) == ([], []), (
        "the corpus changed since the bodies were recorded: "
        "re-run python -m tests.mock_server.record_bodies"
    )


def test_the_recording_covers_the_grid() -> None:
    ids = [case.id for case in record_bodies.cases()]
    assert sorted(ids) == sorted(_recording()["cases"])
    roles = {frozenset(case.media) for case in record_bodies.cases()}
    assert roles == {frozenset({"image"}), frozenset({"video"}), frozenset({"image", "video"})}
    statuses = {answer["status"] for answer in _recording()["cases"].values()}
    assert statuses == {200, 400, 401, 413, 422}


def test_one_recorded_answer_is_reproduced() -> None:
    case = next(case for case in record_bodies.cases() if case.id == "v2/image/no_face/defaults")
    recorded = _recording()["cases"][case.id]
    answer = record_bodies.answers([case])[case.id]
    assert answer == recorded
    other = next(c for c in record_bodies.cases() if c.id == "v2/image/genuine_still/defaults")
    assert _recording()["cases"][other.id]["sha256"] != recorded["sha256"]


@pytest.mark.slow
def test_every_recorded_body_is_unchanged() -> None:
    recorded = _recording()["cases"]
    grid = record_bodies.cases()
    answers = record_bodies.answers(grid)
    changed = {
        case.id: {"recorded": recorded[case.id], "now": answers[case.id]}
        for case in grid
        if answers[case.id] != recorded[case.id]
    }
    assert changed == {}
