"""The report's document (report.json), the quality gate, and deltas against a baseline.

report.json is the one source of the three report formats: report.md and report.html
are rendered from it (and det.svg from the same figures), so they never disagree.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

from bulk import Problem
from evaluation._operating import OperatingPoint, Proportion, operating_point
from evaluation._sweep import TARGETS, Figure, Sweep, sweep
from evaluation._trials import Trial

FORMAT: Final = "liveness-kit-evaluation/1"


@dataclass(frozen=True, slots=True)
class Evaluation:
    """Everything a report shows: the trials, both kinds of figures, the problems."""

    target: str
    api: str
    trials: list[Trial]
    operating: OperatingPoint
    swept: Sweep
    problems: list[str]
    unlabelled: int = 0

    @classmethod
    def of(
        cls,
        trials: Sequence[Trial],
        *,
        target: str,
        api: str,
        problems: Sequence[Problem | str] = (),
        unlabelled: int = 0,
    ) -> Evaluation:
        ordered = sorted(trials, key=lambda trial: trial.case)
        shown = [str(problem) for problem in problems]
        return cls(
            target, api, ordered, operating_point(ordered), sweep(ordered), shown, unlabelled
        )

    @property
    def operating_xy(self) -> tuple[float, float] | None:
        """(worst APCER, BPCER) at the operating point, when both are computed."""
        worst = self.operating.worst
        bpcer = self.operating.bpcer_rate.rate
        return None if worst is None or bpcer is None else (worst[1].rate or 0.0, bpcer)


def proportion_json(value: Proportion) -> dict[str, Any]:
    interval = value.interval
    document: dict[str, Any] = {
        "errors": value.errors,
        "decisions": value.total,
        "rate": None if value.rate is None else round(value.rate, 6),
        "interval_95": None if interval is None else [round(bound, 6) for bound in interval],
    }
    if value.reason is not None:
        document["reason"] = value.reason
    return document


def _figure_json(figure: Figure) -> dict[str, Any]:
    document: dict[str, Any] = {
        "value": None if figure.value is None else round(figure.value, 6),
        "threshold": _threshold(figure.threshold),
    }
    if figure.reason is not None:
        document["reason"] = figure.reason
    return document


def _threshold(value: float | None) -> float | str | None:
    if value is None:
        return None
    return "above every score" if math.isinf(value) else round(value, 6)


def as_document(evaluation: Evaluation) -> dict[str, Any]:
    op = evaluation.operating
    worst = op.worst
    species = {}
    for name in sorted(op.apcer):
        group = op.apcer[name]
        species[name] = {
            "presentations": group.presentations,
            **proportion_json(op.species_rate(name)),
            "non_responses": group.non_responses.total(),
        }

    def counted(group: Any, value: Proportion) -> dict[str, Any]:
        return {
            "presentations": group.presentations,
            **proportion_json(value),
            "non_responses": group.non_responses.total(),
        }

    non_responses: dict[str, dict[str, int]] = {}
    for label, group in (
        *((f"attack:{name}", op.apcer[name]) for name in sorted(op.apcer)),
        ("bona_fide", op.bpcer),
        ("genuine pair", op.false_non_match),
        ("impostor pair", op.false_match),
    ):
        if group.non_responses:
            non_responses[label] = dict(sorted(group.non_responses.items()))
    swept = evaluation.swept
    return {
        "format": FORMAT,
        "target": evaluation.target,
        "api": evaluation.api,
        "counts": {
            "trials": len(evaluation.trials),
            "unlabelled": evaluation.unlabelled,
            "bona_fide_subjects": op.subjects,
        },
        "operating_point": {
            "apcer": species,
            "apcer_worst": None
            if worst is None
            else {"species": worst[0], **proportion_json(worst[1])},
            "bpcer": counted(op.bpcer, op.bpcer_rate),
            "facematch": {
                "false_match": counted(op.false_match, op.false_match_rate),
                "false_non_match": counted(op.false_non_match, op.false_non_match_rate),
            },
            "non_responses": non_responses,
            "reasons": {code: dict(sorted(c.items())) for code, c in sorted(op.reasons.items())},
        },
        "sweep": {
            "bona_fide_scores": swept.bona_fide,
            "attack_scores": dict(swept.attacks),
            "reason": swept.reason,
            "eer": _figure_json(swept.eer),
            "bpcer_at_apcer": {
                f"BPCER{n}": {"apcer": target, **_figure_json(swept.bpcer_at[n])}
                for n, target in TARGETS
            },
            "det_worst": [
                [round(p.apcer, 6), round(p.bpcer, 6), _threshold(p.threshold)] for p in swept.worst
            ],
        },
        "problems": list(evaluation.problems),
        "trials": [_trial_json(trial) for trial in evaluation.trials],
    }


def _trial_json(trial: Trial) -> dict[str, Any]:
    return {
        "case": trial.case,
        "label": trial.label,
        "pair": trial.pair,
        "subject": trial.subject,
        "status": trial.status,
        "verdict": trial.verdict,
        "bona_fide_score": trial.score,
        "matched": trial.matched,
        "reasons": list(trial.reasons),
        "no_decision": trial.cause,
    }


def gate(
    document: Mapping[str, Any], *, max_apcer: float | None, max_bpcer: float | None
) -> list[str]:
    """The breaches of the quality gate, one line each (empty: the gate passes).

    A limit that cannot be judged (no attack or no bona fide decision) is a breach: a
    gate never passes on figures it does not have.
    """
    breaches = []
    point = document["operating_point"]
    if max_apcer is not None:
        worst = point["apcer_worst"]
        if worst is None:
            breaches.append("APCER cannot be judged: no attack presentation got a decision")
        elif worst["rate"] > max_apcer:
            breaches.append(
                f"APCER {_pc(worst['rate'])} (species {worst['species']}, "
                f"{worst['errors']}/{worst['decisions']}) is above --max-apcer {_pc(max_apcer)}"
            )
    if max_bpcer is not None:
        bpcer = point["bpcer"]
        if bpcer["rate"] is None:
            breaches.append("BPCER cannot be judged: no bona fide presentation got a decision")
        elif bpcer["rate"] > max_bpcer:
            breaches.append(
                f"BPCER {_pc(bpcer['rate'])} ({bpcer['errors']}/{bpcer['decisions']}) "
                f"is above --max-bpcer {_pc(max_bpcer)}"
            )
    return breaches


def deltas(document: Mapping[str, Any], baseline: Mapping[str, Any]) -> list[str]:
    """One line per headline figure: this report's value, the baseline's, the change."""
    lines = []
    for name, now, then in _headlines(document, baseline):
        if now is None or then is None:
            lines.append(f"{name:<22} {_pc(now):>8} (baseline {_pc(then)})")
        else:
            change = (now - then) * 100
            lines.append(f"{name:<22} {_pc(now):>8} (baseline {_pc(then)}, {change:+.2f} points)")
    return lines


def _headlines(
    document: Mapping[str, Any], baseline: Mapping[str, Any]
) -> list[tuple[str, float | None, float | None]]:
    def get(source: Mapping[str, Any], *path: str) -> float | None:
        value: Any = source
        for key in path:
            value = value.get(key) if isinstance(value, Mapping) else None
        return value if isinstance(value, int | float) else None

    species = sorted(set(document["operating_point"]["apcer"]) | set(_mapping(baseline, "apcer")))
    rows: list[tuple[str, tuple[str, ...]]] = [
        (f"APCER {s}", ("operating_point", "apcer", s, "rate")) for s in species
    ]
    rows += [
        ("APCER worst", ("operating_point", "apcer_worst", "rate")),
        ("BPCER", ("operating_point", "bpcer", "rate")),
        ("false match", ("operating_point", "facematch", "false_match", "rate")),
        ("false non-match", ("operating_point", "facematch", "false_non_match", "rate")),
        ("EER", ("sweep", "eer", "value")),
        *((f"BPCER{n}", ("sweep", "bpcer_at_apcer", f"BPCER{n}", "value")) for n, _ in TARGETS),
    ]
    return [(name, get(document, *path), get(baseline, *path)) for name, path in rows]


def _mapping(document: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    point = document.get("operating_point")
    value = point.get(key) if isinstance(point, Mapping) else None
    return value if isinstance(value, Mapping) else {}


def check_baseline(document: Any) -> str | None:
    """What makes ``document`` unusable as a baseline, or None."""
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        return f"not an evaluation report ({FORMAT})"
    if not isinstance(document.get("operating_point"), dict):
        return "not an evaluation report: no operating_point"
    return None


def _pc(rate: float | None) -> str:
    return "n/a" if rate is None else f"{rate * 100:.2f}%"
