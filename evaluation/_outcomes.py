"""The labels an evaluation knows, and one request's outcome."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

ATTACK_SPECIES: Final = {"attack_print": "print", "attack_screen": "screen"}
BONA_FIDE: Final = "bona_fide"
IMPOSTOR: Final = "impostor"  # a live person, bona fide for PAD; another subject for facematch
BONA_FIDE_LABELS: Final = (BONA_FIDE, IMPOSTOR)
NO_BLINK: Final = "bona_fide_no_blink"


@dataclass(frozen=True, slots=True)
class Outcome:
    """One request of the evaluation and what came back."""

    name: str
    kind: str  # "presentation", "pair" or "broken"
    label: str
    expected_status: int
    status: int
    verdict: str | None = None  # liveness: "real" / "fake"; pair: "match" / "no_match"
    confidence: float | None = None
    reasons: tuple[str, ...] = ()

    @property
    def as_expected(self) -> bool:
        if self.status != self.expected_status:
            return False
        if self.kind == "presentation":
            return (self.verdict == "real") == (self.label in BONA_FIDE_LABELS)
        if self.kind == "pair":
            return (self.verdict == "match") == (self.label == "genuine_pair")
        return True
