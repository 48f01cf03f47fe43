from __future__ import annotations

import base64

import pytest

import fixtures
import spec
from mock_server.analysis import Tuning
from mock_server.errors import BadRequest
from mock_server.inputs import decode_base64
from mock_server.media import decode_image
from mock_server.pipeline import analyze


def test_a_base64_still_is_analysed_as_its_bytes() -> None:
    data = fixtures.get("genuine_still").read_bytes()
    text = base64.b64encode(data)
    wrapped = b"\n".join(text[i : i + 76] for i in range(0, len(text), 76))
    assert decode_base64(wrapped) == data
    direct = analyze(image=decode_image(data), video=None, tuning=Tuning())
    decoded = analyze(image=decode_image(decode_base64(wrapped)), video=None, tuning=Tuning())
    assert decoded == direct


def test_a_data_url_is_not_base64() -> None:
    data = fixtures.get("genuine_still").read_bytes()
    with pytest.raises(BadRequest) as caught:
        decode_base64(b"data:image/jpeg;base64," + base64.b64encode(data))
    assert caught.value.code == "invalid_base64"


def test_tuning_defaults_and_ranges_are_the_contracts() -> None:
    default = Tuning()
    assert Tuning.from_values({}) == default
    assert str(default.frame_sampling_rate) == _contract_default("frame_sampling_rate")
    assert str(default.max_frames_to_analyze) == _contract_default("max_frames_to_analyze")
    assert str(default.facematch_frames) == _contract_default("facematch_frames")
    assert default.facematch_threshold == float(_contract_default("facematch_threshold"))
    assert str(default.enhanced_detection) == _contract_default("enhanced_detection")
    with pytest.raises(ValueError, match="frame_sampling_rate must be at least 1"):
        Tuning(frame_sampling_rate=0)
    with pytest.raises(ValueError, match="facematch_frames must be at most 99"):
        Tuning(facematch_frames=100)
    with pytest.raises(ValueError, match="facematch_threshold must be at most 1"):
        Tuning(facematch_threshold=1.5)


def _contract_default(name: str) -> str:
    default = spec.tuning_fields()[name].default
    assert default is not None
    return default
