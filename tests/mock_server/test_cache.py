"""The answer cache: bounded LRU, switched off by 0, and a cached answer byte-identical
to a fresh one computed in another process."""

from __future__ import annotations

import asyncio
import hashlib
import json
import subprocess
import sys
import textwrap
from pathlib import Path

import httpx

import fixtures
from mock_server import Settings, create_app, issue_token
from mock_server.analysis import Tuning
from mock_server.cache import AnswerCache, cache_key
from tests.mock_server.helpers import SECRET

ROOT = Path(__file__).resolve().parents[2]
STILL, CLIP = fixtures.get("genuine_still"), fixtures.get("genuine_video")
# (path, files, fields): the same media sent in several ways, and two tunings
REQUESTS = [
    ("/liveness", ["image"], {}),
    ("/v2/liveness", ["image"], {"unique_id": "a"}),
    ("/v2/liveness", ["image", "video"], {}),
    ("/liveness", ["image", "video"], {"enhanced_detection": "False"}),
    ("/v2/liveness", ["video"], {"frame_sampling_rate": "5"}),
    ("/v2/liveness", ["image", "video"], {"unique_id": "mock:no_blink"}),
]

ANSWERS = textwrap.dedent(
    """
    import asyncio, hashlib, json, sys
    import httpx
    import fixtures
    from mock_server import Settings, create_app, issue_token

    entries, secret, requests = int(sys.argv[1]), sys.argv[2], json.loads(sys.argv[3])
    settings = Settings(secret=secret, playground=False, answer_cache_entries=entries)
    app = create_app(settings)
    media = {
        "image": ("s.jpg", fixtures.get("genuine_still").read_bytes(), "image/jpeg"),
        "video": ("v.mp4", fixtures.get("genuine_video").read_bytes(), "video/mp4"),
    }

    async def run():
        headers = {"Authorization": "Bearer " + issue_token(settings)}
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://mock") as client:
            out = []
            for _ in range(2):
                for path, files, fields in requests:
                    response = await client.post(
                        path, headers=headers, data=fields, files={f: media[f] for f in files}
                    )
                    out.append([response.status_code, hashlib.sha256(response.content).hexdigest()])
            return out

    print(json.dumps({"answers": asyncio.run(run()), "cache": app.state.mock.cache.stats()}))
    """
)


def _answers(entries: int) -> dict[str, object]:
    done = subprocess.run(
        [sys.executable, "-c", ANSWERS, str(entries), SECRET, json.dumps(REQUESTS)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        timeout=600,
    )
    result: dict[str, object] = json.loads(done.stdout)
    return result


def test_cached_answers_are_identical_to_fresh_ones_in_another_process() -> None:
    settings = Settings(secret=SECRET, playground=False, answer_cache_entries=16)
    app = create_app(settings)
    media = {
        "image": ("s.jpg", STILL.read_bytes(), "image/jpeg"),
        "video": ("v.mp4", CLIP.read_bytes(), "video/mp4"),
    }

    async def run() -> list[list[object]]:
        headers = {"Authorization": f"Bearer {issue_token(settings)}"}
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://mock") as client:
            out: list[list[object]] = []
            for path, files, fields in REQUESTS:
                response = await client.post(
                    path, headers=headers, data=fields, files={f: media[f] for f in files}
                )
                out.append([response.status_code, hashlib.sha256(response.content).hexdigest()])
            return out

    asyncio.run(run())  # fill the cache
    before = app.state.mock.cache.stats()
    cached = asyncio.run(run())
    after = app.state.mock.cache.stats()
    assert after["hits"] - before["hits"] == len(REQUESTS)  # every answer came from the cache

    fresh = _answers(0)  # another process, no cache at all
    assert fresh["cache"] == {"entries": 0, "size": 0, "hits": 0, "misses": 0}  # never asked
    assert fresh["answers"] == cached + cached
    assert {status for status, _ in cached} == {200}


def _analysis() -> object:
    from mock_server.analysis import Analysis

    return Analysis(
        mode="image",
        enhanced=True,
        tuning=Tuning(),
        image=None,
        video=None,
        facematch=None,
        result="real",
        confidence=1.0,
        overall_passed=True,
        overall_confidence=1.0,
        reasons=(),
    )


def test_the_cache_is_a_bounded_lru() -> None:
    cache = AnswerCache(2)
    keys = [cache_key(bytes([n]), None, Tuning()) for n in range(3)]
    analysis = _analysis()
    cache.put(keys[0], analysis)  # type: ignore[arg-type]
    cache.put(keys[1], analysis)  # type: ignore[arg-type]
    assert cache.get(keys[0]) is analysis  # 0 is now the most recent
    cache.put(keys[2], analysis)  # type: ignore[arg-type]
    assert len(cache) == 2
    assert cache.get(keys[1]) is None  # the least recently used went
    assert cache.get(keys[0]) is analysis


def test_the_key_is_the_media_and_the_effective_tuning() -> None:
    still = b"still"
    assert cache_key(still, None, Tuning()) == cache_key(still, None, Tuning())
    assert cache_key(still, None, Tuning()) != cache_key(still, b"", Tuning())
    assert cache_key(still, None, Tuning()) != cache_key(still, None, Tuning(frame_sampling_rate=3))
    # the tuning as the analysis runs with it: the default given explicitly is the same key
    explicit = Tuning.from_values({"frame_sampling_rate": str(Tuning().frame_sampling_rate)})
    assert cache_key(still, None, explicit) == cache_key(still, None, Tuning())


def test_zero_entries_switch_the_cache_off() -> None:
    cache = AnswerCache(0)
    key = cache_key(b"x", None, Tuning())
    cache.put(key, _analysis())  # type: ignore[arg-type]
    assert not cache.enabled and cache.get(key) is None and len(cache) == 0
    assert Settings.from_env({"LIVENESS_KIT_ANSWER_CACHE_ENTRIES": "0"}).answer_cache_entries == 0
