from __future__ import annotations

import pytest

import conformance
import spec
from conformance import DuplicateCheckError, Profile, Severity
from conformance._registry import CheckRegistry
from conformance.checks_doc import PATH, render


def test_check_ids_are_unique_and_duplicates_are_refused() -> None:
    registry = CheckRegistry()
    registry.register(id="X-001", severity=Severity.MUST, title="t", clause="c")(lambda ctx: None)
    with pytest.raises(DuplicateCheckError, match="X-001"):
        registry.register(id="X-001", severity=Severity.MUST, title="t", clause="c")(
            lambda ctx: None
        )


def test_every_invariant_of_the_contract_is_a_check() -> None:
    ids = {item.id for item in conformance.all_checks()}
    assert {item["id"] for item in spec.invariants()} <= ids
    assert {i for i in ids if i.startswith("INV-")} == {item["id"] for item in spec.invariants()}


def test_registry_has_checks_of_both_severities_and_every_profile() -> None:
    checks = conformance.all_checks()
    assert len(checks) >= 50
    assert {c.severity for c in checks} == {Severity.MUST, Severity.SHOULD}
    assert {c.profile for c in checks} == set(Profile)
    assert all(c.title and c.clause for c in checks)


def test_checks_md_is_current() -> None:
    assert PATH.read_text(encoding="utf-8") == render(), (
        "conformance/CHECKS.md is stale: run python -m conformance.checks_doc"
    )


def test_public_api_is_curated() -> None:
    assert sorted(conformance.__all__) == sorted(set(conformance.__all__))
    for name in conformance.__all__:
        assert hasattr(conformance, name)
    assert not any(name.startswith("_") for name in conformance.__all__)


def test_conformance_never_imports_the_mock() -> None:
    import ast
    from pathlib import Path

    root = Path(conformance.__file__).parent
    for path in root.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            assert not any(n.split(".")[0] == "mock_server" for n in names), path
