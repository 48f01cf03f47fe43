"""The recording: one exchange a line of JSONL, rotated at a size cap.

The token is always masked. Media bytes are kept only when asked (selfies are biometric
data), content-addressed beside the JSONL files in ``media/<sha256>``.
"""

from __future__ import annotations

import json
import os
import shutil
import threading
from pathlib import Path
from typing import IO, Any

from proxy._form import Form

DEFAULT_ROTATE_BYTES = 64 * 1024 * 1024
MASK = "Bearer $TOKEN"
MEDIA_DIR = "media"
RECORDED_HEADERS = ("prefer", "x-mock-scenario")


def masked_headers(headers: dict[str, str]) -> dict[str, str]:
    """The request headers worth replaying, the token masked."""
    kept = {name: value for name, value in headers.items() if name in RECORDED_HEADERS}
    if "authorization" in headers:
        scheme = headers["authorization"].split(" ", 1)[0]
        kept["authorization"] = MASK if scheme.lower() == "bearer" else f"{scheme} ***"
    return kept


class Recorder:
    """Appends exchanges to ``exchanges-NNNN.jsonl`` in ``directory``, rotating at a cap."""

    def __init__(
        self,
        directory: Path,
        *,
        record_media: bool = False,
        rotate_bytes: int = DEFAULT_ROTATE_BYTES,
    ) -> None:
        self.directory = directory
        self.record_media = record_media
        self.rotate_bytes = rotate_bytes
        directory.mkdir(parents=True, exist_ok=True)
        existing = sorted(directory.glob("exchanges-*.jsonl"))
        self._index = len(existing)
        self._file: IO[str] | None = None
        self._lock = threading.Lock()
        self._open()

    def _open(self) -> None:
        if self._file is not None:
            self._file.close()
        self._index += 1
        path = self.directory / f"exchanges-{self._index:04d}.jsonl"
        self._file = path.open("a", encoding="utf-8")

    @property
    def path(self) -> Path:
        return self.directory / f"exchanges-{self._index:04d}.jsonl"

    def store_media(self, form: Form) -> None:
        if not self.record_media:
            return
        folder = self.directory / MEDIA_DIR
        folder.mkdir(exist_ok=True)
        for part in form.parts:
            if part.spool is None:
                continue
            target = folder / part.sha256
            if target.exists():
                continue
            temporary = folder / f".{part.sha256}.{os.getpid()}.{threading.get_ident()}"
            part.spool.seek(0)
            with temporary.open("wb") as out:
                shutil.copyfileobj(part.spool, out)
            os.replace(temporary, target)

    def write(self, entry: dict[str, Any]) -> None:
        line = json.dumps(entry, sort_keys=True, separators=(",", ":")) + "\n"
        with self._lock:
            assert self._file is not None
            if self._file.tell() > 0 and self._file.tell() + len(line) > self.rotate_bytes:
                self._open()
                assert self._file is not None
            self._file.write(line)
            self._file.flush()

    def close(self) -> None:
        with self._lock:
            if self._file is not None:
                self._file.close()
                self._file = None


def recordings(path: Path) -> list[Path]:
    """The JSONL files of a recording: one file, or every exchanges-*.jsonl of a directory."""
    if path.is_dir():
        return sorted(path.glob("exchanges-*.jsonl"))
    return [path]
