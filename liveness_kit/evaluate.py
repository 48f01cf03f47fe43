"""``liveness-kit evaluate``: the labelled corpus against an implementation, as PAD figures.

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
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Final

import httpx

from liveness_kit._errors import UsageError

ATTACK_SPECIES: Final = {"attack_print": "print", "attack_screen": "screen"}
BONA_FIDE: Final = "bona_fide"
IMPOSTOR: Final = "impostor"  # a live person, bona fide for PAD; another subject for facematch
BONA_FIDE_LABELS: Final = (BONA_FIDE, IMPOSTOR)
NO_BLINK: Final = "bona_fide_no_blink"
PATHS: Final = {"v1": "/liveness", "v2": "/v2/liveness"}


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "evaluate",
        help="run the labelled corpus and print APCER/BPCER and facematch figures",
        description=(
            "Run the labelled fixtures against the mock (in process, the default) or any "
            "implementation at --base-url, and print ISO/IEC 30107-3 style figures."
        ),
    )
    parser.add_argument("--base-url", help="an implementation to evaluate (default: the mock)")
    parser.add_argument("--token", help="bearer token (default: one minted for the mock)")
    parser.add_argument("--api", choices=("v1", "v2"), default="v2")
    parser.add_argument("--json", type=Path, metavar="PATH", help="also write the figures here")
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds per request")
    parser.set_defaults(handler=run)


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


# --- running the corpus -------------------------------------------------------------------

Send = Callable[[dict[str, tuple[str, bytes]]], Awaitable[httpx.Response]]


def _liveness(api: str, body: dict[str, Any]) -> tuple[str, float, tuple[str, ...]]:
    if api == "v1":
        return body["result"], float(body["confidence"]), ()
    overall = body["overall"]
    return overall["result"], float(overall["confidence"]), tuple(overall["reasons"])


def _facematch(api: str, body: dict[str, Any]) -> tuple[str, float, tuple[str, ...]]:
    if api == "v1":
        matched = body["facematch_result"] == "True"
        return ("match" if matched else "no_match"), float(body["facematch_confidence"]), ()
    block = body["image_video_facematch"] or {}
    verdict = "match" if block.get("passed") else "no_match"
    return verdict, float(block.get("confidence", 0.0)), tuple(block.get("reasons", ()))


def _json(response: httpx.Response) -> dict[str, Any] | None:
    try:
        body = response.json()
    except ValueError:
        return None
    return body if isinstance(body, dict) else None


async def evaluate(send: Send, api: str, corpus: Sequence[Any]) -> list[Outcome]:
    """Every presentation, every broken file, every facematch pair of ``corpus``."""
    outcomes: list[Outcome] = []
    for fixture in corpus:
        files = {fixture.role: (fixture.filename, fixture.read_bytes())}
        response = await send(files)
        body = _json(response)
        kind = "broken" if fixture.label == "broken" else "presentation"
        label = fixture.label
        if label in BONA_FIDE_LABELS and fixture.role == "video" and fixture.blinks == 0:
            label = NO_BLINK
        if response.status_code == 200 and body is not None and kind == "presentation":
            verdict, confidence, reasons = _liveness(api, body)
            outcomes.append(
                Outcome(
                    fixture.name,
                    kind,
                    label,
                    fixture.expected_status,
                    200,
                    verdict,
                    confidence,
                    reasons,
                )
            )
        else:
            code = body.get("detail", {}).get("code") if body else None
            reasons = (code,) if isinstance(code, str) else ()
            outcomes.append(
                Outcome(
                    fixture.name,
                    kind,
                    label,
                    fixture.expected_status,
                    response.status_code,
                    reasons=reasons,
                )
            )
    for name, label, still, video in facematch_pairs(corpus):
        files = {
            "image": (still.filename, still.read_bytes()),
            "video": (video.filename, video.read_bytes()),
        }
        response = await send(files)
        body = _json(response)
        if response.status_code == 200 and body is not None:
            verdict, confidence, reasons = _facematch(api, body)
            outcomes.append(Outcome(name, "pair", label, 200, 200, verdict, confidence, reasons))
        else:
            outcomes.append(Outcome(name, "pair", label, 200, response.status_code))
    return outcomes


def facematch_pairs(corpus: Sequence[Any]) -> list[tuple[str, str, Any, Any]]:
    """(name, label, still, video): genuine stills with genuine and impostor videos."""
    stills = [f for f in corpus if f.role == "image" and f.label == BONA_FIDE and f.subject]
    videos = [f for f in corpus if f.role == "video" and f.label in (BONA_FIDE, IMPOSTOR)]
    pairs = []
    for still in stills:
        for video in videos:
            if not video.subject:
                continue
            genuine = video.label == BONA_FIDE and video.subject == still.subject
            impostor = video.subject != still.subject
            if genuine or impostor:
                label = "genuine_pair" if genuine else "impostor_pair"
                pairs.append((f"{still.name}+{video.name}", label, still, video))
    return pairs


# --- output -----------------------------------------------------------------------------


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


# --- the command ------------------------------------------------------------------------


def _corpus() -> list[Any]:
    import fixtures

    try:
        return list(fixtures.all_fixtures())
    except (AttributeError, OSError, ValueError, KeyError) as error:
        raise UsageError(f"the fixture corpus cannot be read: {error}") from None


async def _run(args: argparse.Namespace) -> tuple[list[Outcome], str]:
    corpus = _corpus()
    path = PATHS[args.api]
    if args.base_url:
        target = args.base_url.rstrip("/")
        token = args.token or _mock_token()
        client = httpx.AsyncClient(base_url=target, timeout=args.timeout)
    else:
        from mock_server import Settings, create_app, issue_token

        settings = Settings.from_env(playground=False)
        token = args.token or issue_token(settings)
        target = "the in-process mock"
        transport = httpx.ASGITransport(app=create_app(settings))
        client = httpx.AsyncClient(
            transport=transport, base_url="http://mock", timeout=args.timeout
        )
    headers = {"Authorization": f"Bearer {token}"}

    async def send(files: dict[str, tuple[str, bytes]]) -> httpx.Response:
        return await client.post(path, files=files, headers=headers)

    async with client:
        try:
            outcomes = await evaluate(send, args.api, corpus)
        except httpx.TransportError as error:
            raise UsageError(f"cannot reach {target}: {error or type(error).__name__}") from None
    return outcomes, target


def _mock_token() -> str:
    from mock_server import Settings, issue_token

    return issue_token(Settings.from_env())


def run(args: argparse.Namespace) -> int:
    import anyio

    if args.base_url and not args.base_url.startswith(("http://", "https://")):
        raise UsageError(f"--base-url must start with http:// or https://, got {args.base_url}")
    outcomes, target = anyio.run(_run, args)
    figures = figures_of(outcomes)
    sys.stdout.write(report(figures, outcomes, target, args.api))
    if args.json:
        document = as_json(figures, outcomes, target, args.api)
        args.json.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    return 0
