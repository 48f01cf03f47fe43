from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import anyio
import httpx
import pytest

import evaluation
import spec
from evaluation import Outcome, facematch_pairs, figures_of
from mock_server import Settings, create_app, issue_token
from tests.mock_server.helpers import SECRET, jpeg, mp4


@dataclass(frozen=True)
class FakeFixture:
    name: str
    role: str
    label: str
    expected_status: int = 200
    subject: str | None = None
    data: bytes = b""
    blinks: int | None = None

    @property
    def filename(self) -> str:
        return self.name + (".jpg" if self.role == "image" else ".mp4")

    def read_bytes(self) -> bytes:
        return self.data


CORPUS = [
    FakeFixture("still_a", "image", "bona_fide", subject="a", data=jpeg()),
    FakeFixture("video_a", "video", "bona_fide", subject="a", data=mp4()),
    FakeFixture("video_b", "video", "impostor", subject="b", data=mp4(8)),
    FakeFixture("print", "image", "attack_print", subject="a", data=jpeg(seed=3)),
    FakeFixture("screen", "video", "attack_screen", subject="a", data=mp4(5)),
    FakeFixture("broken", "image", "broken", expected_status=400, data=b"GIF89a"),
]


def test_figures_count_decisions_per_label() -> None:
    outcomes = [
        Outcome("a", "presentation", "attack_print", 200, 200, "real"),
        Outcome("b", "presentation", "attack_print", 200, 200, "fake"),
        Outcome("c", "presentation", "attack_screen", 200, 200, "fake"),
        Outcome("d", "presentation", "bona_fide", 200, 200, "fake"),
        Outcome("e", "presentation", "bona_fide", 200, 400),
        Outcome("f", "pair", "genuine_pair", 200, 200, "no_match"),
        Outcome("g", "pair", "impostor_pair", 200, 200, "match"),
        Outcome("h", "broken", "broken", 400, 400),
    ]
    figures = figures_of(outcomes)
    assert figures.apcer["print"].rate == 0.5 and figures.apcer["screen"].rate == 0.0
    assert figures.worst_apcer == 0.5
    assert (figures.bpcer.errors, figures.bpcer.total) == (1, 1)
    assert figures.false_match.rate == 1.0 and figures.false_non_match.rate == 1.0
    assert figures.failures_to_process == 1 and figures.status_mismatches == 1


def test_pairs_are_genuine_or_impostor() -> None:
    labels = {name: label for name, label, _, _ in facematch_pairs(CORPUS)}
    assert labels == {"still_a+video_a": "genuine_pair", "still_a+video_b": "impostor_pair"}


@pytest.mark.parametrize("api", ["v1", "v2"])
def test_evaluate_runs_a_corpus_against_the_mock(api: str, tmp_path: Path) -> None:
    settings = Settings(secret=SECRET, playground=False)
    headers = {"Authorization": f"Bearer {issue_token(settings)}"}

    async def run() -> list[Outcome]:
        transport = httpx.ASGITransport(app=create_app(settings))
        async with httpx.AsyncClient(transport=transport, base_url="http://mock") as client:

            async def send(files: dict[str, tuple[str, bytes]]) -> httpx.Response:
                return await client.post(spec.PATHS[api], files=files, headers=headers)

            return await evaluation.evaluate(send, api, CORPUS)

    outcomes = anyio.run(run)
    assert len(outcomes) == len(CORPUS) + 2
    figures = figures_of(outcomes)
    assert figures.status_mismatches == 0 and figures.failures_to_process == 0
    text = evaluation.report(figures, outcomes, "test", api)
    assert "APCER print" in text and "false non-match" in text
    document: dict[str, Any] = evaluation.as_json(figures, outcomes, "test", api)
    json.dumps(document)
    assert {o["name"] for o in document["outcomes"]} >= {"broken", "still_a+video_b"}


def test_a_live_clip_without_blink_is_expected_rejected_and_left_out_of_bpcer() -> None:
    settings = Settings(secret=SECRET, playground=False)
    headers = {"Authorization": f"Bearer {issue_token(settings)}"}
    corpus = [FakeFixture("still", "video", "bona_fide", data=mp4(), blinks=0)]

    async def run() -> list[Outcome]:
        transport = httpx.ASGITransport(app=create_app(settings))
        async with httpx.AsyncClient(transport=transport, base_url="http://mock") as client:

            async def send(files: dict[str, tuple[str, bytes]]) -> httpx.Response:
                return await client.post("/v2/liveness", files=files, headers=headers)

            return await evaluation.evaluate(send, "v2", corpus)

    (outcome,) = anyio.run(run)
    assert outcome.label == evaluation.NO_BLINK
    assert outcome.verdict == "fake" and outcome.as_expected
    assert figures_of([outcome]).bpcer.total == 0


@pytest.mark.parametrize("api", ["v1", "v2"])
def test_the_sender_posts_to_the_api_path_with_the_token(api: str) -> None:
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(400, json={"detail": {"code": "x"}})

    async def run() -> httpx.Response:
        transport = httpx.MockTransport(answer)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            return await evaluation.sender(client, api, "tok")({"image": ("a.jpg", b"x")})

    assert anyio.run(run).status_code == 400
    (request,) = seen
    assert request.url.path == spec.PATHS[api]
    assert request.headers["Authorization"] == "Bearer tok"


def test_a_transport_error_becomes_target_unreachable() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    async def run() -> list[Outcome]:
        transport = httpx.MockTransport(refuse)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            return await evaluation.evaluate(evaluation.sender(client, "v2", "t"), "v2", CORPUS)

    with pytest.raises(evaluation.TargetUnreachable, match="connection refused"):
        anyio.run(run)
