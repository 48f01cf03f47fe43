"""Opening an untrusted ZIP archive and reading its entries within limits."""

from __future__ import annotations

import hashlib
import io
import os
import stat
import weakref
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, fields
from typing import IO, Final

from bulk._errors import BulkInputError

KiB: Final = 1024
MiB: Final = 1024 * KiB
GiB: Final = 1024 * MiB

CHUNK: Final = 1 * MiB
EOCD_SIGNATURE: Final = b"PK\x05\x06"
ZIP64_LOCATOR_SIGNATURE: Final = b"PK\x06\x07"
ZIP64_EOCD_SIGNATURE: Final = b"PK\x06\x06"
CENTRAL_RECORD_ALLOWANCE: Final = 1 * KiB  # bytes of central directory allowed per entry

Source = bytes | bytearray | memoryview | str | os.PathLike[str]


class EntryError(Exception):
    """One entry cannot be read; the message says why."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True, slots=True, kw_only=True)
class Limits:
    """What an input archive may hold; entries beyond a limit are reported, never read whole."""

    max_entries: int = 20_000
    max_entry_bytes: int = 100 * MiB
    max_total_bytes: int = 20 * GiB
    max_ratio: int = 100
    ratio_floor_bytes: int = 1 * MiB
    max_params_bytes: int = 64 * KiB
    max_labels_bytes: int = 16 * MiB

    def __post_init__(self) -> None:
        for item in fields(self):
            value = getattr(self, item.name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"Limits.{item.name} must be a whole number >= 1, got {value!r}")


DEFAULT_LIMITS: Final = Limits()


class Archive:
    """An opened input archive; it stays open while cases read their media from it."""

    def __init__(self, source: Source, limits: Limits) -> None:
        self.limits = limits
        stream = _open_stream(source)
        try:
            _check_directory(stream, limits)
            self._zip = zipfile.ZipFile(stream)
        except BulkInputError:
            stream.close()
            raise
        except Exception as exc:  # anything a hostile file provokes in the parser
            stream.close()
            raise BulkInputError(f"not a readable ZIP archive ({_reason(exc)})") from None
        self._finalizer = weakref.finalize(self, _close, self._zip, stream)
        self.infos = self._zip.infolist()
        if len(self.infos) > limits.max_entries:
            self.close()
            raise BulkInputError(
                f"the archive has {len(self.infos)} entries, more than the limit "
                f"{limits.max_entries}"
            )
        declared = sum(info.file_size for info in self.infos)
        if declared > limits.max_total_bytes:
            self.close()
            raise BulkInputError(
                f"the archive declares {declared} bytes uncompressed, more than the limit "
                f"{limits.max_total_bytes}"
            )

    def close(self) -> None:
        self._finalizer()

    def scan(self, info: zipfile.ZipInfo, *, cap: int) -> tuple[int, str]:
        """Read the entry once within ``cap`` bytes: its actual size and sha256."""
        digest = hashlib.sha256()
        size = 0
        for chunk in self._chunks(info, cap):
            digest.update(chunk)
            size += len(chunk)
        return size, digest.hexdigest()

    def read(self, info: zipfile.ZipInfo, *, cap: int, sha256: str | None = None) -> bytes:
        """The entry's bytes, read within ``cap``; checked against ``sha256`` when given."""
        data = b"".join(self._chunks(info, cap))
        if sha256 is not None and hashlib.sha256(data).hexdigest() != sha256:
            raise EntryError("changed", "the entry changed since the archive was checked")
        return data

    def _chunks(self, info: zipfile.ZipInfo, cap: int) -> Iterator[bytes]:
        total = 0
        ratio_limit = self.limits.max_ratio * max(info.compress_size, 1)
        try:
            with self._zip.open(info) as entry:
                while chunk := entry.read(min(CHUNK, cap + 1 - total)):
                    total += len(chunk)
                    if total > cap:
                        raise EntryError("too_large", f"larger than {cap} bytes when read")
                    if total > self.limits.ratio_floor_bytes and total > ratio_limit:
                        raise EntryError(
                            "zip_bomb",
                            f"decompresses to more than {self.limits.max_ratio} times "
                            "its compressed size",
                        )
                    yield chunk
        except EntryError:
            raise
        except NotImplementedError as exc:
            raise EntryError("corrupt", f"cannot be decompressed ({exc})") from None
        except Exception as exc:  # bad CRC, truncated data, a broken local header, ...
            raise EntryError("corrupt", f"cannot be read ({_reason(exc)})") from None


def check_entry(info: zipfile.ZipInfo, limits: Limits) -> EntryError | None:
    """Why an entry must not be read at all, judged on its header only."""
    mode = info.external_attr >> 16
    if stat.S_ISLNK(mode):
        return EntryError("symlink", "a symbolic link (only regular files are read)")
    if stat.S_IFMT(mode) not in (0, stat.S_IFREG, stat.S_IFDIR):
        return EntryError("special_file", "not a regular file")
    if info.flag_bits & 0x1:
        return EntryError("encrypted", "encrypted (password-protected entries are not supported)")
    if info.file_size > limits.max_entry_bytes:
        return EntryError(
            "too_large",
            f"declares {info.file_size} bytes, more than the limit {limits.max_entry_bytes}",
        )
    ratio = info.file_size / max(info.compress_size, 1)
    if info.file_size > limits.ratio_floor_bytes and ratio > limits.max_ratio:
        return EntryError(
            "zip_bomb",
            f"declares a compression ratio of {ratio:.0f}:1, more than {limits.max_ratio}:1",
        )
    return None


def _open_stream(source: Source) -> IO[bytes]:
    if isinstance(source, bytes | bytearray | memoryview):
        return io.BytesIO(bytes(source))
    if isinstance(source, str | os.PathLike):
        try:
            return open(source, "rb")
        except OSError as exc:
            raise BulkInputError(f"cannot read {os.fspath(source)}: {exc.strerror}") from None
    raise TypeError(f"source must be bytes or a path, got {type(source).__name__}")


def _check_directory(stream: IO[bytes], limits: Limits) -> None:
    """Refuse a central directory that is too large before the ZIP parser loads it."""
    size = stream.seek(0, os.SEEK_END)
    tail_size = min(size, 22 + 65_535)
    stream.seek(size - tail_size)
    tail = stream.read(tail_size)
    stream.seek(0)
    position = tail.rfind(EOCD_SIGNATURE)
    if position < 0 or position + 22 > len(tail):
        return  # the ZIP parser reports it
    count = int.from_bytes(tail[position + 10 : position + 12], "little")
    directory_size = int.from_bytes(tail[position + 12 : position + 16], "little")
    locator = position - 20
    if locator >= 0 and tail[locator : locator + 4] == ZIP64_LOCATOR_SIGNATURE:
        stream.seek(int.from_bytes(tail[locator + 8 : locator + 16], "little"))
        record = stream.read(56)
        stream.seek(0)
        if record[:4] == ZIP64_EOCD_SIGNATURE and len(record) == 56:
            count = max(count, int.from_bytes(record[32:40], "little"))
            directory_size = max(directory_size, int.from_bytes(record[40:48], "little"))
    if count > limits.max_entries:
        raise BulkInputError(
            f"the archive declares {count} entries, more than the limit {limits.max_entries}"
        )
    if directory_size > limits.max_entries * CENTRAL_RECORD_ALLOWANCE:
        raise BulkInputError(
            f"the archive's directory is {directory_size} bytes, too large for "
            f"{limits.max_entries} entries"
        )


def _close(archive: zipfile.ZipFile, stream: IO[bytes]) -> None:
    archive.close()
    stream.close()


def _reason(exc: BaseException) -> str:
    text = str(exc).splitlines()[0] if str(exc) else ""
    return text or type(exc).__name__
