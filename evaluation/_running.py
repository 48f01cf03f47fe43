"""Running the corpus: every presentation, every broken file, every facematch pair."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import httpx

from evaluation._http import Send
from evaluation._outcomes import (
    ATTACK_SPECIES,
    BONA_FIDE,
    BONA_FIDE_LABELS,
    IMPOSTOR,
    NO_BLINK,
    Outcome,
)


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
        label = presentation_label(fixture)
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


def presentation_label(fixture: Any) -> str:
    """The fixture's label as the figures read it: a live clip without a blink is apart."""
    label: str = fixture.label
    if label in BONA_FIDE_LABELS and fixture.role == "video" and fixture.blinks == 0:
        return NO_BLINK
    return label


def counted_as_presentation(fixture: Any) -> bool:
    """Whether the corpus figures count ``fixture`` in an APCER or in the BPCER."""
    label = presentation_label(fixture)
    return label in ATTACK_SPECIES or label in BONA_FIDE_LABELS


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
