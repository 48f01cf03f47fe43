"""What a part really holds, read from its first bytes (never from its name or declared type)."""

from __future__ import annotations

import base64
import binascii

HEAD_BYTES = 64
IMAGE_TYPES = frozenset({"jpeg", "png"})
VIDEO_TYPES = frozenset({"mp4"})

_MAGIC: tuple[tuple[int, bytes, str], ...] = (
    (0, b"\xff\xd8\xff", "jpeg"),
    (0, b"\x89PNG\r\n\x1a\n", "png"),
    (4, b"ftyp", "mp4"),
    (0, b"\x1a\x45\xdf\xa3", "webm"),
    (0, b"GIF8", "gif"),
    (0, b"RIFF", "riff"),
    (0, b"%PDF", "pdf"),
    (0, b"PK\x03\x04", "zip"),
)


def detect(head: bytes) -> str:
    """The type the magic bytes of ``head`` announce: jpeg, png, mp4 (MP4 or MOV), webm, ...

    ``empty`` for no bytes, ``text`` for printable text, else ``unknown``.
    """
    if not head:
        return "empty"
    for offset, magic, name in _MAGIC:
        if head[offset : offset + len(magic)] == magic:
            return name
    for cut in range(4):  # the head may end inside a UTF-8 sequence
        try:
            text = head[: len(head) - cut].decode("utf-8")
        except UnicodeDecodeError:
            continue
        printable = all(char.isprintable() or char in "\t\r\n" for char in text)
        return "text" if printable else "unknown"
    return "unknown"


def detect_base64(head: bytes) -> str:
    """The type of a still sent as base64 text (``image_type=base64``), from its first bytes."""
    text = b"".join(head.split())
    text = text[: len(text) - len(text) % 4]
    try:
        decoded = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        return "invalid_base64"
    return detect(decoded) if decoded else "empty"
