"""The figures at the service's own operating point: its verdicts, as they came back.

* APCER of a species: the share of its attack presentations that got a decision and
  were accepted as bona fide ("real"); the worst species gives the headline APCER.
* BPCER: the share of bona fide presentations that got a decision and were rejected.
* Facematch: false matches (impostor pairs matched) and false non-matches (genuine
  pairs not matched).
* Non-responses (no decision: an error status, no response, a body without a verdict)
  are counted apart, per class and cause, and are in no rate.

Every rate has its 95% Clopper-Pearson interval; a rate over no decision is not
computed, and says why.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from evaluation._intervals import clopper_pearson
from evaluation._trials import GENUINE, Trial

BONA_FIDE_CLASS = "bona_fide"


@dataclass(frozen=True, slots=True)
class Proportion:
    """``errors`` of ``total`` decisions; ``reason`` says why there is no rate."""

    errors: int
    total: int
    what: str = "decision"

    @property
    def rate(self) -> float | None:
        return self.errors / self.total if self.total else None

    @property
    def interval(self) -> tuple[float, float] | None:
        return clopper_pearson(self.errors, self.total) if self.total else None

    @property
    def reason(self) -> str | None:
        return None if self.total else f"not computed: no {self.what} got a decision"


@dataclass(slots=True)
class ClassFigures:
    """One class of trials (a species, the bona fide, a pair kind): counts and its rate."""

    presentations: int = 0
    errors: int = 0
    decisions: int = 0
    non_responses: Counter[str] = field(default_factory=Counter)

    def proportion(self, what: str) -> Proportion:
        return Proportion(self.errors, self.decisions, what)


@dataclass(slots=True)
class OperatingPoint:
    apcer: dict[str, ClassFigures] = field(default_factory=dict)
    bpcer: ClassFigures = field(default_factory=ClassFigures)
    false_match: ClassFigures = field(default_factory=ClassFigures)
    false_non_match: ClassFigures = field(default_factory=ClassFigures)
    reasons: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    subjects: int = 0

    def species_rate(self, species: str) -> Proportion:
        return self.apcer[species].proportion(f"{species} attack")

    @property
    def bpcer_rate(self) -> Proportion:
        return self.bpcer.proportion("bona fide presentation")

    @property
    def false_match_rate(self) -> Proportion:
        return self.false_match.proportion("impostor pair")

    @property
    def false_non_match_rate(self) -> Proportion:
        return self.false_non_match.proportion("genuine pair")

    @property
    def worst(self) -> tuple[str, Proportion] | None:
        """The species with the highest APCER (ties: the most attacks, then by name)."""
        rated = [(s, self.species_rate(s)) for s in sorted(self.apcer)]
        rated = [(s, p) for s, p in rated if p.rate is not None]
        if not rated:
            return None
        return max(rated, key=lambda item: (item[1].rate, item[1].total, _reverse(item[0])))


def _reverse(text: str) -> tuple[int, ...]:
    return tuple(-ord(char) for char in text)


def operating_point(trials: Sequence[Trial]) -> OperatingPoint:
    figures = OperatingPoint()
    subjects: set[str] = set()
    for trial in trials:
        if trial.label is not None:
            species = trial.species
            if species is not None:
                group = figures.apcer.setdefault(species, ClassFigures())
                error = trial.verdict == "real"
            else:
                group = figures.bpcer
                error = trial.verdict == "fake"
                if trial.subject:
                    subjects.add(trial.subject)
            _count(group, trial, error, trial.verdict is not None)
            if trial.verdict is not None:
                for code in trial.reasons:
                    figures.reasons[code][trial.label] += 1
        if trial.pair is not None:
            if trial.pair == GENUINE:
                group, error = figures.false_non_match, trial.matched is False
            else:
                group, error = figures.false_match, trial.matched is True
            _count(group, trial, error, trial.matched is not None)
    figures.subjects = len(subjects)
    return figures


def _count(group: ClassFigures, trial: Trial, error: bool, decided: bool) -> None:
    group.presentations += 1
    if decided:
        group.decisions += 1
        group.errors += int(error)
    else:
        group.non_responses[trial.cause or "no decision"] += 1
