"""The attack cues on the corpus, per attack generator, and on held-back kit-b media.

The corpus half asserts what the corpus promises: every attack still of each generator
(kit-a, kit-b) fires a cue and no bona fide still does. The held-back half renders other
people, seeds and parameters of kit-b's recipes, never used to set the cues' levels,
and asserts only that most are right (the figures are in bench/REPORT.md).
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

import fixtures
from bench._held_back import held_back, is_attack_verdict
from fixtures import Fixture
from mock_server.cues import attack_cues, ramp
from mock_server.findings import examine
from mock_server.media import decode_image

# each thread measures the cues in arrays of its own (cues._Workspace)
_THREADED = ("genuine_still", "attack_screen_still", "attack_print_still", "b_print_sharp")

STILLS = [
    item
    for item in fixtures.all_fixtures()
    if item.role == "image" and item.label in ("bona_fide", "attack_print", "attack_screen")
]


def _fake(data: bytes) -> bool:
    return is_attack_verdict(examine(decode_image(data), eyes=False, signature=False))


@pytest.mark.parametrize("fixture", STILLS, ids=[item.name for item in STILLS])
def test_corpus_still_gets_its_label(fixture: Fixture) -> None:
    assert _fake(fixture.read_bytes()) == (fixture.label != "bona_fide")


@pytest.mark.parametrize("recipe", ["kit-a", "kit-b"])
def test_apcer_per_species_and_bpcer_are_zero_per_generator(recipe: str) -> None:
    own = [item for item in STILLS if (item.recipe or "kit-a") == recipe]
    verdicts = {item.name: _fake(item.read_bytes()) for item in own}
    for label in ("attack_print", "attack_screen"):
        attacks = [item.name for item in own if item.label == label]
        assert attacks, f"{recipe} has no {label} still"
        assert [name for name in attacks if not verdicts[name]] == []  # APCER 0
    bona_fide = [item.name for item in own if item.label == "bona_fide"]
    assert bona_fide and [name for name in bona_fide if verdicts[name]] == []  # BPCER 0


def test_kit_b_screen_still_fires_the_screen_cue_not_only_a_verdict() -> None:
    for item in STILLS:
        if item.recipe == "kit-b" and item.label == "attack_screen":
            findings = examine(decode_image(item.read_bytes()), eyes=False, signature=False)
            assert findings.cues["screen"] >= 0.5, item.name


def test_ramp_is_clamped_and_linear() -> None:
    assert ramp(0.0, 1.0, 3.0) == 0.0 and ramp(4.0, 1.0, 3.0) == 1.0
    assert ramp(2.0, 1.0, 3.0) == 0.5 and ramp(-2.0, -1.0, -3.0) == 0.5


def test_cues_are_scores_in_range() -> None:
    picture = decode_image(fixtures.get("genuine_still").read_bytes())
    findings = examine(picture, eyes=False, signature=False)
    assert findings.face_count == 1
    assert findings.cues.keys() == {"print", "screen"}
    assert all(0.0 <= value <= 1.0 for value in findings.cues.values())
    assert attack_cues.__doc__


@pytest.mark.slow
def test_held_back_kit_b_media_mostly_get_their_label() -> None:
    results = [(case.label, _fake(case.jpeg())) for case in held_back()]
    attacks = [fake for label, fake in results if label != "bona_fide"]
    bona_fide = [fake for label, fake in results if label == "bona_fide"]
    assert len(attacks) >= 8 and len(bona_fide) >= 4
    assert sum(attacks) / len(attacks) >= 0.75
    assert sum(not fake for fake in bona_fide) / len(bona_fide) >= 0.75


@pytest.mark.slow
def test_kit_b_replay_clip_of_a_blinking_person_is_judged_fake_by_its_frames() -> None:
    from mock_server.analysis import Tuning
    from mock_server.media import open_video
    from mock_server.pipeline import analyze

    clip = fixtures.get("b_screen_replay_video")
    analysis = analyze(image=None, video=open_video(clip.read_bytes()), tuning=Tuning())
    assert analysis.video is not None and analysis.result == "fake"
    assert "spoof_screen" in analysis.video.reasons


def test_cues_measured_on_threads_at_once_are_the_cues_measured_alone() -> None:
    pictures = [decode_image(fixtures.get(name).read_bytes()) for name in _THREADED]
    faces = [examine(picture, eyes=False, signature=False).face for picture in pictures]
    assert all(face is not None for face in faces)

    def cues(index: int) -> dict[str, float]:
        picture, face = pictures[index % len(pictures)], faces[index % len(pictures)]
        assert face is not None
        return attack_cues(picture.bgr, picture.gray, face, is_grayscale=picture.is_grayscale)

    alone = [cues(index) for index in range(len(pictures))]
    with ThreadPoolExecutor(4) as pool:
        together = list(pool.map(cues, range(8 * len(pictures))))
    assert together == alone * 8
    assert len({str(item) for item in alone}) == len(alone)  # different faces, different cues
