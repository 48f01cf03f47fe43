"""GET /__mock/scenarios, and every scenario in it applied by header and by magic value."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from mock_server import SCENARIOS, faults
from mock_server.catalogue import catalogue
from mock_server.scenarios import DESCRIPTIONS, magic_scenario
from tests.mock_server.conftest import Client
from tests.mock_server.helpers import form, jpeg, mp4, v2_problems

MODES = {
    "image": {"image": jpeg()},
    "video": {"video": mp4()},
    "image_video": {"image": jpeg(), "video": mp4()},
}


def send(
    client: Client, auth: dict[str, str], mode: str, fields: dict[str, str], **headers: str
) -> httpx.Response:
    body, content_type = form(**MODES[mode], fields=fields)
    return client.post(
        "/v2/liveness", content=body, headers={**auth, "Content-Type": content_type, **headers}
    )


def test_the_catalogue_lists_every_scenario_example_and_fault(
    client: Client, auth: dict[str, str]
) -> None:
    response = client.get("/__mock/scenarios", headers=auth)
    assert response.status_code == 200
    listed = response.json()
    assert [item["name"] for item in listed["scenarios"]] == list(SCENARIOS)
    assert set(DESCRIPTIONS) == set(SCENARIOS)
    assert [item["name"] for item in listed["faults"]] == list(faults.KINDS)
    examples = {(item["api"], item["status"], item["name"]) for item in listed["examples"]}
    assert ("v1", 200, "image_only") in examples
    assert ("v2", 401, next(iter(_examples_of(401)))) in examples
    for item in [*listed["scenarios"], *listed["examples"], *listed["faults"]]:
        assert item["description"], item
        assert item["select"]["header"], item


def _examples_of(status: int) -> list[str]:
    return [
        item["name"]
        for item in catalogue()["examples"]
        if item["status"] == status and item["api"] == "v2"
    ]


SCENARIO_CASES = [
    pytest.param(item["name"], mode, id=f"{item['name']}-{mode}")
    for item in catalogue()["scenarios"]
    for mode in item["modes"]
]


@pytest.mark.parametrize(("scenario", "mode"), SCENARIO_CASES)
def test_every_scenario_applies_by_header_and_by_magic_value(
    client: Client, auth: dict[str, str], scenario: str, mode: str
) -> None:
    by_header = send(client, auth, mode, {"unique_id": "u-7"}, **{"X-Mock-Scenario": scenario})
    by_magic = send(client, auth, mode, {"unique_id": f"mock:{scenario}:u-7"})
    assert by_header.headers["x-mock-scenario-applied"] == scenario
    assert by_magic.headers["x-mock-scenario-applied"] == scenario
    header_body, magic_body = by_header.json(), by_magic.json()
    assert magic_body["overall"]["unique_id"] == f"mock:{scenario}:u-7"  # echoed unchanged
    assert v2_problems(magic_body, set(MODES[mode]), {"unique_id": f"mock:{scenario}:u-7"}) == []
    assert _without_id(magic_body) == _without_id(header_body)
    assert magic_body["overall"]["passed"] is (scenario == "pass")


def _without_id(body: dict[str, Any]) -> dict[str, Any]:
    return {**body, "overall": {**body["overall"], "unique_id": None}}


def test_the_header_wins_over_the_magic_value(client: Client, auth: dict[str, str]) -> None:
    response = send(
        client, auth, "image", {"unique_id": "mock:spoof_print"}, **{"X-Mock-Scenario": "pass"}
    )
    assert response.headers["x-mock-scenario-applied"] == "pass"
    assert response.json()["overall"]["passed"] is True


@pytest.mark.parametrize(
    ("unique_id", "expected"),
    [
        pytest.param("mock:no_blink", "no_blink", id="bare"),
        pytest.param("mock:no_blink:anything:else", "no_blink", id="with-suffix"),
        pytest.param("mock:", "", id="empty-name"),
        pytest.param("order-mock:no_blink", None, id="not-a-prefix"),
        pytest.param(None, None, id="absent"),
    ],
)
def test_magic_values_are_read_from_the_start_only(
    unique_id: str | None, expected: str | None
) -> None:
    assert magic_scenario(unique_id) == expected


def test_an_unknown_magic_scenario_is_reported_and_ignored(
    client: Client, auth: dict[str, str]
) -> None:
    response = send(client, auth, "image", {"unique_id": "mock:meteor"})
    plain = send(client, auth, "image", {"unique_id": "mock:meteor"}, **{"X-Mock-Scenario": "x"})
    assert response.status_code == 200
    assert response.headers["x-mock-scenario-applied"] == "unknown"
    assert response.content == plain.content


@pytest.mark.parametrize(
    "example", catalogue()["examples"], ids=lambda e: f"{e['api']}-{e['status']}-{e['name']}"
)
def test_every_catalogued_example_is_selected_as_it_says(
    client: Client, auth: dict[str, str], example: dict[str, Any]
) -> None:
    name, _, value = example["select"]["header"].partition(": ")
    path = example["path"]
    body, content_type = form(image=jpeg())
    response = client.post(
        path, content=body, headers={**auth, "Content-Type": content_type, name: value}
    )
    assert response.status_code == example["status"]
    assert response.headers["x-mock-scenario-applied"] == f"example={example['name']}"
