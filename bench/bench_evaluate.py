"""A labelled bulk set evaluated against the local mock (run by hand, not a test).

    .venv/bin/python -m bench.bench_evaluate [--cases 1000] [--concurrency 4]

Builds a labelled archive of ``--cases`` image-only cases (the corpus's bona fide,
print and screen stills in turn, with labels.csv), starts a real ``liveness-kit serve``
on a free loopback port (bench.load.serve), sends the cases with the bulk runner, then
times the evaluation and its report (report.json, report.md, report.html, det.svg) and,
separately, the same evaluation read back from the result archive (``--results``). The
figures go to bench/REPORT.md (section ``evaluate``): the report's share of the run is
the ratio of the two times measured in this one run.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import os
import sys
import tempfile
import time
import zipfile
from pathlib import Path

import bulk
import evaluation
import fixtures
from bench._report import machine, write_section
from bench.load import development_token, serve

FIXED_TIME = (1980, 1, 1, 0, 0, 0)
STILLS = (
    ("genuine_still", "bona_fide"),
    ("genuine_gray", "bona_fide"),
    ("attack_print_still", "attack:print"),
    ("attack_screen_still", "attack:screen"),
)


def labelled_archive(count: int) -> bytes:
    media = {name: fixtures.get(name).read_bytes() for name, _ in STILLS}
    rows = ["case,label,subject"]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for number in range(count):
            name, label = STILLS[number % len(STILLS)]
            case = f"case{number:05}"
            archive.writestr(zipfile.ZipInfo(f"{case}_image.jpg", FIXED_TIME), media[name])
            rows.append(f"{case},{label},subject{number % 50}")
        labels = ("\n".join(rows) + "\n").encode()
        archive.writestr(zipfile.ZipInfo("labels.csv", FIXED_TIME), labels)
    return buffer.getvalue()


async def send(
    cases: list[bulk.Case], base_url: str, token: str, concurrency: int
) -> list[bulk.CaseResult]:
    import httpx

    async with bulk.make_client(httpx.URL(base_url), token, concurrency=concurrency) as client:
        return await bulk.run_bulk(cases, client, concurrency=concurrency, timeout=120)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=4)
    args = parser.parse_args()

    load = os.getloadavg()[0]
    data = labelled_archive(args.cases)
    token = development_token()
    with tempfile.TemporaryDirectory() as directory, serve() as (base_url, _pid):
        folder = Path(directory)
        started = time.perf_counter()
        case_set = bulk.read_cases(data)
        label_set = bulk.read_labels(data, case_set)
        read_seconds = time.perf_counter() - started

        started = time.perf_counter()
        results = asyncio.run(send(case_set.cases, base_url, token, args.concurrency))
        send_seconds = time.perf_counter() - started

        started = time.perf_counter()
        archive = folder / "results.zip"
        options = {"api": "v2", "base_url": base_url}
        bulk.write_archive(
            results, case_set.problems, archive, options=options, labels=label_set.data
        )
        archive_seconds = time.perf_counter() - started

        started = time.perf_counter()
        evaluated = evaluation.evaluate_run(
            bulk.recorded(results),
            label_set.labels,
            target=base_url,
            api="v2",
            problems=label_set.problems,
        )
        report = evaluation.build_report(evaluated)
        report.write(folder)
        report_seconds = time.perf_counter() - started

        started = time.perf_counter()
        run = bulk.read_results(archive)
        labels, problems = bulk.parse_labels(
            run.labels or b"", {case.name: case.mode for case in run.cases}
        )
        again = evaluation.build_report(
            evaluation.evaluate_run(run.cases, labels, target=base_url, api="v2", problems=problems)
        )
        reread_seconds = time.perf_counter() - started
        same = again.files["report.json"] == report.files["report.json"]
        sizes = {name: len(text.encode()) for name, text in report.files.items()}

    total = read_seconds + send_seconds + archive_seconds + report_seconds
    point = report.document["operating_point"]
    outcomes: dict[str, int] = {}
    for result in results:
        outcomes[result.outcome] = outcomes.get(result.outcome, 0) + 1
    lines = [
        "## Evaluating a labelled set (`python -m bench.bench_evaluate`)",
        "",
        f"`.venv/bin/python -m bench.bench_evaluate --cases {args.cases} --concurrency "
        f"{args.concurrency}` (run by hand): {args.cases} image-only cases (the corpus's two "
        "bona fide stills and its print and screen stills in turn) with a labels.csv, sent "
        "with the bulk runner to a real `liveness-kit serve` subprocess (one worker) on "
        "loopback, then evaluated; every time below was measured in this one run.",
        "",
        f"Machine: {machine()}; load average {load:.1f} when the run started (other "
        "work shares the machine, so absolute times are noisy; the ratios are the figures).",
        "",
        "| step | seconds | share of the run |",
        "|---|---:|---:|",
        f"| read the cases and labels.csv | {read_seconds:.2f} | {read_seconds / total:.1%} |",
        f"| send ({args.cases / send_seconds:.1f} cases/s) | {send_seconds:.2f} "
        f"| {send_seconds / total:.1%} |",
        f"| write the result archive | {archive_seconds:.2f} | {archive_seconds / total:.1%} |",
        f"| evaluate and write the report (4 files) | {report_seconds:.3f} "
        f"| {report_seconds / total:.1%} |",
        f"| the same from the result archive (`--results`) | {reread_seconds:.3f} "
        f"| {reread_seconds / total:.1%} |",
        "",
        f"Outcomes: {', '.join(f'{k} {v}' for k, v in sorted(outcomes.items()))}. "
        f"APCER worst {point['apcer_worst']['rate'] if point['apcer_worst'] else 'n/a'}, "
        f"BPCER {point['bpcer']['rate']}; the report read back from the archive is "
        f"{'byte-identical' if same else 'DIFFERENT'}. Report sizes (bytes): "
        + ", ".join(f"{name} {size}" for name, size in sizes.items())
        + ".",
    ]
    written = write_section("evaluate", "\n".join(lines))
    print("\n".join(lines), file=sys.stderr)
    print(f"wrote {written}", file=sys.stderr)
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
