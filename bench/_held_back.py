"""Held-back kit-b media, rendered only by bench_cues and its test: other seeds,
parameters and subjects than the corpus' kit-b stills, never used to set the cues' levels.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from mock_server.findings import Findings


def is_attack_verdict(findings: Findings) -> bool:
    """The still's verdict is "fake" because a cue fired (one face was found)."""
    return findings.face_count == 1 and not findings.is_real


@dataclass(frozen=True)
class HeldBack:
    name: str
    label: str
    subject: str
    recipe: object
    quality: int

    def jpeg(self) -> bytes:
        from fixtures import _attacks_b, _codecs

        still = _attacks_b.Still(self.name, self.label, self.subject, self.recipe, 85, "")  # type: ignore[arg-type]
        return _codecs.encode_jpeg(still.render(_studio()), quality=self.quality)


@cache
def _studio() -> object:
    from fixtures._media import Studio

    return Studio()


@cache
def held_back() -> tuple[HeldBack, ...]:
    from fixtures._attacks_b import Camera, Paper, Screen

    return (
        HeldBack(
            "v_screen_2.1_a", "attack_screen", "person_a", Screen(pitch=2.1, degrees=2, seed=21), 82
        ),
        HeldBack(
            "v_screen_1.1_b",
            "attack_screen",
            "person_b",
            Screen(pitch=1.1, degrees=-5, layout="bgr_stripe", seed=22),
            88,
        ),
        HeldBack(
            "v_screen_pentile_b",
            "attack_screen",
            "person_b",
            Screen(pitch=2.4, degrees=9, layout="pentile", seed=23),
            80,
        ),
        HeldBack(
            "v_screen_band_a",
            "attack_screen",
            "person_a",
            Screen(pitch=3.0, layout="horizontal", banding=0.18, band_period=23, seed=24),
            85,
        ),
        HeldBack(
            "v_screen_glare_b",
            "attack_screen",
            "person_b",
            Screen(pitch=1.5, degrees=15, glare=0.25, bezel=30, seed=25),
            78,
        ),
        HeldBack(
            "v_screen_defocus_a",
            "attack_screen",
            "person_a",
            Screen(pitch=2.8, degrees=-20, blur=1.0, seed=26),
            70,
        ),
        HeldBack(
            "v_print_ht35_a",
            "attack_print",
            "person_a",
            Paper(halftone_cell=3.5, screen_degrees=30, seed=27),
            85,
        ),
        HeldBack(
            "v_print_ht25_b",
            "attack_print",
            "person_b",
            Paper(halftone_cell=2.5, gloss=0.2, seed=28),
            90,
        ),
        HeldBack(
            "v_print_lowres_a",
            "attack_print",
            "person_a",
            Paper(source_scale=0.4, saturation=0.75, seed=29),
            88,
        ),
        HeldBack(
            "v_print_sharp_b",
            "attack_print",
            "person_b",
            Paper(source_scale=0.8, saturation=0.9, blur=0.4, black=30, seed=30),
            90,
        ),
        HeldBack("v_live_a", "bona_fide", "person_a", Camera(), 85),
        HeldBack("v_live_dim_a", "bona_fide", "person_a", Camera(gain=0.5, noise=5, seed=31), 80),
        HeldBack(
            "v_live_cool_b", "bona_fide", "person_b", Camera(gain=1.05, cast=(0.85, 1.0, 1.2)), 88
        ),
        HeldBack("v_live_blur_a", "bona_fide", "person_a", Camera(blur=1.2, noise=3, seed=32), 75),
        HeldBack("v_live_haze_a", "bona_fide", "person_a", Camera(gain=0.8, lift=40), 88),
        HeldBack("v_live_q40_b", "bona_fide", "person_b", Camera(noise=4, seed=33), 40),
    )
