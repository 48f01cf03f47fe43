"""The two report formats of an evaluation: a text table and a JSON document."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict
from typing import Any

from evaluation._metrics import Figures, Rate
from evaluation._outcomes import Outcome


def report(figures: Figures, outcomes: Sequence[Outcome], target: str, api: str) -> str:
    lines = [f"Evaluation of {target} ({api}), {len(outcomes)} requests", ""]
    lines.append("Presentation attack detection")
    for species, rate in figures.apcer.items():
        lines.append(f"  APCER {species:<7} {rate.show()}")
    worst = figures.worst_apcer
    lines.append(f"  APCER worst   {'n/a' if worst is None else f'{worst:.2%}':>7}")
    lines.append(f"  BPCER         {figures.bpcer.show()}")
    lines.append("Facematch")
    lines.append(f"  false match     {figures.false_match.show()}")
    lines.append(f"  false non-match {figures.false_non_match.show()}")
    lines.append(f"Failures to process: {figures.failures_to_process}")
    lines.append(f"Status mismatches:   {figures.status_mismatches}")
    lines.append("")
    width = max([len(outcome.name) for outcome in outcomes] + [7])
    heading = f"{'label':<18} {'status':>6}  {'verdict':<9} {'conf':>6}  ok  reasons"
    lines.append(f"{'fixture':<{width}}  {heading}")
    for o in outcomes:
        confidence = "" if o.confidence is None else f"{o.confidence:.4f}"
        status = f"{o.status}" + ("" if o.status == o.expected_status else f"!={o.expected_status}")
        lines.append(
            f"{o.name:<{width}}  {o.label:<18} {status:>6}  {o.verdict or '-':<9} "
            f"{confidence:>6}  {'yes' if o.as_expected else 'NO ':<3} {', '.join(o.reasons)}"
        )
    return "\n".join(lines) + "\n"


def as_json(figures: Figures, outcomes: Sequence[Outcome], target: str, api: str) -> dict[str, Any]:
    def rate(value: Rate) -> dict[str, Any]:
        return {"errors": value.errors, "total": value.total, "rate": value.rate}

    return {
        "target": target,
        "api": api,
        "apcer": {species: rate(value) for species, value in figures.apcer.items()},
        "apcer_worst": figures.worst_apcer,
        "bpcer": rate(figures.bpcer),
        "facematch": {
            "false_match": rate(figures.false_match),
            "false_non_match": rate(figures.false_non_match),
        },
        "failures_to_process": figures.failures_to_process,
        "status_mismatches": figures.status_mismatches,
        "outcomes": [
            {
                **asdict(outcome),
                "reasons": list(outcome.reasons),
                "as_expected": outcome.as_expected,
            }
            for outcome in outcomes
        ],
    }
