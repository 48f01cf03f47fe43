"""The attack cues: APCER / BPCER per attack generator, held-back figures, and cost.

    .venv/bin/python -m bench.bench_cues [--rounds 15]

On the corpus, every still labelled bona fide, attack_print or attack_screen is
examined as the image-only path does (decode, face search, cues), every clip of those
labels is analysed video-only with the default tuning; the verdicts give APCER per
species and BPCER, per attack generator (the manifest's ``recipe``: kit-a or kit-b;
the bona fide media count for both). Then the same figures on held-back kit-b media
(:mod:`bench._held_back`: other seeds, parameters and subjects, never used to set the
cues' levels). Then the cost of :func:`mock_server.cues.attack_cues` on a 640x480 still
and on a 12 MP JPEG, against Pillow's full decode of the same file, in one run.
Writes the ``cues`` section of bench/REPORT.md.
"""

from __future__ import annotations

import argparse
import io
import statistics
import time
from collections.abc import Callable
from typing import Final

from PIL import Image

import fixtures
from bench._held_back import held_back, is_attack_verdict
from bench._report import machine, percentile, write_section
from mock_server.analysis import Tuning
from mock_server.cues import attack_cues, clip_box
from mock_server.findings import examine, locate
from mock_server.media import decode_image, open_video
from mock_server.pipeline import analyze

LABELS: Final = ("bona_fide", "attack_print", "attack_screen")
RECIPES: Final = ("kit-a", "kit-b")
LARGE: Final = (4032, 3024)
IMAGE_RATIO_TARGET: Final = 1.5


def _fake(fixture: fixtures.Fixture) -> bool:
    data = fixture.read_bytes()
    if fixture.role == "image":
        return is_attack_verdict(examine(decode_image(data), eyes=False, signature=False))
    analysis = analyze(image=None, video=open_video(data), tuning=Tuning())
    return analysis.result == "fake"


def _rate(errors: int, total: int) -> str:
    return f"{errors}/{total} ({errors / total:.0%})" if total else "n/a"


def corpus_rows() -> list[str]:
    items = [item for item in fixtures.all_fixtures() if item.label in LABELS]
    fake = {item.name: _fake(item) for item in items}
    rows = []
    # a clip without a blink is judged fake by design, not by the cues
    bona_fide = [item for item in items if item.label == "bona_fide" and item.blinks != 0]
    for recipe in RECIPES:
        cells = []
        for label in ("attack_print", "attack_screen"):
            chosen = [item for item in items if item.label == label and item.recipe == recipe]
            cells.append(_rate(sum(not fake[item.name] for item in chosen), len(chosen)))
        own = [item for item in bona_fide if (item.recipe or "kit-a") == recipe]
        cells.append(_rate(sum(fake[item.name] for item in own), len(own)))
        rows.append(f"| corpus, {recipe} | " + " | ".join(cells) + " |")
    return rows


def held_back_rows() -> tuple[list[str], list[str]]:
    outcomes = []
    for case in held_back():
        fake = is_attack_verdict(examine(decode_image(case.jpeg()), eyes=False, signature=False))
        outcomes.append((case, fake))
    cells = []
    for label in ("attack_print", "attack_screen"):
        chosen = [fake for case, fake in outcomes if case.label == label]
        cells.append(_rate(sum(not fake for fake in chosen), len(chosen)))
    live = [fake for case, fake in outcomes if case.label == "bona_fide"]
    cells.append(_rate(sum(live), len(live)))
    wrong = [
        f"{case.name} ({case.label}, judged {'fake' if fake else 'real'})"
        for case, fake in outcomes
        if fake == (case.label == "bona_fide")
    ]
    return [f"| held back, kit-b | {' | '.join(cells)} |"], wrong


def _timed(call: Callable[[], object]) -> float:
    start = time.perf_counter()
    call()
    return (time.perf_counter() - start) * 1000


def cost_rows(rounds: int) -> list[str]:
    small = fixtures.get("genuine_still").read_bytes()
    with Image.open(io.BytesIO(small)) as image:
        big = image.convert("RGB").resize(LARGE, Image.Resampling.BICUBIC)
    buffer = io.BytesIO()
    big.save(buffer, format="JPEG", quality=90)
    large = buffer.getvalue()
    rows = []
    for name, data in (("640x480", small), (f"{LARGE[0]}x{LARGE[1]}", large)):
        picture = decode_image(data)
        face = clip_box(locate(picture.gray)[0], picture.width, picture.height)

        def cues(picture=picture, face=face) -> object:  # type: ignore[no-untyped-def]
            return attack_cues(picture.bgr, picture.gray, face, is_grayscale=False)

        def pillow(data: bytes = data) -> object:
            with Image.open(io.BytesIO(data)) as image:
                image.load()
            return image

        def image_only(data: bytes = data) -> object:
            return examine(decode_image(data), eyes=False, signature=False)

        cues()
        pillow()
        image_only()
        cue_times, decode_times, path_times = [], [], []
        for _ in range(rounds):
            decode_times.append(_timed(pillow))
            cue_times.append(_timed(cues))
            path_times.append(_timed(image_only))
        ratio = statistics.median(c / d for c, d in zip(cue_times, decode_times, strict=True))
        path = statistics.median(c / d for c, d in zip(path_times, decode_times, strict=True))
        held = f"1/{picture.reduction}" if picture.reduction > 1 else "full size"
        rows.append(
            f"| {name} | {held} | {picture.own_pixels(face)[2]} px | "
            f"{percentile(cue_times, 50):.2f} | "
            f"{percentile(decode_times, 50):.1f} | {ratio:.3f}x | {path:.2f}x |"
        )
    return rows


def report(rounds: int) -> str:
    wrong_rows, wrong = held_back_rows()
    lines = [
        "## Attack cues per generator (`python -m bench.bench_cues`)",
        "",
        f"`.venv/bin/python -m bench.bench_cues --rounds {rounds}`; {machine()}; taken while "
        "the machine was shared (timings noisy, ratios from one run).",
        "",
        "Stills: image-only verdict (face search and cues); clips: video-only, default "
        "tuning. APCER: attacks judged real; BPCER: bona fide judged fake (the bona fide "
        "media of each generator: kit-a's of person A, kit-b's of both people under other "
        "light, blur, noise and JPEG quality).",
        "",
        "| set | APCER print | APCER screen | BPCER |",
        "|---|---:|---:|---:|",
        *corpus_rows(),
        *wrong_rows,
        "",
        "Held back: kit-b recipes with other seeds, parameters and subjects, rendered by "
        "`bench/_held_back.py` and never used to set the cues' levels. Wrong there: "
        + (", ".join(wrong) if wrong else "none")
        + ".",
        "",
        "Cost of `attack_cues` on the face box against Pillow's full decode of the file "
        "(the image-only target is the whole path, decode + face search + cues, at most "
        f"{IMAGE_RATIO_TARGET:g}x the decode; ratios are medians of per-round ratios; the "
        "face search is outside this module). A large JPEG still is decoded reduced by its "
        'DCT, and its cues are measured on that copy ("decoded at"); the face\'s width is '
        "in the picture's own pixels:",
        "",
        "| still | decoded at | face | cues p50 ms | Pillow decode p50 ms | cues / decode | "
        "image-only path / decode |",
        "|---|---|---:|---:|---:|---:|---:|",
        *cost_rows(rounds),
    ]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=15)
    args = parser.parse_args()
    markdown = report(args.rounds)
    print(markdown)
    print(f"written to {write_section('cues', markdown)}")


if __name__ == "__main__":
    main()
