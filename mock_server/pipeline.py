"""The deterministic reference pipeline: from decoded media to an :class:`Analysis`.

The still is examined on a thread of its own while the video's frames are scheduled
(:mod:`mock_server.frames`); then the blocks' verdicts (:mod:`mock_server.verdict`),
facematch (:mod:`mock_server.facematch`) and the whole.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict
from typing import Final

from mock_server.analysis import Analysis, Mode, Tuning
from mock_server.facematch import facematch_analysis
from mock_server.findings import Findings, examine
from mock_server.frames import run_legacy, run_sampled
from mock_server.media import Picture, Video
from mock_server.verdict import image_analysis, overall, video_analysis

# Sampled frames (and the still) are examined on this many threads, alongside decoding.
EXAMINE_THREADS: Final = 2


def analyze(*, image: Picture | None, video: Video | None, tuning: Tuning) -> Analysis:
    """Run the reference pipeline on decoded media (at least one of the two)."""
    if image is None and video is None:
        raise ValueError("analyze needs an image, a video or both")
    both = image is not None and video is not None
    enhanced = tuning.enhanced_detection or not both
    if video is None:
        assert image is not None
        still: Findings | None = examine(image, eyes=False, signature=False)
        run = None
    else:
        with ThreadPoolExecutor(EXAMINE_THREADS, thread_name_prefix="examine") as pool:
            pending = pool.submit(examine, image, eyes=False, signature=both) if image else None
            signatures = tuning.facematch_frames if both else 0
            if enhanced:
                run = run_sampled(video, tuning, signatures, pool)
            else:
                run = run_legacy(video, signatures, pool)
            still = pending.result() if pending is not None else None
    image_block = image_analysis(still) if still is not None else None
    video_block = facematch = None
    if run is not None:
        video_block = video_analysis(run, "sampled" if enhanced else "legacy")
        if still is not None:
            facematch = facematch_analysis(still, run, tuning)
    mode: Mode = "image_video" if both else ("image" if image is not None else "video")
    return Analysis(
        mode=mode,
        enhanced=enhanced,
        tuning=tuning,
        image=image_block,
        video=video_block,
        facematch=facematch,
        **asdict(overall(image_block, video_block, facematch)),
    )
