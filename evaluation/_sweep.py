"""The figures swept over the returned confidence: the DET curve, the EER, BPCER10/20/100.

A presentation is accepted as bona fide at threshold ``t`` when its bona fide score is
at least ``t``. The thresholds are every distinct score and one above them all (nothing
accepted), so ties in confidence move together. At each threshold the APCER of every
species is computed and the curve uses the worst of them (ISO/IEC 30107-3's worst-case
species), against the BPCER.

* EER: at the threshold where |APCER - BPCER| is smallest (the lowest such threshold),
  their mean, as bob.measure defines it.
* BPCER at APCER x (BPCER10, BPCER20, BPCER100 for x = 10%, 5%, 1%): the lowest BPCER
  among the thresholds where the worst APCER is at most x. It needs at least 1/x
  decided attacks of every species (otherwise an APCER of x cannot even be resolved)
  and one decided bona fide presentation; otherwise it is not computed, and says why.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Final

from evaluation._trials import Trial

TARGETS: Final = ((10, 0.10), (20, 0.05), (100, 0.01))  # BPCER<n> at APCER <x>


@dataclass(frozen=True, slots=True)
class Point:
    threshold: float
    apcer: float
    bpcer: float


@dataclass(frozen=True, slots=True)
class Figure:
    """A swept figure: its value and threshold, or None and the reason."""

    value: float | None
    threshold: float | None = None
    reason: str | None = None


@dataclass(slots=True)
class Sweep:
    bona_fide: int = 0
    attacks: dict[str, int] = field(default_factory=dict)
    worst: list[Point] = field(default_factory=list)
    species: dict[str, list[Point]] = field(default_factory=dict)
    eer: Figure = field(default_factory=lambda: Figure(None))
    bpcer_at: dict[int, Figure] = field(default_factory=dict)

    @property
    def reason(self) -> str | None:
        """Why there is no curve, or None."""
        if not self.bona_fide and not self.attacks:
            return "no scored presentation"
        if not self.bona_fide:
            return "no bona fide presentation got a decision"
        if not self.attacks:
            return "no attack presentation got a decision"
        return None


def sweep(trials: Sequence[Trial]) -> Sweep:
    bona_fide = sorted(t.score for t in trials if t.bona_fide and t.score is not None)
    attacks: dict[str, list[float]] = {}
    for trial in trials:
        if trial.species is not None and trial.score is not None:
            attacks.setdefault(trial.species, []).append(trial.score)
    result = Sweep(len(bona_fide), {name: len(scores) for name, scores in sorted(attacks.items())})
    reason = result.reason
    if reason is not None:
        result.eer = Figure(None, reason=f"not computed: {reason}")
        result.bpcer_at = {n: Figure(None, reason=f"not computed: {reason}") for n, _ in TARGETS}
        return result
    scores = sorted({*bona_fide, *(s for values in attacks.values() for s in values)})
    thresholds = [*scores, math.inf]
    bpcers = [bisect.bisect_left(bona_fide, t) / len(bona_fide) for t in thresholds]
    for name in sorted(attacks):
        values = sorted(attacks[name])
        result.species[name] = [
            Point(t, (len(values) - bisect.bisect_left(values, t)) / len(values), bpcers[i])
            for i, t in enumerate(thresholds)
        ]
    result.worst = [
        Point(t, max(curve[i].apcer for curve in result.species.values()), bpcers[i])
        for i, t in enumerate(thresholds)
    ]
    best = min(result.worst, key=lambda p: abs(p.apcer - p.bpcer))
    result.eer = Figure((best.apcer + best.bpcer) / 2, best.threshold)
    for n, target in TARGETS:
        result.bpcer_at[n] = _bpcer_at(result, target)
    return result


def _bpcer_at(result: Sweep, target: float) -> Figure:
    needed = math.ceil(1 / target - 1e-9)
    short = [(name, n) for name, n in result.attacks.items() if n < needed]
    if short:
        listed = ", ".join(f"{name} has {n}" for name, n in short)
        return Figure(
            None,
            reason=(
                f"not computed: needs at least {needed} decided attacks of every species "
                f"to resolve an APCER of {target:.0%} ({listed})"
            ),
        )
    eligible = [point for point in result.worst if point.apcer <= target]
    best = min(eligible, key=lambda p: (p.bpcer, p.threshold))
    return Figure(best.bpcer, best.threshold)
