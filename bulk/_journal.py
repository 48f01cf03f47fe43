"""A journal of finished cases, so that an interrupted run can be resumed."""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path
from types import TracebackType
from typing import Any, Final

from bulk._cases import Case
from bulk._durable import fsync_directory
from bulk._errors import JournalError
from bulk._results import CaseResult

FORMAT: Final = "liveness-kit-bulk-journal/1"


class Journal:
    """One JSON line per finished case, appended and flushed to disk before the next.

    ``identity`` (for example the API version and base URL) is written in the first
    line; resuming with a different identity is refused, since the results would mix.
    A case is restored only when its inputs are unchanged (same fingerprint).
    """

    def __init__(
        self, path: str | os.PathLike[str], *, identity: Mapping[str, str], resume: bool = False
    ) -> None:
        self.path = Path(path)
        self.identity = dict(identity)
        self._records: dict[str, dict[str, Any]] = {}
        self.resumed = resume and self.path.exists()
        if self.resumed:
            self._load()
        else:
            header = {"format": FORMAT, "identity": self.identity}
            with open(self.path, "wb") as file:
                file.write(_line(header))
                file.flush()
                os.fsync(file.fileno())
            fsync_directory(self.path.parent)
        self._file = open(self.path, "ab")  # noqa: SIM115 - closed by close()

    def __len__(self) -> int:
        return len(self._records)

    def restore(self, case: Case) -> CaseResult | None:
        """The recorded result of ``case``, or None when absent or its inputs changed."""
        record = self._records.get(case.name)
        if record is None or record["fingerprint"] != case.fingerprint:
            return None
        body = record["body"]
        return CaseResult(
            case,
            status=record["status"],
            body=None if body is None else body.encode("utf-8", "surrogateescape"),
            error=record["error"],
            attempts=record["attempts"],
            duration_ms=record["duration_ms"],
        )

    def record(self, result: CaseResult) -> None:
        body = None if result.body is None else result.body.decode("utf-8", "surrogateescape")
        record = {
            "case": result.name,
            "fingerprint": result.case.fingerprint,
            "status": result.status,
            "body": body,
            "error": result.error,
            "attempts": result.attempts,
            "duration_ms": result.duration_ms,
        }
        self._file.write(_line(record))
        self._file.flush()
        os.fsync(self._file.fileno())
        self._records[result.name] = record

    def close(self) -> None:
        self._file.close()

    def discard(self) -> None:
        """Close and delete the journal (once the archive is written)."""
        self.close()
        self.path.unlink(missing_ok=True)

    def __enter__(self) -> Journal:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def _load(self) -> None:
        try:
            data = self.path.read_bytes()
        except OSError as exc:
            raise JournalError(f"cannot read {self.path}: {exc.strerror}") from None
        complete = data[: data.rfind(b"\n") + 1]
        lines = complete.split(b"\n")[:-1]
        if not lines:
            raise JournalError(f"{self.path} is empty or truncated; delete it to start over")
        header = _parse(lines[0])
        if not isinstance(header, dict) or header.get("format") != FORMAT:
            raise JournalError(f"{self.path} is not a bulk journal; delete it to start over")
        if header.get("identity") != self.identity:
            raise JournalError(
                f"{self.path} belongs to a run with {_describe(header.get('identity'))}, "
                f"not {_describe(self.identity)}; delete it to start over"
            )
        for number, line in enumerate(lines[1:], start=2):
            record = _parse(line)
            if not _is_record(record):
                raise JournalError(f"{self.path}: line {number} is not a journal record")
            assert isinstance(record, dict)
            self._records[record["case"]] = record
        if len(complete) < len(data):  # a line cut short by a crash: drop it
            with open(self.path, "r+b") as file:
                file.truncate(len(complete))
                os.fsync(file.fileno())


def _line(document: Mapping[str, Any]) -> bytes:
    return json.dumps(document, ensure_ascii=True, separators=(",", ":")).encode("ascii") + b"\n"


def _parse(line: bytes) -> Any:
    try:
        return json.loads(line)
    except ValueError:
        return None


_RECORD_TYPES: Final = {
    "case": (str,),
    "fingerprint": (str,),
    "status": (int, type(None)),
    "body": (str, type(None)),
    "error": (str, type(None)),
    "attempts": (int,),
    "duration_ms": (int,),
}


def _is_record(record: Any) -> bool:
    return isinstance(record, dict) and all(
        isinstance(record.get(key, ...), types) for key, types in _RECORD_TYPES.items()
    )


def _describe(identity: Any) -> str:
    if not isinstance(identity, dict):
        return "unknown options"
    return ", ".join(f"{key} {value}" for key, value in sorted(identity.items()))
