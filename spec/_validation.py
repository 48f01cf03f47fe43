from __future__ import annotations

import functools
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from spec._compiled import Check, compile_schema
from spec._document import PATHS, _parsed, resolve

SPEC_URI = "urn:liveness-kit:openapi"


@functools.cache
def _registry() -> Registry[Any]:
    resource = Resource.from_contents(_parsed(), default_specification=DRAFT202012)
    registry: Registry[Any] = Registry().with_resource(SPEC_URI, resource)
    return registry


@functools.cache
def schema_validator(name: str) -> Draft202012Validator:
    """A JSON Schema validator for ``components/schemas/<name>``."""
    if name not in _parsed()["components"]["schemas"]:
        raise KeyError(f"no schema named {name!r}")
    schema = {"$ref": f"{SPEC_URI}#/components/schemas/{name}"}
    return Draft202012Validator(
        schema, registry=_registry(), format_checker=Draft202012Validator.FORMAT_CHECKER
    )


@functools.cache
def _conforms(name: str) -> Check:
    """The compiled yes/no test of ``components/schemas/<name>``; jsonschema's own
    ``is_valid`` if the schema cannot be compiled."""
    validator = schema_validator(name)
    compiled = compile_schema(validator.schema, _registry().resolver())
    return compiled if compiled is not None else validator.is_valid


def schema_conforms(name: str, instance: Any) -> bool:
    """Whether ``instance`` matches ``components/schemas/<name>``: the answer of
    ``schema_validator(name).is_valid``, without walking the schema again for each instance."""
    return _conforms(name)(instance)


@functools.cache
def documented_statuses(api: str) -> frozenset[int]:
    """The status codes ``paths.<path of api>.post.responses`` documents, read from the spec."""
    if api not in PATHS:
        raise ValueError(f"expected api 'v1' or 'v2' but got api={api!r}")
    responses = _parsed()["paths"][PATHS[api]]["post"]["responses"]
    return frozenset(int(code) for code in responses)


@functools.cache
def error_statuses(api: str) -> frozenset[int]:
    """The documented statuses of ``api`` that answer an error (every one but the 2xx)."""
    return frozenset(code for code in documented_statuses(api) if not 200 <= code < 300)


@functools.cache
def response_schema_name(api: str, status: int) -> str:
    """The schema a response of ``api`` ("v1" or "v2") with ``status`` must match, as the
    operation's ``responses`` (or the component response it refers to) name it."""
    if status not in documented_statuses(api):
        raise ValueError(f"status {status} is not documented for {PATHS[api]}")
    response = resolve(_parsed()["paths"][PATHS[api]]["post"]["responses"][str(status)])
    ref: str = response["content"]["application/json"]["schema"]["$ref"]
    return ref.rsplit("/", 1)[-1]


def response_errors(api: str, status: int, body: Any) -> list[str]:
    """Every way ``body`` breaks the contract's schema, as one-line messages."""
    name = response_schema_name(api, status)
    if schema_conforms(name, body):
        return []
    return [_describe(error) for error in schema_validator(name).iter_errors(body)]


def request_branches(fields: dict[str, str]) -> list[str]:
    """The request branches (by schema name) that a form with these fields matches."""
    branches = []
    for ref in _parsed()["components"]["schemas"]["LivenessMultipartRequest"]["oneOf"]:
        name = ref["$ref"].rsplit("/", 1)[-1]
        if schema_conforms(name, fields):
            branches.append(name)
    return branches


def _describe(error: ValidationError) -> str:
    where = "/".join(str(part) for part in error.absolute_path) or "<root>"
    return f"{where}: {error.message}"
