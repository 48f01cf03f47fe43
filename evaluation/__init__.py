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

A client of the contract, like ``conformance`` and ``bulk``: it never imports the mock.
``evaluate(sender(client, api, token), api, corpus)`` gives the outcomes,
``figures_of`` the figures, ``report`` and ``as_json`` the two report formats.
"""

from evaluation._errors import EvaluationError, TargetUnreachable
from evaluation._http import Send, sender
from evaluation._metrics import Figures, Rate, figures_of
from evaluation._outcomes import (
    ATTACK_SPECIES,
    BONA_FIDE,
    BONA_FIDE_LABELS,
    IMPOSTOR,
    NO_BLINK,
    Outcome,
)
from evaluation._reports import as_json, report
from evaluation._running import evaluate, facematch_pairs

__all__ = [
    "ATTACK_SPECIES",
    "BONA_FIDE",
    "BONA_FIDE_LABELS",
    "IMPOSTOR",
    "NO_BLINK",
    "EvaluationError",
    "Figures",
    "Outcome",
    "Rate",
    "Send",
    "TargetUnreachable",
    "as_json",
    "evaluate",
    "facematch_pairs",
    "figures_of",
    "report",
    "sender",
]
