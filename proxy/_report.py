"""The running report: exchanges seen, violations per check and side, the latest ones."""

from __future__ import annotations

import json
import threading
from collections import Counter, deque
from pathlib import Path
from typing import Any

from proxy._model import CLIENT, Violation

RECENT = 50


class Report:
    """Counts every exchange and violation; safe to update from several tasks."""

    def __init__(self, upstream: str, mode: str) -> None:
        self.upstream = upstream
        self.mode = mode
        self.exchanges = 0
        self.clean = 0
        self.by_check: Counter[tuple[str, str]] = Counter()
        self.recent: deque[dict[str, Any]] = deque(maxlen=RECENT)
        self._lock = threading.Lock()

    def add(self, method: str, path: str, status: int, violations: list[Violation]) -> None:
        with self._lock:
            self.exchanges += 1
            if not violations:
                self.clean += 1
            for violation in violations:
                self.by_check[(violation.side, violation.check)] += 1
            if violations:
                self.recent.append(
                    {
                        "request": f"{method} {path}",
                        "status": status,
                        "violations": [v.as_dict() for v in violations],
                    }
                )

    def flagged(self, side: str) -> set[str]:
        """The checks with at least one violation on ``side`` (client or server)."""
        with self._lock:
            return {check for (where, check) in self.by_check if where == side}

    def as_dict(self) -> dict[str, Any]:
        with self._lock:
            return {
                "upstream": self.upstream,
                "mode": self.mode,
                "exchanges": self.exchanges,
                "clean": self.clean,
                "violations": [
                    {"side": side, "check": check, "count": count}
                    for (side, check), count in sorted(self.by_check.items())
                ],
                "recent": list(self.recent),
            }

    def markdown(self) -> str:
        data = self.as_dict()
        lines = [
            "# Contract proxy report",
            "",
            f"Upstream {data['upstream']}, mode {data['mode']}: {data['exchanges']} exchanges, "
            f"{data['clean']} without a violation.",
            "",
        ]
        if data["violations"]:
            lines += ["| side | check | count |", "|---|---|---|"]
            lines += [f"| {v['side']} | {v['check']} | {v['count']} |" for v in data["violations"]]
        else:
            lines.append("No violation.")
        if data["recent"]:
            lines += ["", "## Latest violations", ""]
            for item in data["recent"]:
                for v in item["violations"]:
                    who = "client" if v["side"] == CLIENT else "server"
                    lines.append(
                        f"- `{item['request']}` → {item['status']}: {who} `{v['check']}` "
                        f"{v['message']}"
                    )
        return "\n".join(lines) + "\n"

    def write(self, directory: Path) -> tuple[Path, Path]:
        directory.mkdir(parents=True, exist_ok=True)
        json_path, md_path = directory / "proxy-report.json", directory / "proxy-report.md"
        json_path.write_text(json.dumps(self.as_dict(), indent=2) + "\n", encoding="utf-8")
        md_path.write_text(self.markdown(), encoding="utf-8")
        return json_path, md_path
