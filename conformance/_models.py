from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

TOKEN_PLACEHOLDER = "$TOKEN"
EXPIRED_TOKEN_PLACEHOLDER = "$EXPIRED_TOKEN"
BEARER = f"Bearer {TOKEN_PLACEHOLDER}"


@dataclass(frozen=True, slots=True)
class Part:
    """One part of a multipart body: a file part when ``filename`` is set, else a field."""

    name: str
    content: bytes
    filename: str | None = None
    content_type: str | None = None
    source: str | None = field(default=None, compare=False)
    base64_of: str | None = field(default=None, compare=False)

    @classmethod
    def text(cls, name: str, value: str) -> Part:
        return cls(name=name, content=value.encode("utf-8"))

    @property
    def is_file(self) -> bool:
        return self.filename is not None


@dataclass(frozen=True, slots=True)
class Request:
    """A request the suite sends; equal requests are sent once and their exchange reused.

    ``authorization`` may hold ``$TOKEN`` (or ``$EXPIRED_TOKEN``), substituted at send time
    and kept masked in reports. ``expected_code`` is the ``detail.code`` an error answer to
    it must carry, when the request states one (ERR-003 checks it); like ``label`` it is
    not part of the request's identity.
    """

    path: str
    parts: tuple[Part, ...] = ()
    authorization: str | None = BEARER
    method: str = "POST"
    body: bytes | None = None
    content_type: str | None = None
    label: str = field(default="", compare=False)
    expected_code: str | None = field(default=None, compare=False)

    def fields(self) -> dict[str, str]:
        """The plain text fields (the last value of each name)."""
        return {
            part.name: part.content.decode("utf-8", "replace")
            for part in self.parts
            if not part.is_file
        }

    def part_names(self) -> set[str]:
        return {part.name for part in self.parts}

    @property
    def api(self) -> str:
        return "v2" if self.path.rstrip("/").endswith("/v2/liveness") else "v1"

    @property
    def location(self) -> str:
        """``METHOD /path (label)``: how failures name the request."""
        label = f" ({self.label})" if self.label else ""
        return f"{self.method} {self.path}{label}"


@dataclass(frozen=True, slots=True)
class Response:
    status: int
    headers: dict[str, str]
    content: bytes
    elapsed: float = field(default=0.0, compare=False)

    @property
    def media_type(self) -> str:
        return self.headers.get("content-type", "").split(";", 1)[0].strip().lower()

    def json(self) -> Any:
        """The decoded JSON body; raises ValueError when it is not JSON."""
        return json.loads(self.content)

    def json_or_none(self) -> Any:
        try:
            return self.json()
        except ValueError:
            return None

    @property
    def digest(self) -> str:
        return hashlib.sha256(self.content).hexdigest()


@dataclass(frozen=True, slots=True)
class Exchange:
    request: Request
    response: Response
    url: str
