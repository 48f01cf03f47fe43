from __future__ import annotations

from typing import Any

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st
from openapi_spec_validator import validate

import spec
from spec.semantics import SEMANTICS_PATH, render
from tests.strategies import MEDIA_PRESENCE, extra_field_names, tuning_values

EXAMPLES = spec.load_spec()["components"]["examples"]


def test_canonical_document_is_valid_openapi_31() -> None:
    document = yaml.safe_load(spec.spec_text())
    assert document["openapi"].startswith("3.1")
    validate(document)


@pytest.mark.parametrize("view_name", sorted(spec.VIEWS))
def test_every_view_is_valid_openapi(view_name: str) -> None:
    validate(spec.view(view_name))


def _example_schemas() -> list[tuple[str, str]]:
    """(example name, schema) for every example referenced by a response."""
    document = spec.load_spec()
    pairs = []
    responses: list[dict[str, Any]] = list(document["components"]["responses"].values())
    for operation in document["paths"].values():
        responses += [r for r in operation["post"]["responses"].values() if "content" in r]
    for response in responses:
        media = response["content"]["application/json"]
        schema = media["schema"]["$ref"].rsplit("/", 1)[-1]
        for example in media.get("examples", {}).values():
            pairs.append((example["$ref"].rsplit("/", 1)[-1], schema))
    return sorted(set(pairs))


@pytest.mark.parametrize(("example", "schema"), _example_schemas(), ids=lambda v: str(v))
def test_every_example_validates_against_its_schema(example: str, schema: str) -> None:
    errors = list(spec.schema_validator(schema).iter_errors(EXAMPLES[example]["value"]))
    assert errors == []


def test_every_example_is_used_and_every_mode_and_error_has_one() -> None:
    used = {name for name, _ in _example_schemas()}
    assert used == set(EXAMPLES)
    for version in ("V1", "V2"):
        for mode in ("ImageOnly", "VideoOnly", "ImageVideoEnhanced", "ImageVideoLegacy"):
            assert f"{version}{mode}" in EXAMPLES
    statuses = {
        str(status)
        for operation in spec.load_spec()["paths"].values()
        for status in operation["post"]["responses"]
    }
    assert statuses == {"200", "400", "401", "413", "422"}


@pytest.mark.parametrize("example", [n for n in EXAMPLES if n.startswith("V2")])
def test_v2_examples_map_to_valid_v1_bodies(example: str) -> None:
    assert spec.response_errors("v1", 200, spec.v1_from_v2(EXAMPLES[example]["value"])) == []


def test_v1_mapping_covers_every_v1_field() -> None:
    required = spec.component("LivenessV1Response")["required"]
    assert sorted(spec.v1_from_v2_mapping()) == sorted(required)
    assert len(required) == 18
    v2 = EXAMPLES["V2ImageVideoEnhanced"]["value"]
    assert sorted(spec.v1_from_v2(v2)) == sorted(required)


def test_semantics_document_is_current() -> None:
    assert SEMANTICS_PATH.read_text(encoding="utf-8") == render(), (
        "spec/SEMANTICS.md is stale: run python -m spec.semantics"
    )


def test_semantics_lists_every_invariant() -> None:
    text = SEMANTICS_PATH.read_text(encoding="utf-8")
    ids = [invariant["id"] for invariant in spec.invariants()]
    assert len(ids) == len(set(ids))
    for invariant_id in ids:
        assert f"**{invariant_id}**" in text


EXPECTED_BRANCH = {
    frozenset({"image"}): "ImageOnlyRequest",
    frozenset({"video"}): "VideoOnlyRequest",
    frozenset({"image", "video"}): "ImageAndVideoRequest",
}


@given(media=MEDIA_PRESENCE, tuning=tuning_values)
def test_branches_are_mutually_exclusive_and_cover_every_media_combination(
    media: dict[str, str], tuning: dict[str, str]
) -> None:
    branches = spec.request_branches({**media, **tuning})
    expected = EXPECTED_BRANCH.get(frozenset(media))
    assert branches == ([expected] if expected else [])


@given(media=MEDIA_PRESENCE, extra=extra_field_names)
def test_no_branch_accepts_an_unknown_field(media: dict[str, str], extra: str) -> None:
    assert spec.request_branches({**media, extra: "1"}) == []


@given(name=st.sampled_from(["frame_sampling_rate", "max_frames_to_analyze", "facematch_frames"]))
def test_integer_fields_reject_zero_negative_and_non_numeric(name: str) -> None:
    field = spec.tuning_fields()[name]
    for bad in ("0", "-1", "abc", "1.5", "", " 3", "01"):
        assert field.problem(bad) is not None, bad
    assert field.problem("1") is None
    assert field.problem(str(int(field.maximum or 0))) is None
    assert field.problem(str(int(field.maximum or 0) + 1)) is not None


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        ("0", True),
        ("1", True),
        ("0.6", True),
        ("1.0", True),
        (".5", True),
        ("0.1234", True),
        ("1.5", False),
        ("-0.1", False),
        ("0.12345", False),
        ("abc", False),
        ("", False),
        ("2", False),
        ("1.01", False),
    ],
    ids=lambda v: repr(v),
)
def test_threshold_accepts_exactly_zero_to_one(value: str, ok: bool) -> None:
    assert (spec.tuning_fields()["facematch_threshold"].problem(value) is None) is ok


def test_defaults_are_the_seeds() -> None:
    defaults = {name: field.default for name, field in spec.tuning_fields().items()}
    assert defaults == {
        "enhanced_detection": "True",
        "frame_sampling_rate": "15",
        "max_frames_to_analyze": "20",
        "facematch_frames": "3",
        "facematch_threshold": "0.6",
        "image_type": "file",
        "unique_id": None,
    }


def test_unknown_image_type_and_overlong_unique_id_are_problems() -> None:
    fields = spec.tuning_fields()
    assert fields["image_type"].problem("url") is not None
    assert fields["image_type"].problem("base64") is None
    assert fields["unique_id"].problem("x" * 129) is not None
    assert fields["unique_id"].problem("req-42") is None


def test_response_errors_name_the_location() -> None:
    body = dict(EXAMPLES["V1ImageOnly"]["value"], facematch_result=True)
    errors = spec.response_errors("v1", 200, body)
    assert errors and errors[0].startswith("facematch_result:")
    with pytest.raises(ValueError, match="not documented"):
        spec.response_schema_name("v1", 500)
