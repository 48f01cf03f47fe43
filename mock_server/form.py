"""Streaming ``multipart/form-data`` parsing with limits.

The body is fed chunk by chunk from the ASGI stream to python-multipart's low-level
parser. Media parts are spooled to temporary files (in memory up to
``spool_memory_bytes``), other fields are kept in memory up to ``max_field_bytes``.
Limits are enforced while the bytes arrive, so an oversized upload is refused without
being stored.

Errors follow the contract's precedence: any exceeded limit (413) wins over what is
wrong with the framing (400), so after a framing error the rest of the body is still
counted (not parsed) against ``max_body_bytes``.
"""

from __future__ import annotations

import tempfile
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field
from typing import IO, Final

from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import MultipartParser, parse_options_header

import spec
from mock_server.config import Settings
from mock_server.errors import (
    DUPLICATE_PART,
    MALFORMED_MULTIPART,
    NOT_MULTIPART,
    BadRequest,
    PayloadTooLarge,
)

FORM_DATA: Final = "multipart/form-data"
MAX_BOUNDARY_LENGTH: Final = 70  # RFC 2046
MAX_HEADERS_PER_PART: Final = 64


@dataclass(slots=True)
class Part:
    """One form field as received: its headers, and its bytes in memory or spooled."""

    name: str
    filename: str | None
    content_type: str | None
    size: int = 0
    memory: bytearray | None = None
    spool: IO[bytes] | None = None

    def read(self) -> bytes:
        if self.memory is not None:
            return bytes(self.memory)
        assert self.spool is not None
        self.spool.seek(0)
        return self.spool.read()

    def head(self, count: int) -> bytes:
        if self.memory is not None:
            return bytes(self.memory[:count])
        assert self.spool is not None
        self.spool.seek(0)
        return self.spool.read(count)

    def close(self) -> None:
        if self.spool is not None:
            self.spool.close()


@dataclass(slots=True)
class Form:
    """The parsed form: first occurrence of each field name, in arrival order."""

    parts: dict[str, Part] = field(default_factory=dict)
    part_count: int = 0

    def close(self) -> None:
        for part in self.parts.values():
            part.close()

    def text_fields(self) -> dict[str, Part]:
        return {name: part for name, part in self.parts.items() if name not in spec.MEDIA_FIELDS}


def boundary_of(content_type: str | None) -> bytes:
    """The multipart boundary of a Content-Type header; raises BadRequest otherwise."""
    if not content_type:
        raise BadRequest(NOT_MULTIPART, f"Expected a {FORM_DATA} body, got no Content-Type")
    kind, options = parse_options_header(content_type)
    if kind != FORM_DATA.encode():
        shown = kind.decode("latin-1")[:60] or "an empty type"
        raise BadRequest(NOT_MULTIPART, f"Expected a {FORM_DATA} body, got {shown}")
    boundary = options.get(b"boundary", b"")
    if not boundary:
        raise BadRequest(MALFORMED_MULTIPART, "Malformed multipart body: no boundary parameter")
    if len(boundary) > MAX_BOUNDARY_LENGTH or not boundary.isascii():
        raise BadRequest(MALFORMED_MULTIPART, "Malformed multipart body: invalid boundary")
    return boundary


def declared_length(value: str | None, settings: Settings) -> None:
    """Refuse a body whose Content-Length is already over the limit, before reading it."""
    if value is None:
        return
    try:
        length = int(value.strip())
    except ValueError:
        return  # the server framing the request has already accepted it; count instead
    if length > settings.max_body_bytes:
        raise PayloadTooLarge(settings.max_body_bytes)


class _Collector:
    """Callbacks for the low-level parser; builds a Form and enforces the part limits."""

    def __init__(self, settings: Settings, files: Mapping[str, int]) -> None:
        self.settings = settings
        self.files = files
        self.form = Form()
        self.error: BadRequest | None = None  # the first framing or duplicate problem
        self.ended = False
        self._header_field = bytearray()
        self._header_value = bytearray()
        self._headers: dict[str, str] = {}
        self._header_bytes = 0
        self._current: Part | None = None  # None while skipping a bad or duplicate part
        self._current_name: str | None = None
        self._current_size = 0
        self._current_limit = 0

    def callbacks(self) -> dict[str, object]:
        return {
            "on_part_begin": self._part_begin,
            "on_header_field": self._header_field_data,
            "on_header_value": self._header_value_data,
            "on_header_end": self._header_end,
            "on_headers_finished": self._headers_finished,
            "on_part_data": self._part_data,
            "on_part_end": self._part_end,
            "on_end": self._end,
        }

    def _part_begin(self) -> None:
        self.form.part_count += 1
        if self.form.part_count > self.settings.max_fields:
            raise PayloadTooLarge(
                self.settings.max_fields,
                what=f"more than {self.settings.max_fields} form fields; at most",
            )
        self._headers = {}
        self._header_bytes = 0
        self._header_field.clear()
        self._header_value.clear()
        self._current = None
        self._current_name = None
        self._current_size = 0

    def _count_header(self, size: int) -> None:
        self._header_bytes += size
        if self._header_bytes > self.settings.max_part_header_bytes:
            raise PayloadTooLarge(
                self.settings.max_part_header_bytes, what="part headers larger than"
            )

    def _header_field_data(self, data: bytes, start: int, end: int) -> None:
        self._count_header(end - start)
        self._header_field += data[start:end]

    def _header_value_data(self, data: bytes, start: int, end: int) -> None:
        self._count_header(end - start)
        self._header_value += data[start:end]

    def _header_end(self) -> None:
        name = self._header_field.decode("latin-1").strip().lower()
        # Latin-1 keeps the bytes as they are (RFC 7578 names may be UTF-8: decoded later)
        self._headers[name] = self._header_value.decode("latin-1").strip()
        self._header_field.clear()
        self._header_value.clear()

    def _problem(self, error: BadRequest) -> None:
        if self.error is None or (
            self.error.code == DUPLICATE_PART and error.code == MALFORMED_MULTIPART
        ):
            self.error = error

    def _headers_finished(self) -> None:
        disposition = self._headers.get("content-disposition")
        if disposition is None:
            self._problem(_malformed("a part has no Content-Disposition header"))
            return
        kind, options = parse_options_header(disposition)
        raw_name = options.get(b"name")
        if kind != b"form-data" or not raw_name:
            self._problem(_malformed("a part has no form-data name"))
            return
        content_type = self._headers.get("content-type")
        if content_type and content_type.lower().lstrip().startswith("multipart/"):
            self._problem(_malformed("nested multipart parts are not accepted"))
            return
        name = raw_name.decode("utf-8", "replace")
        self._current_name = name
        self._current_limit = self._limit(name)
        if name in self.form.parts:
            self._problem(
                BadRequest(DUPLICATE_PART, f"{_shown(name)}: sent more than once", part=name)
            )
            return
        raw_filename = options.get(b"filename")
        part = Part(
            name=name,
            filename=raw_filename.decode("utf-8", "replace") if raw_filename is not None else None,
            content_type=content_type,
        )
        if name in self.files:
            part.spool = tempfile.SpooledTemporaryFile(  # noqa: SIM115 - closed by Form.close
                max_size=self.settings.spool_memory_bytes, mode="w+b"
            )
        else:
            part.memory = bytearray()
        self.form.parts[name] = part
        self._current = part

    def _limit(self, name: str) -> int:
        return self.files.get(name, self.settings.max_field_bytes)

    def _part_data(self, data: bytes, start: int, end: int) -> None:
        size = end - start
        self._current_size += size
        if self._current_size > self._current_limit and self._current_name is not None:
            raise PayloadTooLarge(self._current_limit, part=_shown(self._current_name, quote=False))
        part = self._current
        if part is None:
            return
        part.size += size
        if part.memory is not None:
            part.memory += data[start:end]
        elif part.spool is not None:
            part.spool.write(data[start:end])

    def _part_end(self) -> None:
        self._current = None

    def _end(self) -> None:
        self.ended = True


async def read_form(
    chunks: AsyncIterator[bytes],
    content_type: str | None,
    content_length: str | None,
    settings: Settings,
    *,
    files: Mapping[str, int] | None = None,
) -> Form:
    """Parse the body; raises PayloadTooLarge or BadRequest, in the contract's precedence.

    ``files`` names the parts spooled to temporary files, each with its byte limit (by
    default the contract's media fields, within the settings' limits); any other part is
    a field kept in memory, up to ``max_field_bytes``."""
    declared_length(content_length, settings)
    received = 0
    try:
        boundary = boundary_of(content_type)
    except BadRequest as error:
        await _drain(chunks, received, settings)
        raise error from None
    if files is None:
        files = {"image": settings.max_image_bytes, "video": settings.max_video_bytes}
    collector = _Collector(settings, files)
    parser = MultipartParser(
        boundary,
        collector.callbacks(),  # type: ignore[arg-type]
        max_header_count=MAX_HEADERS_PER_PART,
        # header bytes are counted (and refused with a 413) by the collector
        max_header_size=settings.max_body_bytes,
    )
    try:
        async for chunk in chunks:
            received += len(chunk)
            if received > settings.max_body_bytes:
                raise PayloadTooLarge(settings.max_body_bytes)
            try:
                parser.write(chunk)
            except MultipartParseError as error:
                collector.form.close()
                await _drain(chunks, received, settings)
                raise _malformed(_parse_message(error)) from None
        parser.finalize()
    except BaseException:
        collector.form.close()
        raise
    if not collector.ended:
        collector.form.close()
        raise _malformed("the body ends before the closing boundary")
    if collector.error is not None:
        collector.form.close()
        raise collector.error
    return collector.form


async def _drain(chunks: AsyncIterator[bytes], received: int, settings: Settings) -> None:
    """Read (and drop) the rest of the body, still refusing it past ``max_body_bytes``."""
    async for chunk in chunks:
        received += len(chunk)
        if received > settings.max_body_bytes:
            raise PayloadTooLarge(settings.max_body_bytes)


def _malformed(reason: str) -> BadRequest:
    return BadRequest(MALFORMED_MULTIPART, f"Malformed multipart body: {reason}")


def _parse_message(error: MultipartParseError) -> str:
    text = str(error).splitlines()[0] if str(error) else "cannot be parsed"
    return text[:1].lower() + text[1:120]


def _shown(name: str, *, quote: bool = True) -> str:
    clean = "".join(ch if ch.isprintable() else "?" for ch in name)[:64]
    return repr(clean) if quote and clean not in spec.MEDIA_FIELDS else clean
