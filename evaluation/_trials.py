"""Trials: one labelled presentation or facematch pair and what the service answered.

Both ways of evaluating give trials, and every figure is counted from them: the kit's
own corpus (its outcomes) and a labelled bulk archive (its recorded cases and labels).
A trial is *decided* when a 200 came back with a verdict; anything else is a
non-response (ISO/IEC 30107-3 counts those apart from misclassifications).

``score`` is the bona fide score of the returned confidence: the contract's confidence
is the confidence in ``result``, so the score is the confidence when the result is
"real" and one minus it when it is "fake". The sweep of the DET curve runs over it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

from bulk import ATTACK_PREFIX, BONA_FIDE, Label, RecordedCase
from evaluation._outcomes import ATTACK_SPECIES, BONA_FIDE_LABELS, Outcome

GENUINE: Final = "genuine"
IMPOSTOR_PAIR: Final = "impostor"
NO_RESPONSE: Final = "no_response"


@dataclass(frozen=True, slots=True)
class Trial:
    """One labelled case (a presentation, a facematch pair, or both) and its answer."""

    case: str
    label: str | None  # "bona_fide" or "attack:<species>": a PAD presentation
    pair: str | None = None  # "genuine" or "impostor": a facematch trial
    subject: str | None = None
    status: int | None = None  # the HTTP status, None when nothing came back
    verdict: str | None = None  # "real" or "fake" when decided
    score: float | None = None  # the bona fide score in [0, 1] when decided
    matched: bool | None = None  # the facematch decision when decided and a pair
    reasons: tuple[str, ...] = ()  # the reason codes of the decision
    cause: str | None = None  # why there was no decision: an error code, "HTTP 503", ...

    @property
    def decided(self) -> bool:
        return self.verdict is not None or self.matched is not None

    @property
    def species(self) -> str | None:
        if self.label is None or not self.label.startswith(ATTACK_PREFIX):
            return None
        return self.label[len(ATTACK_PREFIX) :]

    @property
    def bona_fide(self) -> bool:
        return self.label == BONA_FIDE


def bona_fide_score(verdict: str, confidence: float) -> float:
    """The score of "real": the confidence in a "real" verdict, 1 - it for "fake"."""
    return confidence if verdict == "real" else round(1.0 - confidence, 10)


def decision(body: Any) -> tuple[str, float, bool, tuple[str, ...]] | None:
    """(verdict, confidence, facematch passed, reasons) of a v1 or v2 body, or None."""
    if not isinstance(body, dict):
        return None
    overall = body.get("overall")
    if isinstance(overall, dict):  # v2
        verdict, confidence = overall.get("result"), overall.get("confidence")
        block = body.get("image_video_facematch")
        matched = isinstance(block, dict) and block.get("passed") is True
        reasons = overall.get("reasons") or ()
    else:
        verdict, confidence = body.get("result"), body.get("confidence")
        matched = body.get("facematch_result") == "True"
        reasons = ()
    if not isinstance(confidence, int | float) or isinstance(confidence, bool):
        return None
    if verdict not in ("real", "fake") or not 0 <= confidence <= 1:
        return None
    codes = tuple(code for code in reasons if isinstance(code, str))
    return str(verdict), float(confidence), matched, codes


def _cause(case: RecordedCase) -> str:
    body = case.json_body()
    if isinstance(body, dict) and isinstance(body.get("detail"), dict):
        code = body["detail"].get("code")
        if isinstance(code, str) and code:
            return f"HTTP {case.status} {code}"
    if case.status is None:
        return NO_RESPONSE
    if case.outcome == "ok":
        return f"HTTP {case.status} without a verdict"
    return f"HTTP {case.status}"


def trials_of_cases(cases: Sequence[RecordedCase], labels: Mapping[str, Label]) -> list[Trial]:
    """The trials of a bulk run: every recorded case that has a label."""
    trials = []
    for case in cases:
        label = labels.get(case.name)
        if label is None or case.outcome == "invalid":
            continue
        base: dict[str, Any] = {"case": case.name, "label": label.label, "pair": label.pair}
        base["subject"] = label.subject
        answer = decision(case.json_body()) if case.outcome == "ok" else None
        if answer is None:
            trials.append(Trial(**base, status=case.status, cause=_cause(case)))
            continue
        verdict, confidence, matched, reasons = answer
        trials.append(
            Trial(
                **base,
                status=case.status,
                verdict=verdict,
                score=bona_fide_score(verdict, confidence),
                matched=matched if label.pair is not None else None,
                reasons=reasons,
            )
        )
    return trials


def trials_of_outcomes(outcomes: Sequence[Outcome]) -> list[Trial]:
    """The trials of a corpus evaluation: the presentations and pairs its figures count.

    Bona fide and impostor presentations are bona fide; the attack labels map to their
    species; the rest (no face, several faces, a clip without a blink, broken files) is
    in no PAD figure, as in :func:`evaluation.figures_of`.
    """
    trials = []
    base: dict[str, Any]
    for outcome in outcomes:
        if outcome.kind == "pair":
            pair = GENUINE if outcome.label == "genuine_pair" else IMPOSTOR_PAIR
            base = {"case": outcome.name, "label": None, "pair": pair}
        elif outcome.kind == "presentation" and outcome.label in ATTACK_SPECIES:
            base = {"case": outcome.name, "label": ATTACK_PREFIX + ATTACK_SPECIES[outcome.label]}
        elif outcome.kind == "presentation" and outcome.label in BONA_FIDE_LABELS:
            base = {"case": outcome.name, "label": BONA_FIDE}
        else:
            continue
        if outcome.status != 200 or outcome.verdict is None or outcome.confidence is None:
            code = outcome.reasons[0] if outcome.reasons else None
            cause = f"HTTP {outcome.status}" + (f" {code}" if code else "")
            trials.append(Trial(**base, status=outcome.status, cause=cause))
        elif outcome.kind == "pair":
            matched = outcome.verdict == "match"
            trials.append(Trial(**base, status=200, matched=matched))
        else:
            score = bona_fide_score(outcome.verdict, outcome.confidence)
            verdict, reasons = outcome.verdict, outcome.reasons
            trials.append(Trial(**base, status=200, verdict=verdict, score=score, reasons=reasons))
    return trials
