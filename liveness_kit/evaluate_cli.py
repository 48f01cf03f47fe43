"""``liveness-kit evaluate``: PAD figures of an implementation, on the corpus or a labelled set.

Three sources, one set of figures (see docs/evaluation.md):

* no archive: the kit's own corpus, sent to ``--base-url`` or, by default, to the mock
  in process; the text report on stdout as always (``--json`` writes the JSON one);
* ``CASES.zip`` with a labels.csv: sent with the bulk runner (concurrency, retries, a
  journal and ``--resume``), the result archive kept in DIR as results.zip;
* ``--results RESULTS.zip``: a result archive made earlier; nothing is sent.

With ``-o DIR`` the report (report.json, report.md, report.html, det.svg) is written
there; ``--max-apcer`` / ``--max-bpcer`` make it a quality gate (exit 1 on a breach) and
``--baseline`` prints the deltas against a previous report.json. The bulk command's
option rules and token rules are shared, from :mod:`liveness_kit.bulk_cli`.

A little over 400 lines: the three sources share one check of the arguments (done
before anything is read or sent) and one path to the report and the gate, and keeping
them in one module keeps those rules stated once.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Final

import httpx

import bulk
from evaluation import (
    Evaluation,
    Outcome,
    TargetUnreachable,
    as_json,
    build_report,
    check_baseline,
    deltas,
    evaluate,
    evaluate_run,
    figures_of,
    gate,
    gate_summary,
    report,
    sender,
    trials_of_outcomes,
)
from liveness_kit import bulk_cli
from liveness_kit._errors import UsageError

# Reported by liveness_kit.cli as one line, exit 2; bulk's errors are translated to it here.
USAGE_ERRORS: Final = (UsageError,)
IN_PROCESS: Final = "the in-process mock"
RESULTS_FILE: Final = "results.zip"


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "evaluate",
        help="APCER/BPCER, facematch, DET and a quality gate, on the corpus or a labelled ZIP",
        description=(
            "Evaluate an implementation (the mock in process by default, or --base-url) on "
            "the kit's labelled corpus, on a labelled bulk archive CASES.zip (labels.csv at "
            "its root), or on a result archive made earlier (--results), with ISO/IEC "
            "30107-3 figures. See docs/evaluation.md."
        ),
    )
    parser.add_argument("cases", nargs="?", metavar="CASES.zip", help="a labelled bulk archive")
    parser.add_argument("--results", metavar="RESULTS.zip", help="evaluate this result archive")
    parser.add_argument("--base-url", help="an implementation to evaluate (default: the mock)")
    parser.add_argument("--token", help="bearer token (default: one minted for the mock)")
    parser.add_argument("--api", choices=("v1", "v2"), default="v2")
    parser.add_argument("-o", "--output", metavar="DIR", help="write the report files here")
    parser.add_argument("--max-apcer", metavar="X", help="gate: worst-species APCER (0.05 or 5%%)")
    parser.add_argument("--max-bpcer", metavar="Y", help="gate: BPCER (0.1 or 10%%)")
    parser.add_argument("--baseline", metavar="PREVIOUS.json", help="print deltas against it")
    parser.add_argument("--json", type=Path, metavar="PATH", help="corpus only: the JSON figures")
    parser.add_argument("--timeout", default="120", help="seconds per request (default 120)")
    parser.add_argument("--concurrency", default="4", help="CASES.zip: requests in flight")
    parser.add_argument("--retries", default="3", help="CASES.zip: retries of a transient error")
    parser.add_argument("--resume", action="store_true", help="CASES.zip: continue from DIR")
    parser.add_argument(
        "--retry-failed", action="store_true", help="with --resume: send failed cases again"
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    options = _Options(args)
    if args.results is not None:
        return _from_results(args, options)
    if args.cases is not None:
        return _from_cases(args, options)
    return _from_corpus(args, options)


class _Options:
    """The arguments, checked before anything is read or sent."""

    def __init__(self, args: argparse.Namespace) -> None:
        archive = args.cases is not None or args.results is not None
        if args.base_url is not None and not args.base_url.startswith(("http://", "https://")):
            raise UsageError(f"--base-url must start with http:// or https://, got {args.base_url}")
        self.base_url = None if args.base_url is None else bulk_cli._base_url(args.base_url)
        self.timeout = bulk_cli._seconds("--timeout", args.timeout)
        self.concurrency = bulk_cli._whole_number(
            "--concurrency", args.concurrency, 1, bulk_cli.MAX_CONCURRENCY
        )
        self.retries = bulk_cli._whole_number("--retries", args.retries, 0, bulk_cli.MAX_RETRIES)
        self.max_apcer = _rate("--max-apcer", args.max_apcer)
        self.max_bpcer = _rate("--max-bpcer", args.max_bpcer)
        if args.results is not None:
            for given, option in ((args.base_url, "--base-url"), (args.token, "--token")):
                if given is not None:
                    raise UsageError(f"--results sends nothing: {option} does not apply")
            if args.resume:
                raise UsageError("--results sends nothing: --resume does not apply")
        if args.resume and args.cases is None:
            raise UsageError("--resume continues a CASES.zip run; name the CASES.zip")
        if args.retry_failed and not args.resume:
            raise UsageError("--retry-failed goes with --resume")
        if archive and args.json is not None:
            raise UsageError("--json is for the corpus; with an archive, DIR/report.json")
        if archive and args.output is None:
            raise UsageError("-o DIR is required with CASES.zip or --results")
        self.baseline = _baseline(args.baseline)
        self.output = None if args.output is None else _directory(args.output)


def _rate(option: str, text: str | None) -> float | None:
    if text is None:
        return None
    value: float | None
    try:
        value = float(text[:-1]) / 100 if text.endswith("%") else float(text)
    except ValueError:
        value = None
    if value is None or not 0 <= value <= 1:
        raise UsageError(
            f"{option} must be a rate from 0 to 1 (0.05) or a percentage (5%), got {text!r}"
        )
    return value


def _baseline(text: str | None) -> tuple[str, dict[str, Any]] | None:
    if text is None:
        return None
    try:
        document = json.loads(Path(text).read_text(encoding="utf-8"))
    except OSError as error:
        raise UsageError(f"--baseline {text}: cannot read it ({error.strerror})") from None
    except (ValueError, UnicodeDecodeError):
        raise UsageError(f"--baseline {text}: not JSON") from None
    problem = check_baseline(document)
    if problem is not None:
        raise UsageError(f"--baseline {text}: {problem}")
    return text, document


def _directory(text: str) -> Path:
    path = Path(text)
    if path.exists() and not path.is_dir():
        raise UsageError(f"-o {path} is a file; name a directory")
    if not path.exists() and not path.parent.is_dir():
        raise UsageError(f"cannot create {path}: no directory {path.parent}")
    return path


def _created(path: Path) -> Path:
    try:
        path.mkdir(exist_ok=True)
    except OSError as error:
        raise UsageError(f"cannot create {path}: {error.strerror}") from None
    return path


# --- the three sources ------------------------------------------------------------------


def _from_corpus(args: argparse.Namespace, options: _Options) -> int:
    import anyio

    outcomes, target = anyio.run(_run_corpus, args, options)
    figures = figures_of(outcomes)
    sys.stdout.write(report(figures, outcomes, target, args.api))
    if args.json:
        document = as_json(figures, outcomes, target, args.api)
        args.json.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    if options.output is None and options.baseline is None and not _gated(options):
        return 0
    evaluation = Evaluation.of(trials_of_outcomes(outcomes), target=target, api=args.api)
    return _finish(evaluation, options, quiet=True)


def _from_cases(args: argparse.Namespace, options: _Options) -> int:
    assert options.output is not None
    source = Path(args.cases)
    output = options.output / RESULTS_FILE
    journal_path = output.with_name(output.name + ".journal.jsonl")
    if journal_path.exists() and not args.resume:
        raise UsageError(
            f"{journal_path} holds an interrupted run: pass --resume to continue it, "
            "or delete it to start over"
        )
    case_set, label_set = _read_input(source)
    if label_set.data is None:
        raise UsageError(f"{source} has no labels.csv at its root: nothing to evaluate")
    _created(options.output)
    if options.base_url is None:
        from mock_server import Settings, issue_token

        settings = Settings.from_env(playground=False)
        token, target = args.token or issue_token(settings), IN_PROCESS
    else:
        token, target = bulk_cli._token(args.token, options.base_url), str(options.base_url)
        asyncio.run(_preflight(options.base_url, token))
    identity = {"api": args.api, "base_url": target}
    try:
        journal = bulk.Journal(journal_path, identity=identity, resume=args.resume)
    except OSError as error:
        raise UsageError(f"cannot write {journal_path}: {error.strerror}") from None
    except bulk.JournalError as error:
        raise UsageError(str(error)) from None
    if journal.resumed:
        print(f"resuming: {len(journal)} finished cases in {journal_path}", file=sys.stderr)
    progress = bulk_cli.ProgressLine(sys.stderr)
    run_options = {
        "api": args.api,
        "concurrency": options.concurrency,
        "retries": options.retries,
        "timeout": options.timeout,
        "journal": journal,
        "redo_failed": args.retry_failed,
        "on_progress": progress,
    }
    try:
        with journal:
            results = asyncio.run(_send(case_set.cases, options.base_url, token, run_options))
        archive_options = {
            "api": args.api,
            "base_url": target,
            "retries": options.retries,
            "timeout": options.timeout,
        }
        bulk.write_archive(
            results, case_set.problems, output, options=archive_options, labels=label_set.data
        )
    except KeyboardInterrupt:
        progress.close()
        print(
            f"liveness-kit evaluate: interrupted; {len(journal)} finished cases are kept in "
            f"{journal_path}: run the same command with --resume to continue",
            file=sys.stderr,
        )
        return 130
    except OSError as error:
        progress.close()
        raise UsageError(f"cannot write in {options.output}: {error.strerror or error}") from None
    progress.close()
    journal.discard()
    evaluation = evaluate_run(
        bulk.recorded(results),
        label_set.labels,
        target=target,
        api=args.api,
        problems=[*case_set.problems, *label_set.problems],
    )
    return _finish(evaluation, options)


def _from_results(args: argparse.Namespace, options: _Options) -> int:
    try:
        recorded = bulk.read_results(args.results)
    except bulk.BulkInputError as error:
        raise UsageError(f"--results {args.results}: {error}") from None
    modes = {case.name: case.mode for case in recorded.cases if case.outcome != "invalid"}
    left_out = [case.name for case in recorded.cases if case.outcome == "invalid"]
    problems: list[bulk.Problem] = []
    if args.cases is not None:
        case_set, label_set = _read_input(Path(args.cases))
        if label_set.data is None:
            raise UsageError(f"{args.cases} has no labels.csv at its root: nothing to evaluate")
        data = label_set.data
        problems += case_set.problems
    elif recorded.labels is not None:
        data = recorded.labels
    else:
        raise UsageError(
            f"--results {args.results} holds no labels.csv: name the CASES.zip it was run from"
        )
    labels, label_problems = bulk.parse_labels(data, modes, left_out=left_out)
    target = str(recorded.options.get("base_url") or "an unknown target")
    api = str(recorded.options.get("api") or args.api)
    evaluation = evaluate_run(
        recorded.cases, labels, target=target, api=api, problems=[*problems, *label_problems]
    )
    return _finish(evaluation, options)


def _read_input(source: Path) -> tuple[bulk.CaseSet, bulk.LabelSet]:
    try:
        case_set = bulk.read_cases(source)
        return case_set, bulk.read_labels(source, case_set)
    except bulk.BulkInputError as error:
        message = str(error)
        if not message.startswith("cannot read"):
            message = f"{source}: {message}"
        raise UsageError(message) from None


# --- sending ----------------------------------------------------------------------------


def make_client(base_url: httpx.URL, token: str, *, concurrency: int = 4) -> httpx.AsyncClient:
    return bulk.make_client(base_url, token, concurrency=concurrency)


def _mock_client(token: str) -> httpx.AsyncClient:
    from mock_server import Settings, create_app

    transport = httpx.ASGITransport(app=create_app(Settings.from_env(playground=False)))
    headers = {"Authorization": f"Bearer {token}"}
    return httpx.AsyncClient(transport=transport, base_url="http://mock", headers=headers)


async def _send(
    cases: Sequence[bulk.Case],
    base_url: httpx.URL | None,
    token: str,
    options: Mapping[str, Any],
) -> list[bulk.CaseResult]:
    if base_url is None:
        client = _mock_client(token)
    else:
        client = make_client(base_url, token, concurrency=options["concurrency"])
    async with client:
        return await bulk.run_bulk(cases, client, **options)


async def _preflight(base_url: httpx.URL, token: str) -> None:
    async with make_client(base_url, token, concurrency=1) as client:
        try:
            await bulk.preflight(client)
        except bulk.TargetUnreachable as error:
            raise UsageError(f"cannot connect to {base_url}: {error}") from None


async def _run_corpus(args: argparse.Namespace, options: _Options) -> tuple[list[Outcome], str]:
    import fixtures

    try:
        corpus = list(fixtures.all_fixtures())
    except (AttributeError, OSError, ValueError, KeyError) as error:
        raise UsageError(f"the fixture corpus cannot be read: {error}") from None
    if options.base_url is not None:
        target = str(options.base_url).rstrip("/")
        token = args.token or _mock_token()
        client = httpx.AsyncClient(base_url=target, timeout=options.timeout)
    else:
        from mock_server import Settings, create_app, issue_token

        settings = Settings.from_env(playground=False)
        token = args.token or issue_token(settings)
        target = IN_PROCESS
        transport = httpx.ASGITransport(app=create_app(settings))
        client = httpx.AsyncClient(
            transport=transport, base_url="http://mock", timeout=options.timeout
        )
    async with client:
        try:
            outcomes = await evaluate(sender(client, args.api, token), args.api, corpus)
        except TargetUnreachable as error:
            raise UsageError(f"cannot reach {target}: {error}") from None
    return outcomes, target


def _mock_token() -> str:
    from mock_server import Settings, issue_token

    return issue_token(Settings.from_env())


# --- the report and the gate -----------------------------------------------------------


def _gated(options: _Options) -> bool:
    return options.max_apcer is not None or options.max_bpcer is not None


def _finish(evaluation: Evaluation, options: _Options, *, quiet: bool = False) -> int:
    """Write the report, print it (or only the gate, after the corpus text), the exit status."""
    first = build_report(evaluation)
    extra: dict[str, Any] = {}
    breaches: list[str] = []
    if _gated(options):
        breaches = gate(first.document, max_apcer=options.max_apcer, max_bpcer=options.max_bpcer)
        extra["gate"] = {
            "max_apcer": options.max_apcer,
            "max_bpcer": options.max_bpcer,
            "passed": not breaches,
            "breaches": breaches,
        }
    if options.baseline is not None:
        path, document = options.baseline
        extra["baseline"] = {"path": path, "deltas": deltas(first.document, document)}
    final = build_report(evaluation, extra) if extra else first
    if not quiet:
        sys.stdout.write(final.files["report.md"])
    else:
        for line in gate_summary(final.document):
            print(line)
    if options.output is not None:
        try:
            written = final.write(_created(options.output))
        except OSError as error:
            raise UsageError(f"cannot write in {options.output}: {error.strerror}") from None
        print(f"wrote {', '.join(str(path) for path in written)}")
    return 1 if breaches else 0
