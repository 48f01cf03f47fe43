"""The gate's requests: built from the committed corpus, which must hold what they need."""

from __future__ import annotations

import types
from typing import Any

import pytest

from conformance import CheckCrashed, CorpusError, RunConfig, Status, Target, _corpus, run_all
from conformance._corpus import SCENARIOS, fixtures_labelled, media
from tests.conformance.asgi import Memo

NAMES_THE_CHECKS_USE = (
    "genuine_still",
    "genuine_video",
    "impostor_video",
    "genuine_still_png",
    "genuine_gray",
    "attack_print_still",
    "attack_print_video",
    "attack_screen_still",
    "attack_screen_video",
    "no_face",
    "two_faces",
    "genuine_video_noblink",
)


@pytest.mark.parametrize("name", NAMES_THE_CHECKS_USE)
def test_the_committed_corpus_holds_every_fixture_the_checks_name(name: str) -> None:
    assert media(name).content


def test_the_committed_corpus_holds_broken_media_of_both_roles() -> None:
    broken = fixtures_labelled("broken")
    assert {item.role for item in broken} == {"image", "video"}
    assert any(not item.content for item in broken)  # the empty_file case of ERR-003
    assert any(not item.media_type.endswith("mp4") for item in fixtures_labelled("broken", "video"))


def test_every_scenario_request_can_be_built() -> None:
    for scenario in SCENARIOS:
        assert scenario.request("v2").parts


def test_an_unknown_fixture_is_a_corpus_error() -> None:
    with pytest.raises(CorpusError, match="no_such_fixture"):
        media("no_such_fixture")


def _without(label: str) -> Any:
    real = _corpus._load_fixtures()
    return types.SimpleNamespace(
        all_fixtures=real.all_fixtures,
        by_label=lambda wanted: () if wanted == label else real.by_label(wanted),
    )


@pytest.mark.parametrize("check_id", ["REQ-003", "REQ-004", "PREC-003"])
def test_a_corpus_without_broken_media_fails_the_checks_that_need_it(
    check_id: str, memo: Memo, token: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    stripped = _without("broken")
    monkeypatch.setattr(_corpus, "_load_fixtures", lambda: stripped)
    with pytest.raises(CorpusError, match="broken"):
        fixtures_labelled("broken")
    target = Target(app=memo)
    try:
        final = run_all(target, RunConfig(token=token, keyword=check_id))
    finally:
        target.close()
    (result,) = final.results
    assert result.status is Status.FAILED
    (failure,) = result.failures
    assert isinstance(failure, CheckCrashed)
    assert failure.received.startswith("CorpusError: the fixture corpus holds no broken")
