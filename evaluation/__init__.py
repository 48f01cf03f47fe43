"""The labelled corpus against an implementation of the contract, as PAD figures.

Figures in the manner of ISO/IEC 30107-3:

* APCER per attack species (print, screen): the share of attack presentations of that
  species accepted as bona fide; the worst of them is the headline APCER.
* BPCER: the share of bona fide presentations (live people: bona fide and impostor
  fixtures) rejected as attacks. Stills without exactly one face are in neither figure,
  and neither are clips of a live person who never blinks: the contract requires a
  blink, so their expected outcome is a rejection (shown as ``bona_fide_no_blink``).
* Facematch: false matches (a genuine still with an impostor's video accepted) and false
  non-matches (a genuine still with a genuine video of the same person rejected).

Each still is sent alone (image mode) and each video alone (video mode); facematch pairs
send both. Presentations that are not answered with a 200 are counted as failures to
process, not as decisions. Broken fixtures only check their expected status.

A labelled bulk archive (labels.csv beside its cases, read by ``bulk``) is evaluated
from its recorded cases: ``evaluate_run(cases, labels, ...)`` gives an
:class:`Evaluation` (per-species APCER with Clopper-Pearson intervals, BPCER, facematch
errors, non-responses apart, reason codes; the DET sweep, EER and BPCER10/20/100),
``build_report`` its report.json, report.md, report.html and det.svg, ``gate`` and
``deltas`` the quality gate and the comparison with a previous report.json. The corpus
outcomes give the same trials through ``trials_of_outcomes``; ``corpus_archive`` packs
the corpus as a labelled ZIP. See docs/evaluation.md.

A client of the contract, like ``conformance`` and ``bulk``: it never imports the mock.
``evaluate(sender(client, api, token), api, corpus)`` gives the outcomes,
``figures_of`` the figures, ``report`` and ``as_json`` the two report formats.
"""

from evaluation._det import det_svg
from evaluation._document import FORMAT, Evaluation, as_document, check_baseline, deltas, gate
from evaluation._errors import EvaluationError, TargetUnreachable
from evaluation._http import Send, sender
from evaluation._intervals import beta_quantile, clopper_pearson, regularized_beta
from evaluation._labelled import REPORT_FILES, Report, build_report, evaluate_run
from evaluation._metrics import Figures, Rate, figures_of
from evaluation._operating import OperatingPoint, Proportion, operating_point
from evaluation._outcomes import (
    ATTACK_SPECIES,
    BONA_FIDE,
    BONA_FIDE_LABELS,
    IMPOSTOR,
    NO_BLINK,
    Outcome,
)
from evaluation._packing import corpus_archive
from evaluation._render import as_html, as_markdown, gate_summary, report_tables
from evaluation._reports import as_json, report
from evaluation._running import evaluate, facematch_pairs
from evaluation._sweep import TARGETS, Figure, Point, Sweep, sweep
from evaluation._trials import Trial, bona_fide_score, trials_of_cases, trials_of_outcomes

__all__ = [
    "ATTACK_SPECIES",
    "BONA_FIDE",
    "BONA_FIDE_LABELS",
    "FORMAT",
    "IMPOSTOR",
    "NO_BLINK",
    "REPORT_FILES",
    "TARGETS",
    "Evaluation",
    "EvaluationError",
    "Figure",
    "Figures",
    "OperatingPoint",
    "Outcome",
    "Point",
    "Proportion",
    "Rate",
    "Report",
    "Send",
    "Sweep",
    "TargetUnreachable",
    "Trial",
    "as_document",
    "as_html",
    "as_json",
    "as_markdown",
    "beta_quantile",
    "bona_fide_score",
    "build_report",
    "check_baseline",
    "clopper_pearson",
    "corpus_archive",
    "deltas",
    "det_svg",
    "evaluate",
    "evaluate_run",
    "facematch_pairs",
    "figures_of",
    "gate",
    "gate_summary",
    "operating_point",
    "regularized_beta",
    "report",
    "report_tables",
    "sender",
    "sweep",
    "trials_of_cases",
    "trials_of_outcomes",
]
