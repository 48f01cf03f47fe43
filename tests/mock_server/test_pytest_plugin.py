"""The pytest plugin, used the way an integrator uses it: the example test of
docs/integrators.md copied to a directory outside this project's tests and run by
pytest in another process, with the plugin found through its entry point."""

from __future__ import annotations

import importlib.metadata
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
GUIDE = ROOT / "docs" / "integrators.md"


def example_test() -> str:
    blocks = re.findall(r"```python\n(.*?)```", GUIDE.read_text(encoding="utf-8"), re.DOTALL)
    (example,) = [block for block in blocks if block.startswith("# test_my_client.py")]
    return str(example)


def test_the_plugin_is_an_entry_point_of_the_package() -> None:
    plugins = {e.name: e.value for e in importlib.metadata.entry_points(group="pytest11")}
    assert plugins.get("liveness_mock") == "mock_server.pytest_plugin"


@pytest.mark.slow
def test_the_documented_example_passes_outside_the_project(tmp_path: Path) -> None:
    (tmp_path / "test_my_client.py").write_text(example_test(), encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_my_client.py"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "6 passed" in done.stdout


@pytest.mark.slow
def test_a_failing_client_fails_the_integrator_s_test(tmp_path: Path) -> None:
    """The fixture really injects: a client without retries fails the copied test."""
    broken = example_test().replace("attempts: int = 3", "attempts: int = 1")
    (tmp_path / "test_my_client.py").write_text(broken, encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_my_client.py"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 1, done.stdout + done.stderr
    assert "test_a_503_and_a_dropped_connection_are_retried FAILED" in done.stdout or (
        "FAILED test_my_client.py::test_a_503_and_a_dropped_connection_are_retried" in done.stdout
    )
