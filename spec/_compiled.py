"""A fast yes/no answer to "does this instance match the schema?", for the contract's schemas.

jsonschema walks a schema anew for every instance and looks every ``$ref`` up in its
registry on the way, which is most of its time on the contract's small bodies.
``compile_schema`` walks the schema once: each (sub)schema becomes a predicate, each
``$ref`` is looked up once, with the resolver jsonschema itself would use. Each keyword is
decided exactly as ``Draft202012Validator`` decides it (its type checker, its format
checker, its equality); a schema holding an assertion keyword not compiled here, or an
``$id``/``$schema`` that would move the base URI or the dialect, is not compiled at all
(None) and its callers ask jsonschema. The predicate only ever answers yes or no: the
messages of a no still come from jsonschema.
"""

from __future__ import annotations

import numbers
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import referencing.exceptions
from jsonschema import Draft202012Validator
from jsonschema._utils import equal, uniq
from referencing._core import Resolver

Check = Callable[[Any], bool]
TYPE_CHECKER = Draft202012Validator.TYPE_CHECKER
FORMAT_CHECKER = Draft202012Validator.FORMAT_CHECKER
ASSERTIONS = frozenset(Draft202012Validator.VALIDATORS)
# Keywords that change how the rest of the schema is read: not compiled.
SCOPE_KEYWORDS = frozenset({"$id", "$schema", "$dynamicAnchor", "$recursiveAnchor"})


class Unsupported(Exception):
    """The schema uses a keyword the compiler does not state exactly."""


def _always(instance: Any) -> bool:
    return True


def _never(instance: Any) -> bool:
    return False


def _is_number(instance: Any) -> bool:
    return isinstance(instance, numbers.Number) and not isinstance(instance, bool)


def _is_integer(instance: Any) -> bool:
    if isinstance(instance, bool):
        return False
    return isinstance(instance, int) or (isinstance(instance, float) and instance.is_integer())


# The Draft 2020-12 type checker's rules, stated directly (tests/spec checks that each
# answers as TYPE_CHECKER.is_type does).
TYPES: dict[str, Check] = {
    "object": lambda x: isinstance(x, dict),
    "array": lambda x: isinstance(x, list),
    "string": lambda x: isinstance(x, str),
    "boolean": lambda x: isinstance(x, bool),
    "null": lambda x: x is None,
    "number": _is_number,
    "integer": _is_integer,
}


def _all(checks: Sequence[Check]) -> Check:
    if not checks:
        return _always
    if len(checks) == 1:
        return checks[0]
    items = tuple(checks)

    def check(instance: Any) -> bool:
        for item in items:  # noqa: SIM110 (a plain loop: all() over a generator is slower)
            if not item(instance):
                return False
        return True

    return check


class _Compiler:
    def __init__(self) -> None:
        # Each $ref target once, by identity of its contents (kept alive here), so a
        # schema that refers to itself compiles to a loop, not a recursion.
        self._targets: dict[int, tuple[Any, list[Check]]] = {}

    def schema(self, schema: Any, resolver: Resolver[Any]) -> Check:
        if schema is True:
            return _always
        if schema is False:
            return _never
        if not isinstance(schema, Mapping):
            raise Unsupported(f"a schema that is a {type(schema).__name__}")
        if SCOPE_KEYWORDS & schema.keys():
            raise Unsupported(", ".join(sorted(SCOPE_KEYWORDS & schema.keys())))
        checks = []
        for keyword, value in schema.items():
            if keyword not in ASSERTIONS:
                continue  # an annotation (title, description, default, x-...): no assertion
            build = _KEYWORDS.get(keyword)
            if build is None:
                raise Unsupported(keyword)
            checks.append(build(self, value, schema, resolver))
        return _all(checks)

    def ref(self, ref: str, resolver: Resolver[Any]) -> Check:
        resolved = resolver.lookup(ref)
        key = id(resolved.contents)
        if key not in self._targets:
            cell: list[Check] = []
            self._targets[key] = (resolved.contents, cell)
            cell.append(self.schema(resolved.contents, resolved.resolver))
        cell = self._targets[key][1]
        if cell:
            return cell[0]
        return lambda instance: cell[0](instance)  # still compiling: a reference to itself


Builder = Callable[[_Compiler, Any, Mapping[str, Any], Resolver[Any]], Check]


def _type(c: _Compiler, value: Any, schema: Mapping[str, Any], r: Resolver[Any]) -> Check:
    names = [value] if isinstance(value, str) else list(value)
    if not set(names) <= TYPES.keys():
        raise Unsupported(f"type {value!r}")  # jsonschema raises UnknownType its own way
    tests = [TYPES[name] for name in names]
    return tests[0] if len(tests) == 1 else lambda x: any(test(x) for test in tests)


def _enum(c: _Compiler, value: Any, schema: Mapping[str, Any], r: Resolver[Any]) -> Check:
    if all(isinstance(each, str) for each in value):
        allowed = frozenset(value)  # equal() compares strings with ==
        return lambda x: isinstance(x, str) and x in allowed
    return lambda x: any(equal(each, x) for each in value)


def _const(c: _Compiler, value: Any, schema: Mapping[str, Any], r: Resolver[Any]) -> Check:
    return lambda x: equal(x, value)


def _bound(test: Callable[[Any, Any], bool]) -> Builder:
    def build(c: _Compiler, value: Any, schema: Mapping[str, Any], r: Resolver[Any]) -> Check:
        return lambda x: not _is_number(x) or test(x, value)

    return build


def _sized(kind: str, test: Callable[[int, Any], bool]) -> Builder:
    is_kind = TYPES[kind]

    def build(c: _Compiler, value: Any, schema: Mapping[str, Any], r: Resolver[Any]) -> Check:
        return lambda x: not is_kind(x) or test(len(x), value)

    return build


def _pattern(c: _Compiler, value: Any, schema: Mapping[str, Any], r: Resolver[Any]) -> Check:
    search = re.compile(value).search
    return lambda x: not isinstance(x, str) or search(x) is not None


def _format(c: _Compiler, value: Any, schema: Mapping[str, Any], r: Resolver[Any]) -> Check:
    return lambda x: FORMAT_CHECKER.conforms(x, value)


def _required(c: _Compiler, value: Any, schema: Mapping[str, Any], r: Resolver[Any]) -> Check:
    names = tuple(value)
    return lambda x: not isinstance(x, dict) or all(name in x for name in names)


def _properties(c: _Compiler, value: Any, schema: Mapping[str, Any], r: Resolver[Any]) -> Check:
    compiled = tuple((name, c.schema(sub, r)) for name, sub in value.items())

    def check(x: Any) -> bool:
        if not isinstance(x, dict):
            return True
        for name, sub in compiled:  # noqa: SIM110 (as in _all)
            if name in x and not sub(x[name]):
                return False
        return True

    return check


def _pattern_properties(
    c: _Compiler, value: Any, schema: Mapping[str, Any], r: Resolver[Any]
) -> Check:
    compiled = tuple((re.compile(regex).search, c.schema(sub, r)) for regex, sub in value.items())
    return lambda x: (
        not isinstance(x, dict)
        or all(sub(item) for search, sub in compiled for key, item in x.items() if search(key))
    )


def _additional(c: _Compiler, value: Any, schema: Mapping[str, Any], r: Resolver[Any]) -> Check:
    known = frozenset(schema.get("properties", {}))
    joined = "|".join(schema.get("patternProperties", {}))
    search = re.compile(joined).search if joined else None

    def extras(x: dict[str, Any]) -> list[str]:
        return [k for k in x if k not in known and not (search is not None and search(k))]

    if isinstance(value, dict):
        sub = c.schema(value, r)
        return lambda x: not isinstance(x, dict) or all(sub(x[k]) for k in extras(x))
    if not value:
        return lambda x: not isinstance(x, dict) or not extras(x)
    return _always


def _items(c: _Compiler, value: Any, schema: Mapping[str, Any], r: Resolver[Any]) -> Check:
    prefix = len(schema.get("prefixItems", []))
    if value is False:
        return lambda x: not isinstance(x, list) or len(x) <= prefix
    sub = c.schema(value, r)
    return lambda x: not isinstance(x, list) or all(sub(item) for item in x[prefix:])


def _prefix_items(c: _Compiler, value: Any, schema: Mapping[str, Any], r: Resolver[Any]) -> Check:
    subs = tuple(c.schema(sub, r) for sub in value)
    return lambda x: (
        not isinstance(x, list) or all(sub(item) for sub, item in zip(subs, x, strict=False))
    )


def _unique(c: _Compiler, value: Any, schema: Mapping[str, Any], r: Resolver[Any]) -> Check:
    return lambda x: not value or not isinstance(x, list) or bool(uniq(x))


def _all_of(c: _Compiler, value: Any, schema: Mapping[str, Any], r: Resolver[Any]) -> Check:
    return _all([c.schema(sub, r) for sub in value])


def _any_of(c: _Compiler, value: Any, schema: Mapping[str, Any], r: Resolver[Any]) -> Check:
    subs = tuple(c.schema(sub, r) for sub in value)
    return lambda x: any(sub(x) for sub in subs)


def _one_of(c: _Compiler, value: Any, schema: Mapping[str, Any], r: Resolver[Any]) -> Check:
    subs = tuple(c.schema(sub, r) for sub in value)
    return lambda x: sum(1 for sub in subs if sub(x)) == 1


def _not(c: _Compiler, value: Any, schema: Mapping[str, Any], r: Resolver[Any]) -> Check:
    sub = c.schema(value, r)
    return lambda x: not sub(x)


def _if(c: _Compiler, value: Any, schema: Mapping[str, Any], r: Resolver[Any]) -> Check:
    condition = c.schema(value, r)
    then = c.schema(schema["then"], r) if "then" in schema else _always
    otherwise = c.schema(schema["else"], r) if "else" in schema else _always
    return lambda x: then(x) if condition(x) else otherwise(x)


def _ref(c: _Compiler, value: Any, schema: Mapping[str, Any], r: Resolver[Any]) -> Check:
    return c.ref(value, r)


_KEYWORDS: dict[str, Builder] = {
    "type": _type,
    "enum": _enum,
    "const": _const,
    "minimum": _bound(lambda x, bound: not x < bound),
    "maximum": _bound(lambda x, bound: not x > bound),
    "exclusiveMinimum": _bound(lambda x, bound: not x <= bound),
    "exclusiveMaximum": _bound(lambda x, bound: not x >= bound),
    "minLength": _sized("string", lambda size, bound: not size < bound),
    "maxLength": _sized("string", lambda size, bound: not size > bound),
    "minItems": _sized("array", lambda size, bound: not size < bound),
    "maxItems": _sized("array", lambda size, bound: not size > bound),
    "minProperties": _sized("object", lambda size, bound: not size < bound),
    "maxProperties": _sized("object", lambda size, bound: not size > bound),
    "pattern": _pattern,
    "format": _format,
    "required": _required,
    "properties": _properties,
    "patternProperties": _pattern_properties,
    "additionalProperties": _additional,
    "items": _items,
    "prefixItems": _prefix_items,
    "uniqueItems": _unique,
    "allOf": _all_of,
    "anyOf": _any_of,
    "oneOf": _one_of,
    "not": _not,
    "if": _if,
    "$ref": _ref,
}


def compile_schema(schema: Any, resolver: Resolver[Any]) -> Check | None:
    """A predicate telling whether an instance matches ``schema`` (refs looked up with
    ``resolver``), or None when the schema uses a keyword not compiled here."""
    try:
        return _Compiler().schema(schema, resolver)
    except (Unsupported, referencing.exceptions.Unresolvable):
        return None  # jsonschema decides (and reports an unresolvable $ref its own way)
