"""The Schemathesis CLI against a running mock, on the contract's schemathesis view.

    python -m bench.fuzz --max-examples 5000

Spawns ``liveness-kit serve``, writes ``liveness-kit spec --view schemathesis`` to a
temporary file and runs ``st run`` on it: both endpoints, positive and negative,
seeded, bounded, with a Bearer token, and exactly the checks not_a_server_error,
status_code_conformance, content_type_conformance and response_schema_conformance.
Media parts come from tests/tools/schemathesis_hooks.py. Every request and response is
read back from the NDJSON report to count them. Figures go to bench/REPORT.md (section
``fuzz``).
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import spec
from bench._report import machine, write_section
from bench.load import ROOT, development_token, serve

ST = Path(sys.executable).with_name("st")
HOOKS = ROOT / "tests" / "tools" / "schemathesis_hooks.py"
CHECKS = (
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_schema_conformance",
)


@dataclass
class FuzzRun:
    """What one ``st run`` did, read from its exit status and NDJSON report."""

    returncode: int
    output: str
    duration_s: float
    statuses: Counter[int] = field(default_factory=Counter)
    per_operation: Counter[str] = field(default_factory=Counter)
    per_phase: Counter[str] = field(default_factory=Counter)
    media_filenames: Counter[str] = field(default_factory=Counter)
    media_without_filename: int = 0
    failed_checks: list[str] = field(default_factory=list)

    @property
    def requests(self) -> int:
        return sum(self.statuses.values())


def run_schemathesis(
    base_url: str,
    token: str,
    *,
    max_examples: int,
    seed: int = 1,
    workers: int = 1,
    media: str = "small",
    timeout_s: float = 1800,
) -> FuzzRun:
    """Run the Schemathesis CLI against ``base_url`` and read its report back."""
    with tempfile.TemporaryDirectory(prefix="liveness-st-") as workdir:
        schema = Path(workdir, "schemathesis-view.json")
        schema.write_text(json.dumps(spec.view("schemathesis")), encoding="utf-8")
        command = [
            str(ST),
            "run",
            str(schema),
            "--url",
            base_url,
            "--header",
            f"Authorization: Bearer {token}",
            "--checks",
            ",".join(CHECKS),
            "--mode",
            "all",
            "--phases",
            "coverage,fuzzing",
            "--seed",
            str(seed),
            "--max-examples",
            str(max_examples),
            "--workers",
            str(workers),
            "--generation-database",
            "none",
            "--report",
            "ndjson",
            "--report-dir",
            workdir,
            "--no-color",
        ]
        env = {
            **os.environ,
            "SCHEMATHESIS_HOOKS": str(HOOKS),
            "LIVENESS_KIT_FUZZ_MEDIA": media,
            "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
        }
        started = time.monotonic()
        completed = subprocess.run(
            command,
            cwd=workdir,
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout_s,
            check=False,
        )
        run = FuzzRun(
            returncode=completed.returncode,
            output=completed.stdout + completed.stderr,
            duration_s=time.monotonic() - started,
        )
        for report in Path(workdir).glob("*.ndjson"):
            _read_report(report, run)
    return run


def _read_report(path: Path, run: FuzzRun) -> None:
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            event = json.loads(line)
            finished = event.get("ScenarioFinished")
            if not finished:
                continue
            recorder = finished["recorder"]
            for interaction in recorder.get("interactions", {}).values():
                response = interaction.get("response") or {}
                run.statuses[response.get("status_code", 0)] += 1
                run.per_operation[recorder["label"]] += 1
                run.per_phase[finished["phase"]] += 1
                _count_media_parts(interaction["request"].get("body"), run)
            for check in recorder.get("checks", {}).values():
                for result in check if isinstance(check, list) else [check]:
                    if isinstance(result, dict) and result.get("status") == "failure":
                        run.failed_checks.append(f"{recorder['label']}: {result.get('name')}")


def _count_media_parts(body: object, run: FuzzRun) -> None:
    if isinstance(body, dict) and "$base64" in body:
        raw = base64.b64decode(body["$base64"])
    elif isinstance(body, str):
        raw = body.encode("utf-8", "replace")
    else:
        return
    for name in spec.MEDIA_FIELDS:
        with_filename = f'name="{name}"; filename="'.encode()
        start = raw.find(with_filename)
        if start >= 0:
            start += len(with_filename)
            run.media_filenames[raw[start : raw.index(b'"', start)].decode()] += 1
        elif f'name="{name}"'.encode() in raw:
            run.media_without_filename += 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-examples", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--workers",
        type=int,
        default=1,
        help="st workers; with 2, Schemathesis 4.32 ends one operation's fuzzing early",
    )
    parser.add_argument("--media", choices=["small", "corpus"], default="small")
    args = parser.parse_args()
    token = development_token()
    with serve() as (base_url, _):
        run = run_schemathesis(
            base_url,
            token,
            max_examples=args.max_examples,
            seed=args.seed,
            workers=args.workers,
            media=args.media,
        )
    print(run.output[-1500:])
    statuses = ", ".join(f"{status}: {count}" for status, count in sorted(run.statuses.items()))
    operations = ", ".join(f"{op}: {count}" for op, count in sorted(run.per_operation.items()))
    filenames = ", ".join(f"{name}: {count}" for name, count in sorted(run.media_filenames.items()))
    command = (
        f"python -m bench.fuzz --max-examples {args.max_examples} --seed {args.seed} "
        f"--workers {args.workers} --media {args.media}"
    )
    markdown = f"""## Fuzz (`{command}`)

The Schemathesis CLI (`st run`) on the schemathesis view, against `liveness-kit serve`
(one worker) on loopback: both endpoints, positive and negative, coverage and fuzzing
phases, checks {", ".join(f"`{check}`" for check in CHECKS)}. Machine: {machine()}.

| requests | duration s | req/s | exit status | failed checks | media parts without filename |
|---|---|---|---|---|---|
| {run.requests} | {run.duration_s:.0f} | {run.requests / run.duration_s:.1f} | \
{run.returncode} | {len(run.failed_checks)} | {run.media_without_filename} |

- statuses: {statuses}
- per operation: {operations}
- media file names: {filenames}
"""
    print(f"wrote {write_section('fuzz', markdown)}")
    return 0 if run.returncode == 0 and not run.failed_checks else 1


if __name__ == "__main__":
    sys.exit(main())
