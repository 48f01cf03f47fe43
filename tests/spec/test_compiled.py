"""The compiled schema predicates answer exactly as jsonschema's validators do.

``spec.response_errors`` and ``spec.request_branches`` trust the compiled predicate when it
says yes, so a predicate that accepts what jsonschema rejects would hide a violation. Each
schema of the contract is compared with its jsonschema validator on the spec's examples and
on every single-edit mutation of them (a value replaced, a key dropped, a key added).
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import spec
from spec._compiled import TYPE_CHECKER, TYPES, compile_schema
from spec._validation import _conforms, _registry

DOCUMENT = spec.load_spec()
SCHEMAS = sorted(DOCUMENT["components"]["schemas"])
EXAMPLES = {name: item["value"] for name, item in DOCUMENT["components"]["examples"].items()}


def _enum_strings() -> list[str]:
    found: set[str] = set()

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            found.update(v for v in node.get("enum", []) if isinstance(v, str))
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(DOCUMENT["components"]["schemas"])
    return sorted(found)


# Replacement values: each JSON type, edge numbers, and every enum string of the contract
# (so that many mutations stay valid and the comparison sees both answers).
REPLACEMENTS: list[Any] = [
    None,
    True,
    False,
    0,
    1,
    -1,
    1.0,
    0.5,
    1.5,
    -0.5,
    2**40,
    "",
    "x",
    "1",
    [],
    ["x"],
    ["x", "x"],
    [1],
    {},
    {"a": 1},
    *_enum_strings(),
]


def _mutations(body: Any) -> Iterator[Any]:
    """``body`` itself, then every copy of it with one edit."""
    yield body
    paths: list[tuple[Any, ...]] = []

    def walk(node: Any, path: tuple[Any, ...]) -> None:
        paths.append(path)
        if isinstance(node, dict):
            for key, value in node.items():
                walk(value, (*path, key))
        elif isinstance(node, list):
            for index, value in enumerate(node):
                walk(value, (*path, index))

    walk(body, ())
    for path in paths:
        for value in REPLACEMENTS:
            yield _replaced(body, path, value)
        if path:
            edited = copy.deepcopy(body)
            del _at(edited, path[:-1])[path[-1]]
            yield edited
    for path in paths:
        if isinstance(_at(body, path), dict):
            edited = copy.deepcopy(body)
            _at(edited, path)["unexpected_field"] = 1
            yield edited


def _at(node: Any, path: tuple[Any, ...]) -> Any:
    for step in path:
        node = node[step]
    return node


def _replaced(body: Any, path: tuple[Any, ...], value: Any) -> Any:
    if not path:
        return copy.deepcopy(value)
    edited = copy.deepcopy(body)
    _at(edited, path[:-1])[path[-1]] = copy.deepcopy(value)
    return edited


def _seeds() -> list[tuple[str, str, Any]]:
    """(label, schema, instance): the spec's examples, each against the schema it shows, the
    v1 image of each v2 example, and request forms of each branch."""
    seeds = []
    for name, value in EXAMPLES.items():
        if name.startswith("V1"):
            seeds.append((name, "LivenessV1Response", value))
        elif name.startswith("V2"):
            seeds.append((name, "LivenessV2Response", value))
            seeds.append((f"{name} as v1", "LivenessV1Response", spec.v1_from_v2(value)))
        elif name == "ErrorInvalidTuning":
            seeds.append((name, "ValidationErrorBody", value))
        else:
            seeds.append((name, "ErrorBody", value))
    tuning = {"enhanced_detection": "False", "frame_sampling_rate": "3"}
    forms = {
        "ImageOnlyRequest": {"image": "", **tuning},
        "VideoOnlyRequest": {"video": "", "facematch_threshold": "0.5"},
        "ImageAndVideoRequest": {"image": "", "video": "", **tuning},
    }
    for branch, form in forms.items():
        seeds.append((f"form for {branch}", branch, form))
        seeds.append((f"form for {branch}", "LivenessMultipartRequest", form))
    return seeds


SEEDS = _seeds()


@pytest.mark.parametrize("name", SCHEMAS)
def test_every_schema_of_the_contract_is_compiled(name: str) -> None:
    validator = spec.schema_validator(name)
    assert compile_schema(validator.schema, _registry().resolver()) is not None


# The longest bodies take seconds each: the slow suite compares them.
SLOW_SEEDS = frozenset({"V2VideoOnly", "V2ImageVideoEnhanced", "V2ImageVideoLegacy"})
SEED_PARAMS = [
    pytest.param(
        *seed,
        id=f"{seed[0]} {seed[1]}",
        marks=[pytest.mark.slow] if seed[0] in SLOW_SEEDS else [],
    )
    for seed in SEEDS
]


@pytest.mark.parametrize(("label", "schema", "body"), SEED_PARAMS)
def test_the_predicate_answers_as_jsonschema_on_every_single_edit(
    label: str, schema: str, body: Any
) -> None:
    validator = spec.schema_validator(schema)
    answers = {True: 0, False: 0}
    for instance in _mutations(body):
        expected = validator.is_valid(instance)
        assert spec.schema_conforms(schema, instance) is expected, json.dumps(instance)
        answers[expected] += 1
    assert answers[True] and answers[False]  # the edits reach both answers


@pytest.mark.parametrize("schema", SCHEMAS)
@settings(max_examples=60, deadline=None)
@given(
    instance=st.recursive(
        st.none()
        | st.booleans()
        | st.integers()
        | st.floats(allow_nan=False)
        | st.text(max_size=4),
        lambda inner: (
            st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner, max_size=3)
        ),
        max_leaves=8,
    )
)
def test_the_predicate_answers_as_jsonschema_on_any_json(schema: str, instance: Any) -> None:
    assert spec.schema_conforms(schema, instance) is spec.schema_validator(schema).is_valid(
        instance
    )


@pytest.mark.parametrize("kind", sorted(TYPES))
def test_each_type_test_is_the_type_checkers_rule(kind: str) -> None:
    values = [None, True, False, 0, 1, -3, 1.0, 2.5, float("inf"), "", "1", [], {}, (), b""]
    for value in values:
        assert TYPES[kind](value) is TYPE_CHECKER.is_type(value, kind), (kind, value)


def test_a_failing_body_still_gets_jsonschemas_messages() -> None:
    body = copy.deepcopy(EXAMPLES["V1ImageOnly"])
    body["confidence"] = "high"
    del body["result"]
    errors = spec.response_errors("v1", 200, body)
    assert errors == [
        f"{'/'.join(map(str, e.absolute_path)) or '<root>'}: {e.message}"
        for e in spec.schema_validator("LivenessV1Response").iter_errors(body)
    ]
    assert len(errors) == 2


def test_each_status_and_api_has_its_own_predicate() -> None:
    """The predicates are cached by schema name: a v2 body is no v1 body, an error body no
    answer, a 422 body no 400 body, whichever was asked first."""
    v1, v2 = EXAMPLES["V1ImageOnly"], EXAMPLES["V2ImageOnly"]
    error, invalid = EXAMPLES["ErrorMissingMedia"], EXAMPLES["ErrorInvalidTuning"]
    assert spec.response_errors("v2", 200, v2) == []
    assert spec.response_errors("v1", 200, v2) != []
    assert spec.response_errors("v1", 200, v1) == []
    assert spec.response_errors("v2", 200, v1) != []
    assert spec.response_errors("v1", 400, error) == []
    assert spec.response_errors("v1", 200, error) != []
    assert spec.response_errors("v1", 422, error) != []
    assert spec.response_errors("v1", 422, invalid) == []
    names = {spec.response_schema_name(api, 200) for api in ("v1", "v2")}
    assert len({id(_conforms(name)) for name in names}) == 2


def test_a_schema_with_a_keyword_not_compiled_is_left_to_jsonschema() -> None:
    resolver = _registry().resolver()
    assert compile_schema({"type": "integer", "multipleOf": 3}, resolver) is None
    assert compile_schema({"$id": "urn:other", "type": "string"}, resolver) is None
    assert compile_schema({"$ref": "urn:nowhere#/x"}, resolver) is None
    assert compile_schema({"type": "decimal"}, resolver) is None
    assert compile_schema({"type": "integer", "title": "t", "x-minimum": 1}, resolver) is not None


def test_a_schema_that_refers_to_itself_compiles_to_a_loop() -> None:
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT202012

    tree = {
        "type": "object",
        "properties": {"children": {"type": "array", "items": {"$ref": "urn:tree"}}},
        "required": ["name"],
    }
    resource = Resource.from_contents(tree, default_specification=DRAFT202012)
    check = compile_schema(tree, Registry().with_resource("urn:tree", resource).resolver())
    assert check is not None
    assert check({"name": 1, "children": [{"name": 2, "children": []}]})
    assert not check({"name": 1, "children": [{"children": []}]})
