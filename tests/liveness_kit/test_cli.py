"""The command line's one boundary: every command's declared errors become one line, exit 2."""

from __future__ import annotations

import argparse
import importlib
import sys
import types
from pathlib import Path
from typing import Any

import pytest

from liveness_kit import cli
from liveness_kit.cli import COMMAND_MODULES, main


@pytest.mark.parametrize("name", COMMAND_MODULES)
def test_every_command_module_registers_and_declares_its_usage_errors(name: str) -> None:
    module = importlib.import_module(name)
    assert callable(module.register)
    assert isinstance(module.USAGE_ERRORS, tuple)
    assert all(issubclass(error, Exception) for error in module.USAGE_ERRORS)


def test_the_lower_packages_raise_their_own_errors() -> None:
    from bulk import JournalError
    from conformance import InvalidConfiguration, TargetUnreachable
    from fixtures.cli import UsageError as FixturesUsageError
    from liveness_kit._errors import UsageError
    from mock_server import SettingsError

    declared = {name: importlib.import_module(name).USAGE_ERRORS for name in COMMAND_MODULES}
    assert declared == {
        "spec.cli": (),
        "fixtures.cli": (FixturesUsageError,),
        "mock_server.cli": (SettingsError,),
        "conformance.cli": (InvalidConfiguration, TargetUnreachable),
        "liveness_kit.bulk_cli": (UsageError, JournalError),
        "liveness_kit.evaluate_cli": (UsageError,),
        "liveness_kit.coverage_cli": (UsageError,),
        "liveness_kit.proxy_cli": (UsageError,),
    }


class Declared(Exception):
    pass


class Undeclared(Exception):
    pass


@pytest.fixture
def planted(monkeypatch: pytest.MonkeyPatch) -> types.ModuleType:
    """A command module ``planted`` whose ``boom`` command raises what it is told to."""
    module = types.ModuleType("planted_command")

    def register(subparsers: Any) -> None:
        parser = subparsers.add_parser("boom")
        parser.add_argument("--kind", choices=("declared", "undeclared"))
        parser.set_defaults(handler=handle)

    def handle(args: argparse.Namespace) -> int:
        raise Declared("the input is bad") if args.kind == "declared" else Undeclared("a bug")

    module.register = register  # type: ignore[attr-defined]
    module.USAGE_ERRORS = (Declared,)  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "planted_command", module)
    monkeypatch.setattr(cli, "COMMAND_MODULES", (*COMMAND_MODULES, "planted_command"))
    return module


def test_a_declared_error_is_one_line_and_exit_2(
    planted: types.ModuleType, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["boom", "--kind", "declared"]) == 2
    assert capsys.readouterr().err == "liveness-kit boom: error: the input is bad\n"


def test_an_undeclared_error_is_not_hidden(planted: types.ModuleType) -> None:
    with pytest.raises(Undeclared):
        main(["boom", "--kind", "undeclared"])


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["token", "--ttl", "0"], "token: error: --ttl must be at least 1 second, got 0"),
        (["serve", "--port", "0"], "serve: error: --port must be from 1 to 65535, got 0"),
        (
            ["conform", "--base-url", "http://127.0.0.1:9"],
            "conform: error: --token is required: a bearer token the implementation accepts",
        ),
        (
            ["conform", "--base-url", "http://127.0.0.1:9", "--token", "t", "-k", "("],
            "conform: error: -k '(': unexpected end of expression",
        ),
        (
            ["evaluate", "--base-url", "ftp://x"],
            "evaluate: error: --base-url must start with http:// or https://, got ftp://x",
        ),
        (
            ["bulk", "in.zip", "--concurrency", "0"],
            "bulk: error: --concurrency must be a whole number from 1 to 64, got '0'",
        ),
    ],
    ids=["token", "serve", "conform-token", "conform-keyword", "evaluate", "bulk"],
)
def test_each_package_error_reaches_the_boundary_as_one_line(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(argv) == 2
    assert capsys.readouterr().err == f"liveness-kit {message}\n"


def test_fixtures_errors_reach_the_boundary(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    not_a_directory = tmp_path / "file"
    not_a_directory.write_text("x")
    assert main(["fixtures", "build", "--out", str(not_a_directory)]) == 2
    expected = f"liveness-kit fixtures: error: --out {not_a_directory} is not a directory\n"
    assert capsys.readouterr().err == expected


def test_a_missing_corpus_manifest_is_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import fixtures._corpus

    def missing() -> None:
        raise FileNotFoundError(2, "No such file", "/nowhere/manifest.json")

    monkeypatch.setattr(fixtures._corpus, "all_fixtures", missing)
    assert main(["fixtures", "list"]) == 2
    assert capsys.readouterr().err == (
        "liveness-kit fixtures: error: no corpus manifest at /nowhere/manifest.json; "
        "run 'fixtures build'\n"
    )
