"""APCER, BPCER and facematch error rates counted from outcomes."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from evaluation._outcomes import ATTACK_SPECIES, BONA_FIDE_LABELS, Outcome


@dataclass(slots=True)
class Rate:
    errors: int = 0
    total: int = 0

    @property
    def rate(self) -> float | None:
        return round(self.errors / self.total, 4) if self.total else None

    def add(self, error: bool) -> None:
        self.total += 1
        self.errors += int(error)

    def show(self) -> str:
        rate = self.rate
        shown = "n/a" if rate is None else f"{rate:.2%}"
        return f"{shown:>7} ({self.errors}/{self.total})"


@dataclass(slots=True)
class Figures:
    apcer: dict[str, Rate] = field(default_factory=dict)
    bpcer: Rate = field(default_factory=Rate)
    false_match: Rate = field(default_factory=Rate)
    false_non_match: Rate = field(default_factory=Rate)
    failures_to_process: int = 0
    status_mismatches: int = 0

    @property
    def worst_apcer(self) -> float | None:
        rates = [rate.rate for rate in self.apcer.values() if rate.rate is not None]
        return max(rates) if rates else None


def figures_of(outcomes: Sequence[Outcome]) -> Figures:
    figures = Figures(apcer={species: Rate() for species in ATTACK_SPECIES.values()})
    for outcome in outcomes:
        if outcome.status != outcome.expected_status:
            figures.status_mismatches += 1
        if outcome.kind == "broken":
            continue
        if outcome.status != 200:
            figures.failures_to_process += 1
            continue
        if outcome.kind == "pair":
            if outcome.label == "genuine_pair":
                figures.false_non_match.add(outcome.verdict != "match")
            else:
                figures.false_match.add(outcome.verdict == "match")
        elif outcome.label in ATTACK_SPECIES:
            figures.apcer[ATTACK_SPECIES[outcome.label]].add(outcome.verdict == "real")
        elif outcome.label in BONA_FIDE_LABELS:
            figures.bpcer.add(outcome.verdict != "real")
    return figures
