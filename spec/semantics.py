"""Render SEMANTICS.md from the canonical document: ``python -m spec.semantics``."""

from __future__ import annotations

import sys
from pathlib import Path

from spec._document import _parsed, invariants, v1_from_v2_mapping
from spec._tuning import tuning_fields

SEMANTICS_PATH = Path(__file__).with_name("SEMANTICS.md")


def render() -> str:
    document = _parsed()
    lines = [
        "# Semantics of the liveness contract",
        "",
        "Generated from `spec/openapi.yaml` by `python -m spec.semantics`; do not edit.",
        "",
        document["info"]["description"].rstrip(),
        "",
        "## Tuning fields",
        "",
        "| field | default | accepted values | meaning |",
        "|---|---|---|---|",
    ]
    for tuning in tuning_fields().values():
        if tuning.enum is not None:
            accepted = ", ".join(f"`{value}`" for value in tuning.enum)
        elif tuning.minimum is not None:
            accepted = f"{tuning.minimum:g} to {tuning.maximum:g} (`{tuning.pattern}`)"
        else:
            accepted = f"up to {tuning.max_length} characters"
        default = f"`{tuning.default}`" if tuning.default is not None else "none"
        lines.append(f"| `{tuning.name}` | {default} | {accepted} | {tuning.description} |")
    lines += ["", "## Invariants", ""]
    for invariant in invariants():
        lines.append(f"- **{invariant['id']}**: {' '.join(invariant['statement'].split())}")
    lines += ["", "## v1 from v2", "", "| v1 field | v2 source |", "|---|---|"]
    for v1_field, source in v1_from_v2_mapping().items():
        lines.append(f"| `{v1_field}` | {source} |")
    return "\n".join(lines) + "\n"


def main() -> int:
    SEMANTICS_PATH.write_text(render(), encoding="utf-8")
    print(f"wrote {SEMANTICS_PATH}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
