"""The request body as the proxy sees it while streaming it upstream.

``FormReader.feed`` takes the body chunk by chunk, as it is forwarded: each part is hashed
and measured on the way, its first bytes kept for the magic-byte check, short text fields
kept whole. Nothing else is held in memory; media bytes are kept only when recording them,
in a file spooled to disk above ``SPOOL_MEMORY_BYTES`` (the mock's own spooling threshold).
A body that is not well-formed multipart is noted, never raised: it is forwarded as it is.
"""

from __future__ import annotations

import hashlib
import tempfile
from dataclasses import dataclass, field
from typing import IO, Any

from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import MultipartParser, parse_options_header

from proxy._sniff import HEAD_BYTES, detect, detect_base64

SPOOL_MEMORY_BYTES = 1024 * 1024
TEXT_BYTES = 16 * 1024  # a tuning value longer than this is held by its digest only
MAX_HEADER_BYTES = 8192
MAX_PARTS = 256  # parts past this many are counted, not kept (the contract has at most 9)


@dataclass
class PartInfo:
    """One part: its name, file name, declared type, size, sha256 and detected type."""

    name: str
    filename: str | None = None
    declared_type: str | None = None
    size: int = 0
    head: bytes = b""
    text: bytes = b""
    _hash: Any = field(default_factory=hashlib.sha256, repr=False)
    spool: IO[bytes] | None = field(default=None, repr=False)

    @property
    def sha256(self) -> str:
        return str(self._hash.hexdigest())

    @property
    def is_file(self) -> bool:
        return self.filename is not None

    def detected(self, image_type: str) -> str:
        if self.name == "image" and not self.is_file and image_type == "base64":
            return detect_base64(self.head)
        return detect(self.head) if self.is_file or self.name in ("image", "video") else "text"

    def value(self) -> str:
        return self.text.decode("utf-8", "replace")

    def summary(self, image_type: str) -> dict[str, Any]:
        return {
            "name": self.name,
            "filename": self.filename,
            "content_type": self.declared_type,
            "size": self.size,
            "sha256": self.sha256,
            "detected": self.detected(image_type),
        }


@dataclass
class Form:
    """What the body held: the parts in order, or why it could not be read as multipart."""

    parts: list[PartInfo] = field(default_factory=list)
    problem: str | None = None  # not_multipart / malformed_multipart, with a message
    message: str = ""
    size: int = 0
    unkept_parts: int = 0

    def names(self) -> list[str]:
        return [part.name for part in self.parts]

    def fields(self) -> dict[str, str]:
        """The text fields (the media excepted), last value of each name."""
        return {
            part.name: part.value()
            for part in self.parts
            if not part.is_file and part.name not in ("image", "video")
        }

    @property
    def image_type(self) -> str:
        return self.fields().get("image_type", "file")

    def close(self) -> None:
        for part in self.parts:
            if part.spool is not None:
                part.spool.close()


def boundary_of(content_type: str) -> bytes | None:
    media, options = parse_options_header(content_type)
    if media != b"multipart/form-data":
        return None
    return options.get(b"boundary") or None


def _disposition(value: bytes) -> tuple[str | None, str | None]:
    kind, options = parse_options_header(value)
    if kind != b"form-data" or b"name" not in options:
        return None, None
    filename = options.get(b"filename")
    return options[b"name"].decode("utf-8", "replace"), (
        filename.decode("utf-8", "replace") if filename is not None else None
    )


class FormReader:
    """Reads a multipart body incrementally; ``keep_media`` spools file parts for recording."""

    def __init__(self, content_type: str, *, keep_media: bool = False) -> None:
        self.form = Form()
        self.keep_media = keep_media
        self._parser: MultipartParser | None = None
        self._header_name = b""
        self._header_value = b""
        self._headers: dict[bytes, bytes] = {}
        self._part: PartInfo | None = None
        self._finished = False
        boundary = boundary_of(content_type)
        if boundary is None:
            self.form.problem = "not_multipart"
            self.form.message = f"the body is not multipart/form-data ({content_type or 'none'})"
            return
        callbacks: Any = {
            "on_part_begin": self._begin,
            "on_part_data": self._data,
            "on_part_end": self._end,
            "on_header_field": self._field,
            "on_header_value": self._value,
            "on_header_end": self._header_end,
            "on_headers_finished": self._headers_finished,
            "on_end": self._done,
        }
        self._parser = MultipartParser(boundary, callbacks, max_header_size=MAX_HEADER_BYTES)

    def _begin(self) -> None:
        self._headers = {}
        self._part = None

    def _field(self, data: bytes, start: int, end: int) -> None:
        self._header_name += data[start:end]

    def _value(self, data: bytes, start: int, end: int) -> None:
        self._header_value += data[start:end]

    def _header_end(self) -> None:
        self._headers[self._header_name.lower()] = self._header_value
        self._header_name = self._header_value = b""

    def _headers_finished(self) -> None:
        disposition = self._headers.get(b"content-disposition")
        name, filename = _disposition(disposition) if disposition is not None else (None, None)
        if name is None:
            return
        if len(self.form.parts) >= MAX_PARTS:
            self.form.unkept_parts += 1
            return
        declared = self._headers.get(b"content-type")
        self._part = PartInfo(
            name=name,
            filename=filename,
            declared_type=declared.decode("latin-1") if declared else None,
        )

    def _data(self, data: bytes, start: int, end: int) -> None:
        part = self._current()
        if part is None:
            return
        chunk = data[start:end]
        part.size += len(chunk)
        part._hash.update(chunk)
        if len(part.head) < HEAD_BYTES:
            part.head += chunk[: HEAD_BYTES - len(part.head)]
        if not part.is_file and len(part.text) <= TEXT_BYTES:
            part.text += chunk[: TEXT_BYTES + 1 - len(part.text)]
        if self.keep_media and part.name in ("image", "video"):
            if part.spool is None:
                part.spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_MEMORY_BYTES)  # noqa: SIM115 (closed by Form.close)
            part.spool.write(chunk)

    def _current(self) -> PartInfo | None:
        if self._part is not None and (
            not self.form.parts or self.form.parts[-1] is not self._part
        ):
            self.form.parts.append(self._part)
        return self._part

    def _end(self) -> None:
        self._current()
        self._part = None

    def _done(self) -> None:
        self._finished = True

    def feed(self, chunk: bytes) -> None:
        self.form.size += len(chunk)
        if self._parser is None or self.form.problem is not None or not chunk:
            return
        try:
            self._parser.write(chunk)
        except MultipartParseError as exc:
            self._malformed(str(exc) or type(exc).__name__)

    def _malformed(self, reason: str) -> None:
        self.form.problem = "malformed_multipart"
        self.form.message = f"the multipart body is malformed: {reason}"

    def finish(self) -> Form:
        if self._parser is not None and self.form.problem is None and not self._finished:
            self._malformed("it ends before its closing boundary")
        return self.form
