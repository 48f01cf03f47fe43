"""The labelled-set figures against values computed by hand on small synthetic sets."""

from __future__ import annotations

import math

import pytest

from evaluation import Evaluation, Trial, as_document, gate, operating_point, sweep


def bona_fide(case: str, score: float, verdict: str | None = None) -> Trial:
    return Trial(case, "bona_fide", status=200, verdict=verdict or _verdict(score), score=score)


def attack(case: str, species: str, score: float, verdict: str | None = None) -> Trial:
    verdict = verdict or _verdict(score)
    return Trial(case, f"attack:{species}", status=200, verdict=verdict, score=score)


def _verdict(score: float) -> str:
    return "real" if score >= 0.5 else "fake"


def test_ties_in_confidence_move_together() -> None:
    trials = [
        bona_fide("b1", 0.5),
        bona_fide("b2", 0.5),
        bona_fide("b3", 0.8),
        attack("a1", "print", 0.5),
        attack("a2", "print", 0.2),
    ]
    result = sweep(trials)
    # thresholds 0.2, 0.5, 0.8, above all: (APCER, BPCER) = (1, 0), (1/2, 0), (0, 2/3), (0, 1)
    assert [(p.threshold, p.apcer, p.bpcer) for p in result.worst] == [
        (0.2, 1.0, 0.0),
        (0.5, 0.5, 0.0),
        (0.8, 0.0, 2 / 3),
        (math.inf, 0.0, 1.0),
    ]
    assert result.eer.value == 0.25 and result.eer.threshold == 0.5


def test_bpcer_at_a_fixed_apcer_and_the_eer() -> None:
    trials = [attack(f"p{i}", "print", 0.1) for i in range(9)] + [attack("p9", "print", 0.7)]
    trials += [bona_fide(f"b{i}", s) for i, s in enumerate((0.1, 0.4, 0.6, 0.8, 0.9))]
    result = sweep(trials)
    # at 0.4: APCER 1/10, BPCER 1/5; the first threshold whose APCER is at most 10%
    assert (result.bpcer_at[10].value, result.bpcer_at[10].threshold) == (0.2, 0.4)
    assert result.eer.value == pytest.approx(0.15) and result.eer.threshold == 0.4
    for n in (20, 100):
        assert result.bpcer_at[n].value is None
        assert f"at least {n} decided attacks" in (result.bpcer_at[n].reason or "")
        assert "print has 10" in (result.bpcer_at[n].reason or "")


def test_a_species_with_one_attack() -> None:
    trials = [attack("m", "mask", 0.9), attack("p1", "print", 0.1), attack("p2", "print", 0.2)]
    trials += [bona_fide("b", 0.9)]
    point = operating_point(trials)
    mask = point.species_rate("mask")
    assert (mask.errors, mask.total, mask.rate) == (1, 1, 1.0)
    assert mask.interval == pytest.approx((0.025, 1.0))
    assert point.worst is not None and point.worst[0] == "mask"
    reason = sweep(trials).bpcer_at[10].reason or ""
    assert "mask has 1, print has 2" in reason


def test_no_bona_fide() -> None:
    trials = [attack("a", "print", 0.1), attack("b", "print", 0.9)]
    evaluation = Evaluation.of(trials, target="t", api="v2")
    document = as_document(evaluation)
    bpcer = document["operating_point"]["bpcer"]
    assert bpcer["rate"] is None and bpcer["interval_95"] is None
    assert bpcer["reason"] == "not computed: no bona fide presentation got a decision"
    assert document["sweep"]["eer"]["value"] is None
    assert "no bona fide presentation" in document["sweep"]["eer"]["reason"]
    assert document["operating_point"]["apcer"]["print"]["rate"] == 0.5
    assert gate(document, max_apcer=None, max_bpcer=0.1) == [
        "BPCER cannot be judged: no bona fide presentation got a decision"
    ]


def test_all_correct() -> None:
    trials = [bona_fide("b1", 0.9), bona_fide("b2", 0.8), attack("a", "print", 0.1)]
    trials += [attack("s", "screen", 0.2)]
    point, result = operating_point(trials), sweep(trials)
    assert point.bpcer_rate.rate == 0.0 and point.worst is not None
    assert point.worst[1].rate == 0.0
    assert point.bpcer_rate.interval == pytest.approx((0.0, 1 - 0.025 ** (1 / 2)))
    assert result.eer.value == 0.0


def test_all_wrong() -> None:
    trials = [bona_fide("b1", 0.1), bona_fide("b2", 0.1), attack("a1", "print", 0.9)]
    point, result = operating_point(trials), sweep(trials)
    assert (point.bpcer_rate.errors, point.bpcer_rate.total) == (2, 2)
    assert point.species_rate("print").rate == 1.0
    assert point.bpcer_rate.interval == pytest.approx((0.025 ** (1 / 2), 1.0))
    # thresholds 0.1, 0.9, above: (1, 0), (1, 1), (0, 1): the EER is at 0.9
    assert (result.eer.value, result.eer.threshold) == (1.0, 0.9)


def test_non_responses_are_counted_apart() -> None:
    trials = [
        bona_fide("b", 0.9),
        Trial("x", "bona_fide", status=400, cause="HTTP 400 no_face"),
        Trial("y", "attack:print", status=None, cause="no_response"),
        attack("a", "print", 0.2),
    ]
    document = as_document(Evaluation.of(trials, target="t", api="v2"))
    point = document["operating_point"]
    assert (point["bpcer"]["presentations"], point["bpcer"]["decisions"]) == (2, 1)
    assert point["bpcer"]["non_responses"] == 1
    assert point["apcer"]["print"]["decisions"] == 1
    assert point["non_responses"] == {
        "attack:print": {"no_response": 1},
        "bona_fide": {"HTTP 400 no_face": 1},
    }


def test_facematch_errors_and_reason_codes() -> None:
    trials = [
        Trial("g1", None, pair="genuine", status=200, matched=False),
        Trial("g2", None, pair="genuine", status=200, matched=True),
        Trial(
            "i1", "bona_fide", pair="impostor", status=200, verdict="real", score=0.9, matched=True
        ),
        Trial(
            "a",
            "attack:print",
            status=200,
            verdict="fake",
            score=0.1,
            reasons=("spoof_print", "no_blink"),
        ),
    ]
    point = operating_point(trials)
    assert (point.false_non_match_rate.errors, point.false_non_match_rate.total) == (1, 2)
    assert (point.false_match_rate.errors, point.false_match_rate.total) == (1, 1)
    assert point.bpcer_rate.total == 1  # the impostor pair is also a bona fide presentation
    assert {code: dict(c) for code, c in point.reasons.items()} == {
        "spoof_print": {"attack:print": 1},
        "no_blink": {"attack:print": 1},
    }


def test_the_gate_names_the_worst_species() -> None:
    trials = [attack("a", "print", 0.9), attack("b", "print", 0.1), attack("c", "screen", 0.1)]
    trials += [bona_fide("d", 0.9)]
    document = as_document(Evaluation.of(trials, target="t", api="v2"))
    assert gate(document, max_apcer=0.5, max_bpcer=0.0) == []
    assert gate(document, max_apcer=0.4, max_bpcer=None) == [
        "APCER 50.00% (species print, 1/2) is above --max-apcer 40.00%"
    ]
