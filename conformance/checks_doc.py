"""Generate CHECKS.md from the registry: ``python -m conformance.checks_doc [--check]``."""

from __future__ import annotations

import sys
from pathlib import Path

from conformance._registry import Profile, all_checks

PATH = Path(__file__).with_name("CHECKS.md")
PROFILES = {
    Profile.GATE: "always",
    Profile.VERDICTS: "`--expect-verdicts`",
    Profile.FUZZ: "`--fuzz-examples N`",
}


def render() -> str:
    checks = all_checks()
    must = sum(item.severity.value == "MUST" for item in checks)
    lines = [
        "# Conformance checks",
        "",
        "Generated from the check registry by `python -m conformance.checks_doc`; do not edit.",
        "",
        f"{len(checks)} checks: {must} MUST, {len(checks) - must} SHOULD. A failed MUST check "
        "fails the run (exit status 1); a failed SHOULD check is reported only.",
        "",
        "| id | severity | runs | title | clause |",
        "|---|---|---|---|---|",
    ]
    for item in checks:
        clause = item.clause.replace("|", "\\|")
        lines.append(
            f"| {item.id} | {item.severity.value} | {PROFILES[item.profile]} | {item.title} "
            f"| {clause} |"
        )
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    text = render()
    if "--check" in args:
        if not PATH.exists() or PATH.read_text(encoding="utf-8") != text:
            print(f"{PATH.name} is out of date: run python -m conformance.checks_doc")
            return 1
        return 0
    PATH.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
