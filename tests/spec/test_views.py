from __future__ import annotations

import json

import pytest
import yaml

import spec
from liveness_kit.cli import main


def _request_schema(document: dict) -> dict:  # type: ignore[type-arg]
    body = document["components"]["requestBodies"]["LivenessRequest"]
    return body["content"]["multipart/form-data"]["schema"]  # type: ignore[no-any-return]


def test_schemathesis_view_declares_parts_at_top_level_without_format_binary() -> None:
    schema = _request_schema(spec.view("schemathesis"))
    for field in spec.MEDIA_FIELDS:
        assert schema["properties"][field]["contentMediaType"] == "application/octet-stream"
        assert "format" not in json.dumps(schema["properties"][field])
    encoding = spec.view("schemathesis")["components"]["requestBodies"]["LivenessRequest"][
        "content"
    ]["multipart/form-data"]["encoding"]
    assert encoding["image"]["contentType"] == "image/jpeg"
    assert encoding["video"]["contentType"] == "video/mp4"
    assert set(schema["properties"]) == {*spec.MEDIA_FIELDS, *spec.TUNING_FIELDS}
    assert len(schema["oneOf"]) == 3


def test_flat_view_has_no_oneof_and_binary_parts() -> None:
    schema = _request_schema(spec.view("flat"))
    assert "oneOf" not in schema
    assert schema["properties"]["image"]["format"] == "binary"


def test_views_leave_the_canonical_document_alone() -> None:
    spec.view("flat")
    assert _request_schema(spec.load_spec()) == {
        "$ref": "#/components/schemas/LivenessMultipartRequest"
    }


@pytest.mark.parametrize("view_name", sorted(spec.VIEWS))
@pytest.mark.parametrize("output_format", ["yaml", "json"])
def test_spec_command_prints_each_view(
    view_name: str, output_format: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["spec", "--view", view_name, "--format", output_format]) == 0
    out = capsys.readouterr().out
    document = json.loads(out) if output_format == "json" else yaml.safe_load(out)
    assert document == spec.view(view_name)


def test_spec_command_rejects_unknown_view(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["spec", "--view", "nope"])
    assert exit_info.value.code == 2
    assert "invalid choice: 'nope'" in capsys.readouterr().err
